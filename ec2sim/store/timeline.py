"""Things that happen at an emulated moment (state transitions, expiry).

No background threads: each request first runs whatever has come due by its
emulated `now`, in order, under the store lock.

An event is data, not a closure: a kind, the ids and values it acts on, and when. The kind's
handler (registered with `@timeline_event(kind)`, next to the code that schedules it) runs as
``handler(target, when, *args)``, `target` being the store, and looks up what it acts on by id
(which also means an event whose resource is gone does nothing). So pending events can be
saved and restored with the rest of the state (`ec2sim.store.persistence`).

The modules that register handlers load lazily (start-up imports only what the first request
needs), so `KINDS` declares each kind's module: its handler is imported the first time an event
of that kind is scheduled, run or checked (a state dir's pending events, before anything else is).
`tests/test_timeline_kinds.py` checks the table against the registrations.
"""

from __future__ import annotations

import heapq
import importlib
import inspect
import itertools
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar

Event = tuple[datetime, int, str, tuple[Any, ...]]  # when, order of scheduling, kind, arguments
H = TypeVar("H", bound=Callable[..., None])

_HANDLERS: dict[str, Callable[..., None]] = {}

# Every kind of event → the module that registers its handler.
KINDS: dict[str, str] = {
    "iam.forget": "ec2sim.store.iam.journal",
    "instance.settle": "ec2sim.store.ec2.lifecycle",
    "instance.forget": "ec2sim.store.ec2.lifecycle",
    "peering.pending": "ec2sim.store.ec2.peering",
    "peering.active": "ec2sim.store.ec2.peering",
    "peering.expire": "ec2sim.store.ec2.peering",
    "peering.failed": "ec2sim.store.ec2.peering",
    "peering.deleted": "ec2sim.store.ec2.peering",
    "peering.forget": "ec2sim.store.ec2.peering",
    # Handlers next to the API code that schedules them (the api layer registers into this one).
    "image.available": "ec2sim.api.ec2.images",
    "nat-gateway.settle": "ec2sim.api.ec2.nat_gateways",
    "nat-gateway.forget": "ec2sim.api.ec2.nat_gateways",
    "snapshot.completed": "ec2sim.api.ec2.snapshots",
    "volume.created": "ec2sim.api.ec2.volumes",
    "volume.attached": "ec2sim.api.ec2.volumes",
    "volume.detached": "ec2sim.api.ec2.volumes",
    "volume.modified": "ec2sim.api.ec2.volume_modifications",
    "vpc-endpoint.settle": "ec2sim.api.ec2.vpc_endpoints",
}


def timeline_event(kind: str) -> Callable[[H], H]:
    """Register `handler(target, when, *args)` as what an event of `kind` does."""

    def register(handler: H) -> H:
        _HANDLERS[kind] = handler
        return handler

    return register


def handler_of(kind: str) -> Callable[..., None] | None:
    """The handler of `kind`, its module imported on first need (None: no such kind)."""
    handler = _HANDLERS.get(kind)
    if handler is None and kind in KINDS:
        importlib.import_module(KINDS[kind])
        handler = _HANDLERS.get(kind)
    return handler


def check_event(kind: str, args: tuple[Any, ...]) -> None:
    """ValueError unless an event of `kind` with `args` can run (saved state from outside)."""
    handler = handler_of(kind)
    if handler is None:
        raise ValueError(f"unknown kind of event {kind[:60]!r}")
    try:
        inspect.signature(handler).bind(None, None, *args)
    except TypeError:
        raise ValueError(f"wrong arguments for an event of kind {kind!r}: {len(args)}") from None


class Timeline:
    def __init__(self, target: Any = None) -> None:
        self.target = target  # what handlers act on: the store
        self._events: list[Event] = []
        self._seq = itertools.count()
        # While the store is durable: every event scheduled ("add") or run ("done") since the last commit.
        self.log: list[tuple[str, Event]] | None = None

    def schedule(self, when: datetime, kind: str, *args: Any) -> None:
        """Run the handler of `kind` with `args` once emulated time reaches `when`."""
        assert handler_of(kind) is not None, f"no handler for timeline events of kind {kind!r}"
        event = (when, next(self._seq), kind, args)
        heapq.heappush(self._events, event)
        if self.log is not None:
            self.log.append(("add", event))

    def due(self, now: datetime) -> bool:
        """Whether an event is due by `now`."""
        return bool(self._events) and self._events[0][0] <= now

    def run_due(self, now: datetime) -> None:
        events = self._events
        while events and events[0][0] <= now:
            event = heapq.heappop(events)
            if self.log is not None:
                self.log.append(("done", event))
            when, _, kind, args = event
            handler = handler_of(kind)
            assert handler is not None, f"no handler for timeline events of kind {kind!r}"
            handler(self.target, when, *args)

    def pending(self) -> list[Event]:
        """Every event not run yet, in the order they will run."""
        return sorted(self._events)

    def restore(self, events: Iterable[Event]) -> None:
        """Pending events saved earlier (their kinds known), in place of none."""
        assert not self._events
        self._events = sorted(events)
        last = max((seq for _, seq, _, _ in self._events), default=-1)
        self._seq = itertools.count(last + 1)

    def clear(self) -> None:
        self._events.clear()
