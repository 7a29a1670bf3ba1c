"""Things that happen at an emulated moment (state transitions, expiry).

No background threads: each request first runs whatever has come due by its
emulated `now`, in order, under the store lock.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from datetime import datetime


class Timeline:
    def __init__(self) -> None:
        self._events: list[tuple[datetime, int, Callable[[datetime], None]]] = []
        self._seq = itertools.count()

    def schedule(self, when: datetime, action: Callable[[datetime], None]) -> None:
        """Run `action(when)` once emulated time reaches `when`."""
        heapq.heappush(self._events, (when, next(self._seq), action))

    def run_due(self, now: datetime) -> None:
        events = self._events
        while events and events[0][0] <= now:
            when, _, action = heapq.heappop(events)
            action(when)

    def clear(self) -> None:
        self._events.clear()
