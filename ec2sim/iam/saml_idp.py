"""ec2sim's built-in SAML 2.0 identity provider, for tests: its metadata, and signed SAMLResponses.

Its RSA key and self-signed certificate are made once per server (`new_idp_keys`) and held by the
store (`Store.saml_idp`), so CreateSAMLProvider with `idp_metadata` trusts every response `mint_response`
signs. Responses are built as an IdP sends them to AWS's sign-in endpoint (HTTP POST binding): the
Assertion is signed (enveloped, exclusive c14n, RSA-SHA256) by signxml.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml import XMLSigner

from ec2sim.iam.saml_encryption import encrypt_assertion
from ec2sim.iam.saml_xml import (
    ASSERTION,
    DSIG,
    METADATA,
    PERSISTENT,
    PROTOCOL,
    ROLE_ATTRIBUTE,
    SESSION_DURATION_ATTRIBUTE,
    SESSION_NAME_ATTRIBUTE,
    SIGNIN_URL,
    SUCCESS,
)
from ec2sim.store.iam.saml import IdpKeys

ENTITY_ID = "urn:ec2sim:saml:idp"
_CERTIFICATE_YEARS = 20


def new_idp_keys(now: datetime) -> IdpKeys:
    """A fresh RSA-2048 key and a self-signed certificate for it (PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ec2sim SAML IdP")])
    start = now.astimezone(timezone.utc) - timedelta(days=1)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=365 * _CERTIFICATE_YEARS))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return IdpKeys(key_pem.decode(), certificate.public_bytes(serialization.Encoding.PEM).decode())


def _der_base64(certificate_pem: str) -> str:
    certificate = x509.load_pem_x509_certificate(certificate_pem.encode())
    return base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode()


def idp_metadata(keys: IdpKeys, sso_url: str) -> str:
    """The IdP's SAML 2.0 metadata (EntityDescriptor), as CreateSAMLProvider takes it."""
    md, ds = f"{{{METADATA}}}", f"{{{DSIG}}}"
    root = etree.Element(md + "EntityDescriptor", nsmap={"md": METADATA, "ds": DSIG}, entityID=ENTITY_ID)
    idp = etree.SubElement(root, md + "IDPSSODescriptor", protocolSupportEnumeration=PROTOCOL)
    descriptor = etree.SubElement(idp, md + "KeyDescriptor", use="signing")
    data = etree.SubElement(etree.SubElement(descriptor, ds + "KeyInfo"), ds + "X509Data")
    etree.SubElement(data, ds + "X509Certificate").text = _der_base64(keys.certificate_pem)
    etree.SubElement(idp, md + "NameIDFormat").text = PERSISTENT
    etree.SubElement(
        idp,
        md + "SingleSignOnService",
        Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect",
        Location=sso_url,
    )
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8").decode()


def _instant(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _id() -> str:
    return "_" + secrets.token_hex(16)


def _attribute(parent: etree._Element, name: str, values: Sequence[str]) -> None:
    saml = f"{{{ASSERTION}}}"
    attribute = etree.SubElement(parent, saml + "Attribute", Name=name)
    for value in values:
        etree.SubElement(attribute, saml + "AttributeValue").text = value


def _assertion(
    now: datetime,
    expires: datetime,
    subject: str,
    subject_format: str,
    recipient: str,
    audience: str,
    attributes: Mapping[str, Sequence[str]],
) -> etree._Element:
    saml = f"{{{ASSERTION}}}"
    assertion = etree.Element(
        saml + "Assertion",
        nsmap={"saml": ASSERTION},
        ID=_id(),
        Version="2.0",
        IssueInstant=_instant(now),
    )
    etree.SubElement(assertion, saml + "Issuer").text = ENTITY_ID
    subject_element = etree.SubElement(assertion, saml + "Subject")
    etree.SubElement(subject_element, saml + "NameID", Format=subject_format).text = subject
    confirmation = etree.SubElement(
        subject_element, saml + "SubjectConfirmation", Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"
    )
    etree.SubElement(
        confirmation, saml + "SubjectConfirmationData", NotOnOrAfter=_instant(expires), Recipient=recipient
    )
    conditions = etree.SubElement(
        assertion,
        saml + "Conditions",
        NotBefore=_instant(now - timedelta(minutes=5)),
        NotOnOrAfter=_instant(expires),
    )
    restriction = etree.SubElement(conditions, saml + "AudienceRestriction")
    etree.SubElement(restriction, saml + "Audience").text = audience
    authn = etree.SubElement(
        assertion, saml + "AuthnStatement", AuthnInstant=_instant(now), SessionIndex=_id()
    )
    context = etree.SubElement(authn, saml + "AuthnContext")
    etree.SubElement(
        context, saml + "AuthnContextClassRef"
    ).text = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
    statement = etree.SubElement(assertion, saml + "AttributeStatement")
    for name, values in attributes.items():
        _attribute(statement, name, values)
    return assertion


def mint_response(
    keys: IdpKeys,
    now: datetime,
    *,
    roles: Sequence[tuple[str, str]],
    subject: str,
    session_name: str | None,
    expires_in: int = 300,
    session_duration: int | None = None,
    subject_format: str = PERSISTENT,
    recipient: str = SIGNIN_URL,
    audience: str = SIGNIN_URL,
    attributes: Mapping[str, Sequence[str]] | None = None,
    encrypt_for: rsa.RSAPublicKey | None = None,
) -> str:
    """A signed SAMLResponse (base64) granting `roles` ((role ARN, provider ARN) pairs) to `subject`;
    with `encrypt_for`, its Assertion is encrypted for that public key (an IAM SAML provider's)."""
    everything: dict[str, Sequence[str]] = {
        ROLE_ATTRIBUTE: [f"{role},{provider}" for role, provider in roles]
    }
    if session_name is not None:
        everything[SESSION_NAME_ATTRIBUTE] = [session_name]
    if session_duration is not None:
        everything[SESSION_DURATION_ATTRIBUTE] = [str(session_duration)]
    everything.update(attributes or {})
    expires = now + timedelta(seconds=expires_in)
    assertion = _assertion(now, expires, subject, subject_format, recipient, audience, everything)
    signed = XMLSigner(c14n_algorithm="http://www.w3.org/2001/10/xml-exc-c14n#").sign(
        assertion, key=keys.key_pem, cert=keys.certificate_pem, reference_uri=assertion.get("ID")
    )
    # The schema wants the enveloped signature right after the Issuer (signxml appends it last;
    # moving it changes no digest: the enveloped-signature transform leaves it out).
    signed.insert(1, signed[-1])
    samlp = f"{{{PROTOCOL}}}"
    response = etree.Element(
        samlp + "Response",
        nsmap={"samlp": PROTOCOL, "saml": ASSERTION},
        ID=_id(),
        Version="2.0",
        IssueInstant=_instant(now),
        Destination=recipient,
    )
    etree.SubElement(response, f"{{{ASSERTION}}}Issuer").text = ENTITY_ID
    status = etree.SubElement(response, samlp + "Status")
    etree.SubElement(status, samlp + "StatusCode", Value=SUCCESS)
    response.append(signed if encrypt_for is None else encrypt_assertion(signed, encrypt_for))
    return base64.b64encode(etree.tostring(response)).decode()
