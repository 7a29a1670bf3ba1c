"""Encrypted SAML assertions (XML Encryption 1.1): decryption with an IAM SAML provider's private
keys (AddPrivateKey), and encryption for the built-in test IdP.

An EncryptedAssertion holds an EncryptedData (the assertion, AES-CBC or AES-GCM) whose key comes in
an EncryptedKey (RSA-OAEP), as IdPs send them when IAM's AssertionEncryptionMode asks for it. The
cryptography is `cryptography`'s; this module only reads and writes the XML around it (no
canonicalisation is involved: decryption yields the assertion's own bytes, whose signature signxml
then verifies).
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from lxml import etree

from ec2sim.iam.saml_xml import ASSERTION, DSIG, NS, SamlError, parse_xml

XENC = "http://www.w3.org/2001/04/xmlenc#"
XENC11 = "http://www.w3.org/2009/xmlenc11#"
_NS = {**NS, "xenc": XENC, "xenc11": XENC11}
# Block cipher algorithm URI → (mode, key length in bytes).
_CIPHERS = {
    f"{XENC}aes128-cbc": ("cbc", 16),
    f"{XENC}aes192-cbc": ("cbc", 24),
    f"{XENC}aes256-cbc": ("cbc", 32),
    f"{XENC11}aes128-gcm": ("gcm", 16),
    f"{XENC11}aes192-gcm": ("gcm", 24),
    f"{XENC11}aes256-gcm": ("gcm", 32),
}
_RSA_OAEP_MGF1P = f"{XENC}rsa-oaep-mgf1p"  # OAEP, MGF1 with SHA-1, digest SHA-1 unless DigestMethod says
_RSA_OAEP = f"{XENC11}rsa-oaep"
_DIGESTS: dict[str, type[hashes.HashAlgorithm]] = {
    "http://www.w3.org/2000/09/xmldsig#sha1": hashes.SHA1,
    "http://www.w3.org/2001/04/xmlenc#sha256": hashes.SHA256,
    "http://www.w3.org/2001/04/xmlenc#sha512": hashes.SHA512,
}
_MGFS: dict[str, type[hashes.HashAlgorithm]] = {
    f"{XENC11}mgf1sha1": hashes.SHA1,
    f"{XENC11}mgf1sha256": hashes.SHA256,
    f"{XENC11}mgf1sha512": hashes.SHA512,
}


def _refused(message: str = "Failed to decrypt the EncryptedAssertion") -> SamlError:
    return SamlError("InvalidIdentityToken", message)


def _algorithm(element: etree._Element | None) -> str:
    method = element.find("xenc:EncryptionMethod", _NS) if element is not None else None
    return str(method.get("Algorithm") or "") if method is not None else ""


def _cipher_value(element: etree._Element) -> bytes:
    value = element.find("xenc:CipherData/xenc:CipherValue", _NS)
    try:
        return base64.b64decode(
            "".join((value.text or "").split()) if value is not None else "", validate=True
        )
    except (binascii.Error, ValueError):
        raise _refused() from None


def _oaep(encrypted_key: etree._Element) -> padding.OAEP:
    algorithm = _algorithm(encrypted_key)
    method = encrypted_key.find("xenc:EncryptionMethod", _NS)
    assert method is not None
    digest_element = method.find("ds:DigestMethod", _NS)
    digest = _DIGESTS.get(
        digest_element.get("Algorithm", "") if digest_element is not None else "", hashes.SHA1
    )
    mgf: type[hashes.HashAlgorithm] = hashes.SHA1
    if algorithm == _RSA_OAEP:
        mgf_element = method.find("xenc11:MGF", _NS)
        mgf = _MGFS.get(mgf_element.get("Algorithm", "") if mgf_element is not None else "", hashes.SHA1)
    elif algorithm != _RSA_OAEP_MGF1P:
        raise _refused(f"Unsupported key transport algorithm {algorithm}")
    return padding.OAEP(mgf=padding.MGF1(algorithm=mgf()), algorithm=digest(), label=None)


def _session_keys(
    encrypted: etree._Element, data: etree._Element, private_keys: Sequence[str]
) -> list[bytes]:
    """Every symmetric key an EncryptedKey yields to one of the provider's private keys."""
    found = []
    elements = data.findall("ds:KeyInfo/xenc:EncryptedKey", _NS) + encrypted.findall("xenc:EncryptedKey", _NS)
    for element in elements:
        oaep, wrapped = _oaep(element), _cipher_value(element)
        for pem in private_keys:
            key = load_pem_private_key(pem.encode("latin-1"), password=None)
            if not isinstance(key, rsa.RSAPrivateKey):
                continue
            try:
                found.append(key.decrypt(wrapped, oaep))
            except ValueError:
                continue
    return found


