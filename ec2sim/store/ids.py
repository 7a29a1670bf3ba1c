"""Resource identifiers in AWS's formats."""

from __future__ import annotations

import secrets
import string

_UPPER_DIGITS = string.ascii_uppercase + string.digits


class IdGenerator:
    """Random ids; swap in a deterministic subclass for reproducible runs."""

    def hex_id(self, prefix: str, length: int = 17) -> str:
        """``i-0a1b...``: EC2's prefix, a dash and `length` lowercase hex digits."""
        return f"{prefix}-{secrets.token_hex((length + 1) // 2)[:length]}"

    def iam_id(self, prefix: str) -> str:
        """``AIDA`` + 17 upper-case letters and digits (IAM unique ids)."""
        return prefix + "".join(secrets.choice(_UPPER_DIGITS) for _ in range(17))

    def access_key_id(self, prefix: str = "AKIA") -> str:
        return prefix + "".join(secrets.choice(_UPPER_DIGITS) for _ in range(16))

    def secret(self, length: int = 40) -> str:
        return secrets.token_urlsafe(length)[:length].replace("-", "+").replace("_", "/")

    def request_id(self) -> str:
        h = secrets.token_hex(16)
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
