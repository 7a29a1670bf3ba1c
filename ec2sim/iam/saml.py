"""SAML 2.0 for STS AssumeRoleWithSAML: IdP metadata and the verification of a SAMLResponse.

No HTTP and no store here: callers pass the provider's metadata, the emulated time and the
recipients they accept, and get typed values or a `SamlError` carrying STS's error code.

XML is parsed without DTDs, entities or network access (`ec2sim.iam.saml_xml`), an encrypted
assertion is decrypted with the provider's private keys (`ec2sim.iam.saml_encryption`), and the XML
signature is verified by signxml (exclusive canonicalisation and all)
against the certificates the provider's metadata lists. Only what the signature covers is read:
the signed Response (and its single Assertion) or the signed Assertion, as signxml returns it,
so an unsigned element wrapped around or beside the signed one is never trusted.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree
from signxml import SignatureConfiguration, XMLVerifier

from ec2sim.iam.saml_encryption import decrypt_assertion
from ec2sim.iam.saml_xml import (
    ASSERTION,
    METADATA,
    NS,
    PROTOCOL,
    SUCCESS,
    SamlError,
    invalid,
    parse_time,
    parse_xml,
    safe_parser,
)

# Audiences AWS accepts in AudienceRestriction: its sign-in endpoint (any region's) or its entity id.
AWS_ENTITY_ID = "urn:amazon:webservices"
_NAME_ID_TYPES = {
    "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent": "persistent",
    "urn:oasis:names:tc:SAML:2.0:nameid-format:transient": "transient",
}


# Metadata -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IdpMetadata:
    entity_id: str
    certificates: tuple[str, ...]  # PEM, the IdP's signing certificates
    valid_until: datetime | None


def _pem(der_base64: str) -> str:
    """A certificate's PEM from the base64 DER metadata carries (ValueError if it isn't one)."""
    der = base64.b64decode("".join(der_base64.split()), validate=True)
    certificate = x509.load_der_x509_certificate(der)
    return certificate.public_bytes(encoding=Encoding.PEM).decode()


def parse_metadata(text: str) -> IdpMetadata:
    """SAML 2.0 IdP metadata: an EntityDescriptor (or the first IdP of an EntitiesDescriptor) with an
    IDPSSODescriptor supporting SAML 2.0 and at least one signing certificate."""
    refused = SamlError("InvalidInput", "Could not parse metadata")
    root = parse_xml(text.encode("utf-8", "replace"), refused.code, refused.message)
    entity = root if root.tag == f"{{{METADATA}}}EntityDescriptor" else None
    if root.tag == f"{{{METADATA}}}EntitiesDescriptor":
        entity = next(
            (
                e
                for e in root.iterfind("md:EntityDescriptor", NS)
                if e.find("md:IDPSSODescriptor", NS) is not None
            ),
            None,
        )
    idp = entity.find("md:IDPSSODescriptor", NS) if entity is not None else None
    if entity is None or idp is None or not entity.get("entityID"):
        raise refused
    if PROTOCOL not in (idp.get("protocolSupportEnumeration") or "").split():
        raise refused
    certificates = []
    for descriptor in idp.iterfind("md:KeyDescriptor", NS):
        if descriptor.get("use", "signing") != "signing":
            continue
        for element in descriptor.iterfind("ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS):
            try:
                certificates.append(_pem(element.text or ""))
            except (ValueError, binascii.Error):
                raise refused from None
    if not certificates:
        raise refused
    valid_until = entity.get("validUntil")
    parsed = parse_time(valid_until)
    if valid_until is not None and parsed is None:
        raise refused
    return IdpMetadata(str(entity.get("entityID")), tuple(certificates), parsed)


# Assertions ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifiedAssertion:
    """What a verified SAMLResponse says (only what its signature covers)."""

    issuer: str
    subject: str
    subject_type: str  # "persistent", "transient" or the NameID Format URI
    recipient: str
    expires: datetime  # the earliest NotOnOrAfter of the subject confirmation and the conditions
    session_not_on_or_after: datetime | None = None
    attributes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    encrypted: bool = False  # it came as an EncryptedAssertion


def decode_response(saml_assertion: str) -> etree._Element:
    """The base64 SAMLResponse as an XML element (samlp:Response)."""
    try:
        data = base64.b64decode("".join(saml_assertion.split()), validate=True)
    except (binascii.Error, ValueError):
        raise invalid("Invalid base64 SAMLResponse") from None
    root = parse_xml(data, "InvalidIdentityToken", "Response is not well-formed XML")
    if root.tag != f"{{{PROTOCOL}}}Response":
        raise invalid("Invalid SAMLResponse: no samlp:Response element")
    return root


def _signed(data: bytes, certificates: tuple[str, ...]) -> etree._Element | None:
    """The element the document's first signature covers, if one of `certificates` verifies it."""
    for certificate in certificates:
        # The provider's certificate is pinned; like IAM, its validity period is not checked.
        loaded = x509.load_pem_x509_certificate(certificate.encode())
        config = SignatureConfiguration(location=".//", verification_time=loaded.not_valid_before_utc)
        try:
            result = XMLVerifier().verify(
                data, x509_cert=certificate, parser=safe_parser(), expect_config=config
            )
        except Exception:  # noqa: BLE001 - any failure to verify (malformed, wrong key, digest) refuses
            continue
        signed = getattr(result, "signed_xml", None)
        if signed is not None:
            return signed
    return None


