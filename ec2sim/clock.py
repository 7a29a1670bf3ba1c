"""The one source of emulated time.

Emulated time is real UTC time plus an offset that only moves forward (the
control API advances it), so lifetimes, expiry and state transitions can be
tested in milliseconds. SigV4's 15-minute window alone uses the real clock.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone


class Clock:
    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    @property
    def offset_seconds(self) -> float:
        return self._offset

    def time(self) -> float:
        """Emulated seconds since the epoch."""
        return time.time() + self._offset

    def now(self) -> datetime:
        """Emulated now, timezone-aware UTC."""
        return datetime.fromtimestamp(self.time(), timezone.utc)

    def advance(self, seconds: float) -> datetime:
        if seconds < 0:
            raise ValueError("the emulated clock only moves forward")
        with self._lock:
            self._offset += seconds
        return self.now()

    def reset(self) -> None:
        with self._lock:
            self._offset = 0.0


def after(moment: datetime, seconds: float) -> datetime:
    return moment + timedelta(seconds=seconds)
