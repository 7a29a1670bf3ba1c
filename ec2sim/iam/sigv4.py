"""AWS Signature Version 4: reading who signed a request and for what scope."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class CredentialScope:
    """``Credential=AKID/20240101/us-east-1/ec2/aws4_request``."""

    access_key_id: str
    date: str
    region: str
    service: str


def _parse_credential(value: str) -> CredentialScope | None:
    parts = value.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request":
        return None
    return CredentialScope(*parts[:4])


def credential_scope(headers: Mapping[str, str], query: Mapping[str, str]) -> CredentialScope | None:
    """The scope from the Authorization header or a presigned query string, if any."""
    auth = headers.get("Authorization", "")
    if auth.startswith("AWS4-HMAC-SHA256 "):
        for item in auth[len("AWS4-HMAC-SHA256 ") :].split(","):
            key, _, value = item.strip().partition("=")
            if key == "Credential":
                return _parse_credential(value)
        return None
    presigned = query.get("X-Amz-Credential")
    return _parse_credential(presigned) if presigned else None
