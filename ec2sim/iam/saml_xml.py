"""SAML's basics: namespaces, AWS's attribute names, the safe parser, xs:dateTime, and the error
every SAML module raises.

Untrusted XML (metadata, SAMLResponses, decrypted assertions) is parsed without DTDs, entities or
network access, and a document with a DOCTYPE is refused outright. Cheap to import (lxml is loaded
on first parse): the API modules import it at start-up, the verification modules on first use.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lxml import etree

PROTOCOL = "urn:oasis:names:tc:SAML:2.0:protocol"
ASSERTION = "urn:oasis:names:tc:SAML:2.0:assertion"
METADATA = "urn:oasis:names:tc:SAML:2.0:metadata"
DSIG = "http://www.w3.org/2000/09/xmldsig#"
NS = {"samlp": PROTOCOL, "saml": ASSERTION, "md": METADATA, "ds": DSIG}
SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"
PERSISTENT = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
ROLE_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/Role"
SESSION_NAME_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/RoleSessionName"
SESSION_DURATION_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/SessionDuration"
SOURCE_IDENTITY_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/SourceIdentity"
# Session tags: one ``PrincipalTag:KEY`` attribute per tag, and the keys that are transitive (one
# value each) in ``TransitiveTagKeys`` (IAM User Guide, "Passing session tags using AssumeRoleWithSAML").
PRINCIPAL_TAG_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/PrincipalTag:"
TRANSITIVE_TAG_KEYS_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/TransitiveTagKeys"
SIGNIN_URL = "https://signin.aws.amazon.com/saml"


class SamlError(Exception):
    """A refused metadata document or assertion; ``code``: the error STS (or IAM) answers."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def invalid(message: str) -> SamlError:
    """STS's InvalidIdentityToken."""
    return SamlError("InvalidIdentityToken", message)


def safe_parser() -> etree.XMLParser:
    """No DTD, no entities, no network, no huge trees: lxml's settings for untrusted input."""
    from lxml import etree

    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_pis=True
    )


def parse_xml(data: bytes, code: str, message: str) -> etree._Element:
    """The document's root; `SamlError(code, message)` if it isn't well-formed XML without a DTD."""
    from lxml import etree

    try:
        root = etree.fromstring(data, parser=safe_parser())
    except (etree.XMLSyntaxError, ValueError):
        raise SamlError(code, message) from None
    if root is None or root.getroottree().docinfo.doctype:
        raise SamlError(code, message)
    return root


def parse_time(text: str | None) -> datetime | None:
    """An xs:dateTime (UTC when it names no zone); None if absent or not one."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
