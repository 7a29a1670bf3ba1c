"""Resource identifiers in AWS's formats."""

from __future__ import annotations

import random
import secrets
import string
from collections import deque
from collections.abc import Callable

_UPPER_DIGITS = string.ascii_uppercase + string.digits


class IdGenerator:
    """Random ids; swap in a deterministic subclass for reproducible runs.

    Resource and request ids are not secrets: they come from a fast PRNG seeded
    from the OS. Keys and secrets come from `secrets`.

    The declarative seed (`ec2sim.seed`) gives resources fixed ids through the same handlers as
    API calls: `pin` makes the next id of a kind (an id prefix such as ``ami`` or ``AKIA``, or
    ``secret``) a given one, and while `issued` is a list every id handed out is appended to it,
    so a reset can hand out the seed's ids again. Request ids are neither pinned nor recorded.
    """

    def __init__(self) -> None:
        self._random = random.Random(secrets.randbits(128))
        self._pinned: dict[str, deque[str]] = {}
        self.issued: list[tuple[str, str]] | None = None

    def pin(self, kind: str, value: str) -> None:
        """Hand out `value` as the next id of `kind` (callers hold the store lock)."""
        self._pinned.setdefault(kind, deque()).append(value)

    def unpin(self) -> list[tuple[str, str]]:
        """Drop every pinned id not handed out yet; return them (kind, value)."""
        left = [(kind, value) for kind, queue in self._pinned.items() for value in queue]
        self._pinned.clear()
        return left

    def _give(self, kind: str, make: Callable[[], str]) -> str:
        queue = self._pinned.get(kind)
        value = queue.popleft() if queue else make()
        if self.issued is not None:
            self.issued.append((kind, value))
        return value

    def _hex(self, digits: int) -> str:
        return f"{self._random.getrandbits(digits * 4):0{digits}x}"

    def hex_id(self, prefix: str, length: int = 17) -> str:
        """``i-0a1b...``: EC2's prefix, a dash and `length` lowercase hex digits."""
        return self._give(prefix, lambda: f"{prefix}-{self._hex(length)}")

    def iam_id(self, prefix: str) -> str:
        """``AIDA`` + 17 upper-case letters and digits (IAM unique ids)."""
        return self._give(prefix, lambda: prefix + "".join(secrets.choice(_UPPER_DIGITS) for _ in range(17)))

    def access_key_id(self, prefix: str = "AKIA") -> str:
        return self._give(prefix, lambda: prefix + "".join(secrets.choice(_UPPER_DIGITS) for _ in range(16)))

    def secret(self, length: int = 40) -> str:
        return self._give(
            "secret", lambda: secrets.token_urlsafe(length)[:length].replace("-", "+").replace("_", "/")
        )

    def request_id(self) -> str:
        h = self._hex(32)
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
