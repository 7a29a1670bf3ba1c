"""IMDSv2 session tokens: bound to one instance, expiring by the emulated clock.

Tokens are stateless: the expiry (epoch seconds) and an HMAC over it and the
instance id, under a key the app draws at start. Checking one is a hash, and
nothing has to be stored or swept; a token for another instance or a forged or
edited one fails the HMAC.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import struct
from datetime import datetime

TTL_HEADER = "X-aws-ec2-metadata-token-ttl-seconds"
TOKEN_HEADER = "X-aws-ec2-metadata-token"
MAX_TTL_SECONDS = 21600
_PREFIX = b"AQAEA"  # real tokens start so; purely cosmetic
_EXPIRY = struct.Struct(">Q")
_VERIFIED = 4096  # tokens remembered as valid (then forgotten all at once)
_TTL = re.compile(r"[0-9]{1,5}")  # ASCII digits only, at most as many as 21600 has


def parse_ttl(value: str | None) -> int | None:
    """The requested lifetime, if the header holds an integer 1..21600 (else the PUT is a 400).

    Only ASCII digits: `str.isdigit` and `int` also take other Unicode digits ("²", "١").
    """
    digits = None if value is None else value.strip()
    if digits is None or not _TTL.fullmatch(digits):
        return None
    seconds = int(digits)
    return seconds if 1 <= seconds <= MAX_TTL_SECONDS else None


class TokenIssuer:
    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)
        self._verified: dict[tuple[str, str], int] = {}  # (token, instance id): its expiry

    def _mac(self, instance_id: str, expiry: bytes) -> bytes:
        return hmac.new(self._key, instance_id.encode() + b"|" + expiry, hashlib.sha256).digest()[:24]

    def issue(self, instance_id: str, now: datetime, ttl_seconds: int) -> str:
        expiry = _EXPIRY.pack(int(now.timestamp()) + ttl_seconds)
        return base64.b64encode(_PREFIX + expiry + self._mac(instance_id, expiry)).decode()

    def remaining(self, token: str, instance_id: str, now: datetime) -> int | None:
        """Seconds the token has left for this instance; None if it is invalid or expired.

        A token that passed once is remembered with its expiry (a client sends the same token for
        hours): checking it again is a look-up. Failures are not remembered."""
        expiry = self._verified.get((token, instance_id))
        if expiry is None:
            expiry = self._expiry(token, instance_id)
            if expiry is None:
                return None
            if len(self._verified) >= _VERIFIED:
                self._verified.clear()
            self._verified[(token, instance_id)] = expiry
        left = expiry - int(now.timestamp())
        return left if left > 0 else None

    def _expiry(self, token: str, instance_id: str) -> int | None:
        """The token's expiry (epoch seconds) if its HMAC holds for this instance."""
        try:
            raw = base64.b64decode(token, validate=True)
        except ValueError:
            return None
        expiry, mac = raw[len(_PREFIX) : len(_PREFIX) + _EXPIRY.size], raw[len(_PREFIX) + _EXPIRY.size :]
        if not raw.startswith(_PREFIX) or len(expiry) != _EXPIRY.size:
            return None
        if not hmac.compare_digest(mac, self._mac(instance_id, expiry)):
            return None
        found: int = _EXPIRY.unpack(expiry)[0]
        return found