def _decrypt(algorithm: str, key: bytes, cipher_text: bytes) -> bytes | None:
    mode, length = _CIPHERS[algorithm]
    if len(key) != length:
        return None
    if mode == "gcm":
        try:
            return AESGCM(key).decrypt(cipher_text[:12], cipher_text[12:], None)
        except (InvalidTag, ValueError):
            return None
    iv, body = cipher_text[:16], cipher_text[16:]
    if not body or len(body) % 16:
        return None
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    plain = decryptor.update(body) + decryptor.finalize()
    pad = plain[-1]
    return plain[:-pad] if 1 <= pad <= 16 else None  # XML Encryption's padding: its length last


def decrypt_assertion(encrypted: etree._Element, private_keys: Sequence[str]) -> etree._Element:
    """The saml:Assertion inside a saml:EncryptedAssertion (refused if no private key opens it)."""
    data = encrypted.find("xenc:EncryptedData", _NS)
    if data is None or _algorithm(data) not in _CIPHERS:
        raise _refused(f"Unsupported EncryptedAssertion (algorithm {_algorithm(data) or 'missing'})")
    if not private_keys:
        raise _refused("The SAML provider has no private key to decrypt the assertion")
    cipher_text = _cipher_value(data)
    for key in _session_keys(encrypted, data, private_keys):
        plain = _decrypt(_algorithm(data), key, cipher_text)
        if plain is not None:
            assertion = parse_xml(
                plain, "InvalidIdentityToken", "The decrypted assertion is not well-formed XML"
            )
            if assertion.tag != f"{{{ASSERTION}}}Assertion":
                raise _refused("The EncryptedAssertion holds no Assertion")
            return assertion
    raise _refused()


def encrypt_assertion(assertion: etree._Element, public_key: rsa.RSAPublicKey) -> etree._Element:
    """A saml:EncryptedAssertion of `assertion` (AES-256-GCM, its key by RSA-OAEP-MGF1P), as an IdP
    encrypting for the provider whose public key this is."""
    key = AESGCM.generate_key(bit_length=256)
    nonce = os.urandom(12)
    cipher_text = nonce + AESGCM(key).encrypt(nonce, etree.tostring(assertion), None)
    wrapped = public_key.encrypt(
        key, padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA1()), algorithm=hashes.SHA1(), label=None)
    )
    xenc, ds = f"{{{XENC}}}", f"{{{DSIG}}}"
    encrypted = etree.Element(f"{{{ASSERTION}}}EncryptedAssertion", nsmap={"saml": ASSERTION})
    data = etree.SubElement(
        encrypted,
        xenc + "EncryptedData",
        nsmap={"xenc": XENC},
        Type="http://www.w3.org/2001/04/xmlenc#Element",
    )
    etree.SubElement(data, xenc + "EncryptionMethod", Algorithm=f"{XENC11}aes256-gcm")
    info = etree.SubElement(data, ds + "KeyInfo", nsmap={"ds": DSIG})
    encrypted_key = etree.SubElement(info, xenc + "EncryptedKey")
    method = etree.SubElement(encrypted_key, xenc + "EncryptionMethod", Algorithm=_RSA_OAEP_MGF1P)
    etree.SubElement(method, ds + "DigestMethod", Algorithm="http://www.w3.org/2000/09/xmldsig#sha1")
    for parent, value in ((encrypted_key, wrapped), (data, cipher_text)):
        cipher_data = etree.SubElement(parent, xenc + "CipherData")
        etree.SubElement(cipher_data, xenc + "CipherValue").text = base64.b64encode(value).decode()
    return encrypted
