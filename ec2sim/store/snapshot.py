"""A snapshot of a durable store (DIR/snapshot.pickle): a cache of the SQLite rows, read in one
`pickle` load at start instead of decoding every row (`ec2sim.store.persistence`).

The rows stay the source of truth; the snapshot is used only while it says the same:
- `StateDir` writes it when the server stops gracefully (after the last commit and the keys' last
  uses; a stop that changed nothing since the snapshot was read keeps it), then records its token
  (random, also in the file's header) in the database's meta table. The first later transaction
  that changes anything (`StateDir.commit`, an import, a reset) deletes the token, in the same
  transaction, so after a crash that followed a change the rows win and nothing is lost.
- It must have been written by the same code (`fingerprint`).
Whatever else is wrong with it (missing, stale, truncated, damaged, from another version, failing
to unpickle) raises (`SnapshotError` for what is expected), and the caller logs it and decodes the
rows instead. A start from the rows does not write one: that would add a fifth to it (100,000
instances: ~6 s of CPU to ~30 s) for a snapshot current only until the first change.

Like the SQLite file it caches, the snapshot is trusted local data: it is a pickle, and unpickling
runs what the file names. It is never exported and never read from anywhere but the state dir.

What is pickled: the attributes of the store that `Store.replace_state` takes, their indexes,
registries and back-links as they are (nothing is rebuilt at load). Not pickled: the store itself
and its id generator, which stand for the loading store's own (as `build_store` builds with them);
the timeline, pickled as its pending events (its counter is an iterator); slotted records (an
`Instance`), whose fields are set past their tracked ``__setattr__``.
"""

from __future__ import annotations

import contextlib
import copyreg
import dataclasses
import functools
import hashlib
import io
import operator
import os
import pickle
import sys
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ec2sim
from ec2sim.store import Store
from ec2sim.store.table import Resource
from ec2sim.store.timeline import Event, Timeline

SNAPSHOT = "snapshot.pickle"
_MAGIC = b"ec2sim-snapshot 1\n"
_Reducer = Callable[[Any], tuple[Any, ...]]
_NEWOBJ = copyreg.__newobj__  # type: ignore[attr-defined]  # pickle's protocol 2 object creation


class SnapshotError(Exception):
    """The snapshot can't be used (``str()`` says why): the rows are read instead."""


@functools.cache
def fingerprint() -> str:
    """Which code writes (and may read) a snapshot: Python's version and a hash of every source file
    of the ec2sim package. A pickle holds the store's private layout (the attributes of tables,
    regions, registries and indexes, which no record's field list describes, and how an index holds
    its items), so a hash of the records' fields would accept a snapshot the code no longer reads
    the same way, and the package version is the same across development checkouts. Any change of
    the code costs one start from the rows (~12 ms to hash ~1.8 MB of source)."""
    root = Path(ec2sim.__file__).parent
    digest = hashlib.sha256(repr(sys.version_info[:2]).encode())
    sources = sorted(root.rglob("*.py"))
    if not sources:  # an installation without sources can't tell its versions apart
        raise SnapshotError(f"no source files under {root} to tell the code's version by")
    for path in sources:
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


# Writing ----------------------------------------------------------------------------------------


def write(directory: Path, store: Store, token: str) -> None:
    """Write `store`'s state (callers hold its lock, with everything committed) as the snapshot of
    `directory`, atomically (a temporary file, fsynced, then renamed over the old one)."""
    payload = _dumps(store)
    header = pickle.dumps(
        {"fingerprint": fingerprint(), "token": token, "size": len(payload), "crc32": zlib.crc32(payload)},
        protocol=5,
    )
    path = directory / SNAPSHOT
    temporary = path.with_name(f".{SNAPSHOT}.tmp")  # one server per directory: one name is enough
    try:
        with open(temporary, "wb") as file:
            file.write(_MAGIC)
            file.write(header)
            file.write(payload)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)  # the rename itself
    finally:
        os.close(descriptor)


def _dumps(store: Store) -> bytes:
    state = {name: value for name, value in vars(store).items() if name not in Store.KEPT}
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=5)
    reducers: dict[type, _Reducer] = {
        type(store): lambda _: (_live, ("store",)),
        type(store.ids): lambda _: (_live, ("ids",)),
        Timeline: _reduce_timeline,
    }
    reducers.update((cls, _reduce_slotted) for cls in _slotted_resources())
    pickler.dispatch_table = {**copyreg.dispatch_table, **reducers}
    pickler.dump((store.clock.offset_seconds, state))
    return buffer.getvalue()


def _live(name: str) -> Any:
    """Stands, in a snapshot, for an object of the loading store (`_Unpickler` resolves it)."""
    raise pickle.UnpicklingError(f"a snapshot's {name} is resolved by ec2sim.store.snapshot only")


