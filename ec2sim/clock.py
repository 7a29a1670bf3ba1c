"""The one source of emulated time.

Emulated time is real UTC time plus an offset that only moves forward (the
control API advances it), so lifetimes, expiry and state transitions can be
tested in milliseconds. SigV4's 15-minute window alone uses the real clock.
"""

from __future__ import annotations

import math
import threading
import time
from datetime import datetime, timedelta, timezone

# How far emulated time may run ahead of real time: far enough for any lifetime a test wants to
# see pass, near enough that every timestamp stays inside the calendar.
MAX_OFFSET_SECONDS = 100 * 365.25 * 24 * 3600


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
        """Move emulated time forward; ValueError (nothing changed) for a step that is negative,
        not finite, or would take the clock more than `MAX_OFFSET_SECONDS` ahead of real time."""
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError("the emulated clock only moves forward, by a finite number of seconds")
        with self._lock:
            if self._offset + seconds > MAX_OFFSET_SECONDS:
                raise ValueError(
                    f"the emulated clock may run at most {MAX_OFFSET_SECONDS:.0f} seconds (100 years) "
                    f"ahead of real time; it is {self._offset:.0f} ahead"
                )
            self._offset += seconds
        return self.now()

    def reset(self) -> None:
        with self._lock:
            self._offset = 0.0


def after(moment: datetime, seconds: float) -> datetime:
    return moment + timedelta(seconds=seconds)