def _signed_assertion(
    response: etree._Element, certificates: tuple[str, ...], private_keys: Sequence[str]
) -> tuple[etree._Element, bool]:
    """The Assertion a signature covers, and whether it came encrypted: the Response's signature
    (over its one Assertion or EncryptedAssertion), else the Assertion's own (an encrypted one's
    once decrypted with the provider's `private_keys`)."""
    inside = response.findall("saml:Assertion", NS) + response.findall("saml:EncryptedAssertion", NS)
    if len(inside) != 1:
        raise invalid("Response must contain exactly one Assertion")
    encrypted = inside[0].tag == f"{{{ASSERTION}}}EncryptedAssertion"
    signed = _signed(etree.tostring(response), certificates)
    if signed is not None and signed.tag == f"{{{PROTOCOL}}}Response":
        covered = signed.findall("saml:Assertion", NS) + signed.findall("saml:EncryptedAssertion", NS)
        if len(covered) == 1:
            return (decrypt_assertion(covered[0], private_keys) if encrypted else covered[0]), encrypted
    elif signed is not None and signed.tag == f"{{{ASSERTION}}}Assertion" and not encrypted:
        return signed, False
    elif encrypted:
        assertion = decrypt_assertion(inside[0], private_keys)
        signed = _signed(etree.tostring(assertion), certificates)
        if signed is not None and signed.tag == f"{{{ASSERTION}}}Assertion":
            return signed, True
    raise invalid("Response signature invalid")


def _text(element: etree._Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


def _check_window(element: etree._Element | None, now: datetime) -> datetime | None:
    """NotBefore / NotOnOrAfter of a Conditions or SubjectConfirmationData element, on `now`."""
    if element is None:
        return None
    not_before, not_after = parse_time(element.get("NotBefore")), parse_time(element.get("NotOnOrAfter"))
    if element.get("NotBefore") is not None and (not_before is None or now < not_before):
        raise invalid("Assertion is not yet valid")
    if element.get("NotOnOrAfter") is not None and not_after is None:
        raise invalid("Invalid NotOnOrAfter")
    if not_after is not None and now >= not_after:
        raise SamlError("ExpiredTokenException", "Token is expired")
    return not_after


def _attributes(assertion: etree._Element) -> dict[str, tuple[str, ...]]:
    found: dict[str, tuple[str, ...]] = {}
    for attribute in assertion.iterfind("saml:AttributeStatement/saml:Attribute", NS):
        name = attribute.get("Name") or ""
        values = tuple(_text(v) for v in attribute.iterfind("saml:AttributeValue", NS))
        found[name] = found.get(name, ()) + values
    return found


def verify_response(
    saml_assertion: str,
    metadata: IdpMetadata,
    now: datetime,
    accepts: Callable[[str], bool],
    private_keys: Sequence[str] = (),
) -> VerifiedAssertion:
    """Verify a base64 SAMLResponse for AssumeRoleWithSAML: the signature against the metadata's
    certificates, the issuer, the recipient (and the Response's Destination) that `accepts`,
    an audience it accepts (or AWS's entity id), and NotBefore / NotOnOrAfter on the emulated time `now`;
    an EncryptedAssertion is decrypted with the provider's `private_keys` (PEM)."""
    response = decode_response(saml_assertion)
    destination = response.get("Destination")
    if destination is not None and not accepts(destination):
        raise invalid("Invalid Destination")
    status = response.find("samlp:Status/samlp:StatusCode", NS)
    if status is not None and status.get("Value") != SUCCESS:
        raise SamlError("IDPRejectedClaim", "The identity provider did not authenticate the user")
    assertion, encrypted = _signed_assertion(response, metadata.certificates, private_keys)
    issuer = _text(assertion.find("saml:Issuer", NS))
    if issuer != metadata.entity_id:
        raise invalid("Issuer mismatch")
    name_id = assertion.find("saml:Subject/saml:NameID", NS)
    if not _text(name_id):
        raise invalid("Assertion has no Subject NameID")
    assert name_id is not None
    confirmations = [
        c.find("saml:SubjectConfirmationData", NS)
        for c in assertion.iterfind("saml:Subject/saml:SubjectConfirmation", NS)
        if c.get("Method") == "urn:oasis:names:tc:SAML:2.0:cm:bearer"
    ]
    data = next((c for c in confirmations if c is not None and accepts(c.get("Recipient") or "")), None)
    if data is None:
        raise invalid("Invalid Recipient: no bearer SubjectConfirmationData for the AWS sign-in endpoint")
    if data.get("NotOnOrAfter") is None:
        raise invalid("SubjectConfirmationData must have a NotOnOrAfter")
    expires = _check_window(data, now)
    conditions = assertion.find("saml:Conditions", NS)
    until = _check_window(conditions, now)
    audiences = {
        _text(a) for a in assertion.iterfind("saml:Conditions/saml:AudienceRestriction/saml:Audience", NS)
    }
    if not any(audience == AWS_ENTITY_ID or accepts(audience) for audience in audiences):
        raise invalid("Invalid audience: the assertion's AudienceRestriction must name AWS")
    assert expires is not None
    authn = assertion.find("saml:AuthnStatement", NS)
    return VerifiedAssertion(
        issuer=issuer,
        subject=_text(name_id),
        subject_type=_NAME_ID_TYPES.get(name_id.get("Format", ""), name_id.get("Format") or "unspecified"),
        recipient=str(data.get("Recipient")),
        expires=min(expires, until) if until is not None else expires,
        session_not_on_or_after=parse_time(authn.get("SessionNotOnOrAfter")) if authn is not None else None,
        attributes=_attributes(assertion),
        encrypted=encrypted,
    )
