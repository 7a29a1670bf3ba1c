"""Resource identifiers in AWS's formats."""

from __future__ import annotations

import random
import secrets
import string

_UPPER_DIGITS = string.ascii_uppercase + string.digits


class IdGenerator:
    """Random ids; swap in a deterministic subclass for reproducible runs.

    Resource and request ids are not secrets: they come from a fast PRNG seeded
    from the OS. Keys and secrets come from `secrets`.
    """

    def __init__(self) -> None:
        self._random = random.Random(secrets.randbits(128))

    def _hex(self, digits: int) -> str:
        return f"{self._random.getrandbits(digits * 4):0{digits}x}"

    def hex_id(self, prefix: str, length: int = 17) -> str:
        """``i-0a1b...``: EC2's prefix, a dash and `length` lowercase hex digits."""
        return f"{prefix}-{self._hex(length)}"

    def iam_id(self, prefix: str) -> str:
        """``AIDA`` + 17 upper-case letters and digits (IAM unique ids)."""
        return prefix + "".join(secrets.choice(_UPPER_DIGITS) for _ in range(17))

    def access_key_id(self, prefix: str = "AKIA") -> str:
        return prefix + "".join(secrets.choice(_UPPER_DIGITS) for _ in range(16))

    def secret(self, length: int = 40) -> str:
        return secrets.token_urlsafe(length)[:length].replace("-", "+").replace("_", "/")

    def request_id(self) -> str:
        h = self._hex(32)
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