def _reduce_timeline(timeline: Timeline) -> tuple[Any, ...]:
    return _timeline, (timeline.target, timeline.pending(), timeline.log)


def _timeline(target: Any, events: list[Event], log: list[tuple[str, Event]] | None) -> Timeline:
    timeline = Timeline(target)
    timeline.restore(events)  # numbered as saved: the rows' numbers
    timeline.log = log
    return timeline


_SLOTS: dict[type, tuple[str, ...]] = {}
_GETTERS: dict[type, Callable[[Any], tuple[Any, ...]]] = {}
_SETTERS: dict[type, tuple[Callable[[Any, Any], None], ...]] = {}


def _slots(cls: type) -> tuple[str, ...]:
    """The names of `cls`'s slots, its bases' too."""
    names = _SLOTS.get(cls)
    if names is None:
        names = _SLOTS[cls] = tuple(
            name
            for c in cls.__mro__
            for name in vars(c).get("__slots__", ())
            if name not in ("__dict__", "__weakref__")
        )
    return names


def _slot_getter(cls: type) -> Callable[[Any], tuple[Any, ...]]:
    """The values of an item's slots, in `_slots` order."""
    getter = _GETTERS.get(cls)
    if getter is None:  # a tuple: a `Resource` has two fields at least (its id and tags)
        getter = _GETTERS[cls] = operator.attrgetter(*_slots(cls))
    return getter


def _slot_setters(cls: type) -> tuple[Callable[[Any, Any], None], ...]:
    """Each slot's own setter (its member descriptor's), in `_slots` order: half the time of
    ``object.__setattr__``."""
    setters = _SETTERS.get(cls)
    if setters is None:
        setters = _SETTERS[cls] = tuple(getattr(cls, name).__set__ for name in _slots(cls))
    return setters


def _slotted_resources() -> list[type]:
    """The slotted stored records: pickle would set their fields through ``__setattr__``, which a
    durable store tracks (the item's table may not be unpickled yet)."""
    found: list[type] = []
    pending = [Resource]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if "__slots__" in vars(cls) and dataclasses.is_dataclass(cls):
            found.append(cls)
    return found


def _reduce_slotted(item: object) -> tuple[Any, ...]:
    return _NEWOBJ, (type(item),), (item.__dict__, _slot_getter(type(item))(item)), None, None, _set_slotted


def _set_slotted(item: object, state: tuple[dict[str, Any], tuple[Any, ...]]) -> None:
    attributes, values = state
    item.__dict__.update(attributes)
    for setter, value in zip(_slot_setters(type(item)), values, strict=True):
        setter(item, value)


def discard(directory: Path) -> None:
    """Delete the snapshot, if any (one not used is never current again: it is only disk space)."""
    with contextlib.suppress(OSError):
        (directory / SNAPSHOT).unlink(missing_ok=True)


# Reading ----------------------------------------------------------------------------------------


def read(directory: Path, token: str | None, like: Store) -> Store:
    """A store holding the snapshot's state, built with `like`'s id generator and settings (for
    `Store.replace_state`, as `build_store` builds one); SnapshotError unless the snapshot is
    current (its token is `token`, the one the rows recorded) and reads back whole."""
    if token is None:
        raise SnapshotError("none is current (the saved state changed since one was written)")
    try:
        file = open(directory / SNAPSHOT, "rb")  # noqa: SIM115 - closed below, before the long part
    except FileNotFoundError:
        raise SnapshotError(f"there is no {SNAPSHOT}") from None
    with file:
        if file.read(len(_MAGIC)) != _MAGIC:
            raise SnapshotError(f"{SNAPSHOT} is not an ec2sim snapshot")
        header = pickle.load(file)
        if not isinstance(header, dict) or header.get("token") != token:
            raise SnapshotError(f"{SNAPSHOT} is stale (the saved state changed since it was written)")
        if header.get("fingerprint") != fingerprint():
            raise SnapshotError(f"{SNAPSHOT} was written by another version of ec2sim")
        payload = file.read()  # bytes: the BytesIO below shares them, no copy
    if len(payload) != header.get("size") or zlib.crc32(payload) != header.get("crc32"):
        raise SnapshotError(f"{SNAPSHOT} is damaged (its size or checksum is not the one written)")
    fresh = Store(durable=True)
    fresh.ids = like.ids
    offset, state = _Unpickler(io.BytesIO(payload), {"store": fresh, "ids": like.ids}).load()
    state["iam"].propagation_seconds = like.iam.propagation_seconds  # a setting, not state
    fresh.__dict__.update(state)
    fresh.clock.advance(offset)
    return fresh


class _Unpickler(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, live: dict[str, Any]) -> None:
        super().__init__(file)
        self._live = live

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == (__name__, "_live"):
            return self._live.__getitem__
        return super().find_class(module, name)
