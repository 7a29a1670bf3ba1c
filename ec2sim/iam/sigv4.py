"""AWS Signature Version 4: reading the credential scope and verifying signatures.

Pure functions over the request's parts (method, path, query pairs, headers,
body; header names lower-cased), so no web framework is involved. Both forms are handled: the
``Authorization`` header and presigned query strings (``X-Amz-Signature``).
The request time is checked against the *real* clock: clients sign with real
time, whatever the emulated clock says.
"""

from __future__ import annotations

import hashlib
import hmac
import posixpath
import time
from calendar import timegm
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from urllib.parse import quote

ALGORITHM = "AWS4-HMAC-SHA256"
MAX_SKEW_SECONDS = 15 * 60
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"


class SignatureError(Exception):
    """Why a request's signature was refused.

    `reason` is one of "incomplete", "mismatch", "expired"; each service turns it
    into its own error code.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class CredentialScope:
    """``Credential=AKID/20240101/us-east-1/ec2/aws4_request``."""

    access_key_id: str
    date: str
    region: str
    service: str


@dataclass(frozen=True)
class SignedRequest:
    """The parts of a request that SigV4 covers, plus what the signer claimed."""

    method: str
    path: str
    query: Sequence[tuple[str, str]]  # decoded (name, value) pairs, as received
    headers: Mapping[str, str]  # names lower-cased
    body: bytes
    scope: CredentialScope
    signed_headers: tuple[str, ...]
    signature: str
    amz_date: str
    presigned: bool
    expires: int | None = None


def _parse_credential(value: str) -> CredentialScope | None:
    parts = value.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request":
        return None
    return CredentialScope(*parts[:4])


def _auth_fields(header: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for item in header[len(ALGORITHM) + 1 :].split(","):
        key, _, value = item.strip().partition("=")
        fields[key] = value
    return fields


def credential_scope(headers: Mapping[str, str], query: Mapping[str, str]) -> CredentialScope | None:
    """The scope from the Authorization header or a presigned query string, if any."""
    auth = headers.get("authorization", "")
    if auth.startswith(ALGORITHM + " "):
        return _parse_credential(_auth_fields(auth).get("Credential", ""))
    presigned = query.get("X-Amz-Credential")
    return _parse_credential(presigned) if presigned else None


def is_signed(headers: Mapping[str, str], query: Mapping[str, str]) -> bool:
    return "authorization" in headers or "X-Amz-Signature" in query or "X-Amz-Credential" in query


def read_signature(
    method: str, path: str, query: Sequence[tuple[str, str]], headers: Mapping[str, str], body: bytes
) -> SignedRequest:
    """What the client signed and claims, or SignatureError("incomplete") when malformed."""
    auth = headers.get("authorization")
    if auth is not None:
        if not auth.startswith(ALGORITHM + " "):
            raise SignatureError("incomplete", f"Unsupported AWS 'algorithm': '{auth.split(' ')[0]}'")
        fields = _auth_fields(auth)
        missing = [k for k in ("Credential", "SignedHeaders", "Signature") if not fields.get(k)]
        if missing:
            text = " ".join(f"Authorization header requires '{k}' parameter." for k in missing)
            raise SignatureError("incomplete", f"{text} Authorization={auth}")
        credential, signed, signature = fields["Credential"], fields["SignedHeaders"], fields["Signature"]
        amz_date, expires, presigned = headers.get("x-amz-date", ""), None, False
    else:
        params = dict(query)
        missing = [
            k
            for k in ("X-Amz-Credential", "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Date")
            if not params.get(k)
        ]
        if missing:
            raise SignatureError(
                "incomplete",
                "AWS query-string parameters must include "
                + ", ".join(f"'{k}'" for k in missing)
                + ". Re-examine the query-string parameters.",
            )
        credential, signed, signature = (
            params["X-Amz-Credential"],
            params["X-Amz-SignedHeaders"],
            params["X-Amz-Signature"],
        )
        amz_date, presigned = params["X-Amz-Date"], True
        expires = _expires(params.get("X-Amz-Expires"))
    scope = _parse_credential(credential)
    if scope is None:
        raise SignatureError(
            "incomplete", f"Credential should be scoped to a valid region. Credential={credential}"
        )
    if not amz_date:
        raise SignatureError(
            "incomplete",
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
        )
    return SignedRequest(
        method,
        path,
        query,
        headers,
        body,
        scope,
        tuple(signed.lower().split(";")),
        signature,
        amz_date,
        presigned,
        expires,
    )


MAX_EXPIRES_SECONDS = 604800  # a presigned URL lives at most a week


def _expires(text: str | None) -> int | None:
    """A presigned request's X-Amz-Expires: whole seconds, 1 to a week (AWS's bounds and words)."""
    if text is None:
        return None
    if not (text.isascii() and text.isdigit() and len(text) <= 7):
        raise SignatureError("incomplete", "X-Amz-Expires should be a number")
    seconds = int(text)
    if not 0 < seconds <= MAX_EXPIRES_SECONDS:
        raise SignatureError(
            "incomplete", f"X-Amz-Expires must be less than a week (in seconds) that is {MAX_EXPIRES_SECONDS}"
        )
    return seconds


@lru_cache(maxsize=64)
def _parse_amz_date(text: str) -> float | None:
    """``20240102T030405Z`` → epoch seconds (by slicing: strptime costs more than the rest of SigV4)."""
    digits = text[:8] + text[9:15]
    if len(text) != 16 or text[8] != "T" or text[15] != "Z" or not (digits.isascii() and digits.isdigit()):
        return None
    try:
        parts = (
            int(text[0:4]),
            int(text[4:6]),
            int(text[6:8]),
            int(text[9:11]),
            int(text[11:13]),
            int(text[13:15]),
        )
        return float(timegm(datetime(*parts).timetuple()))
    except ValueError:
        return None


def _stamp(moment: float) -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(moment))


# Which time rule applies where: every request, signed in a header or presigned, is refused more
# than 15 minutes (MAX_SKEW_SECONDS) from its X-Amz-Date. A presigned request is also refused once
# its X-Amz-Expires has passed, except by STS, which ignores X-Amz-Expires and accepts a presigned
# request for the 15 minutes after X-Amz-Date (the token scheme of aws-iam-authenticator and
# `aws eks get-token` signs a GetCallerIdentity URL with X-Amz-Expires=60 and relies on this).
_IGNORE_EXPIRES = frozenset({"sts"})


def check_time(request: SignedRequest, now: float | None = None) -> None:
    """Refuse a request signed more than 15 minutes from real time, or past X-Amz-Expires where it counts."""
    now = time.time() if now is None else now
    signed_at = _parse_amz_date(request.amz_date)
    if signed_at is None:
        raise SignatureError("incomplete", f"Invalid X-Amz-Date: {request.amz_date}")
    if (
        request.presigned
        and request.expires is not None
        and request.scope.service not in _IGNORE_EXPIRES
        and now > signed_at + request.expires
    ):
        raise SignatureError(
            "expired", f"Request has expired. Signed at {request.amz_date}, now {_stamp(now)}."
        )
    if signed_at > now + MAX_SKEW_SECONDS:
        raise SignatureError(
            "expired",
            f"Signature not yet current: {request.amz_date} is still later than "
            f"{_stamp(now + MAX_SKEW_SECONDS)} ({_stamp(now)} + 15 min.)",
        )
    if signed_at < now - MAX_SKEW_SECONDS:
        raise SignatureError(
            "expired",
            f"Signature expired: {request.amz_date} is now earlier than "
            f"{_stamp(now - MAX_SKEW_SECONDS)} ({_stamp(now)} - 15 min.)",
        )


@lru_cache(maxsize=256)
def _canonical_path(path: str) -> str:
    normalized = posixpath.normpath(path) if path not in ("", "/") else "/"
    if path.endswith("/") and normalized != "/":
        normalized += "/"
    return quote(normalized, safe="/~")


def canonical_request(request: SignedRequest, payload: str | None = None) -> str:
    pairs = sorted(
        (quote(k, safe="-_.~"), quote(v, safe="-_.~"))
        for k, v in request.query
        if not (request.presigned and k == "X-Amz-Signature")
    )
    query = "&".join(f"{k}={v}" for k, v in pairs) if pairs else ""
    headers = "".join(
        f"{name}:{' '.join(request.headers.get(name, '').split())}\n" for name in request.signed_headers
    )
    payload = payload or hashlib.sha256(request.body).hexdigest()
    return "\n".join(
        [
            request.method,
            _canonical_path(request.path),
            query,
            headers,
            ";".join(request.signed_headers),
            payload,
        ]
    )


@lru_cache(maxsize=1024)
def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.digest(key, part.encode(), "sha256")
    return key


def signature(request: SignedRequest, secret: str, payload: str | None = None) -> str:
    scope = request.scope
    string_to_sign = "\n".join(
        [
            ALGORITHM,
            request.amz_date,
            f"{scope.date}/{scope.region}/{scope.service}/aws4_request",
            hashlib.sha256(canonical_request(request, payload).encode()).hexdigest(),
        ]
    )
    key = signing_key(secret, scope.date, scope.region, scope.service)
    return hmac.digest(key, string_to_sign.encode(), "sha256").hex()  # one-shot: no HMAC object


def verify(request: SignedRequest, secret: str) -> None:
    """Raise SignatureError("mismatch") unless `request` was signed with `secret`."""
    if "host" not in request.signed_headers and not request.presigned:
        raise SignatureError("incomplete", "Signed headers must include 'host'.")
    if not request.amz_date.startswith(request.scope.date):
        raise SignatureError(
            "mismatch",
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP.",
        )
    # The signature always covers the body received: EC2, IAM and STS carry every parameter in it,
    # so a declared hash (X-Amz-Content-SHA256) must be the body's, and UNSIGNED-PAYLOAD (an S3
    # feature) is honoured only by a presigned URL without a body.
    body_hash = hashlib.sha256(request.body).hexdigest()
    declared = request.headers.get("x-amz-content-sha256")
    if declared is not None and declared != body_hash and not (request.presigned and not request.body):
        raise SignatureError(
            "mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed."
        )
    payloads: tuple[str, ...] = (
        (body_hash, UNSIGNED_PAYLOAD) if request.presigned and not request.body else (body_hash,)
    )
    provided = request.signature.encode("utf-8", "surrogatepass")  # compare_digest takes ASCII str only
    if not any(hmac.compare_digest(signature(request, secret, p).encode(), provided) for p in payloads):
        raise SignatureError(
            "mismatch",
            "The request signature we calculated does not match the signature you provided. Check your AWS "
            "Secret Access Key and signing method. Consult the service documentation for details.",
        )
