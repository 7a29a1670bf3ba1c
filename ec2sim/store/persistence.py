"""Durable state (``--state-dir``); imports of the state as one document (`ec2sim.store.document`).

The store lives in SQLite (DIR/ec2sim.sqlite, WAL, ``synchronous=FULL``); `StateDir.commit` saves
what changed since the last commit in one transaction, and callers commit before they answer, so
an acknowledged request is on disk and a killed server never leaves half a request there. Saved:
- IAM as its journal (`ec2sim.store.iam.journal`): one row per `Change`, appended; loading replays
  them. Not saved with each request: the usage `IamAccount.record_key_use` writes in place on
  every signed request (`ec2sim.store.last_uses`): it is saved when the server stops
  (`save_key_uses`), so a kill loses the latest uses.
  Not saved at all: root keys from the settings (configuration, installed at every start).
- EC2 as one row per stored resource (account, region, table, id → its encoding, nested records
  such as block devices and rules inside it), written or deleted when the store's `Tracker` saw
  it change; one row per account-region (its default VPC's id).
- The timeline's pending events (data, see `ec2sim.store.timeline`) and the clock's offset.
- The server's own keys (`Store.SERVER_KEYS`: the built-in OIDC issuer's and SAML IdP's), so what
  they signed stays verifiable; like a reset, an import keeps them, and they are not exported.
Derived structures (indexes, registries, back-links) are never saved: loading adds every item
back through the region's own operations (`Ec2Region.add_restored`), which rebuild them.
Not saved either: the instance identity signing key and IMDSv2 tokens (per process: after a
restart documents are signed by a new key, and clients fetch a new token).

Loading, like an import, decodes everything into a fresh store first (`build_store`, which
refuses a bad document with a `StateError` naming the problem), then swaps it in whole
(`Store.replace_state`); or, while no transaction has changed the rows since a snapshot of the
whole state was written (`ec2sim.store.snapshot`, at the last stop), it loads that, in one call.
A second server on the same directory is refused (`StateDirError`): the first holds an exclusive
lock on DIR/lock while it runs.
"""

from __future__ import annotations

import fcntl
import gc
import json
import logging
import os
import secrets
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ec2sim.store import Store, snapshot
from ec2sim.store.document import CODEC, FORMAT, VERSION, StateError, build_store, encode_event, export_state
from ec2sim.store.last_uses import access_uses, apply_access_uses, apply_key_uses, key_uses
from ec2sim.store.timeline import Event

logger = logging.getLogger("ec2sim.state")
DATABASE = "ec2sim.sqlite"


class StateDirError(Exception):
    """The state directory can't be used: another server holds it, or it can't be opened."""


@contextmanager
def _building() -> Iterator[None]:
    """Loading a saved state makes millions of objects, none of them garbage: no collection pass
    would free any, and each would walk them all (a fifth of decoding 10,000 instances' rows).
    Once loaded they are long-lived, so `StateDir.load` then freezes them (`gc.freeze`) out of
    the collector's full passes (~1 s each at 100,000 instances) until `close`, a reset or an
    import (`Store.reset` and `Store.replace_state` unfreeze too)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def import_state(store: Store, doc: Any) -> None:
    """Replace the store's state by `doc`'s, all or nothing (saved too when durable)."""
    with store.lock:
        store.replace_state(build_store(doc, store))
        if isinstance(store.persistence, StateDir):
            store.persistence.rewrite(store)


# SQLite ---------------------------------------------------------------------------------------

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS iam (seq INTEGER PRIMARY KEY, change TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS regions (
    account TEXT NOT NULL, region TEXT NOT NULL, default_vpc_id TEXT NOT NULL, PRIMARY KEY (account, region));
CREATE TABLE IF NOT EXISTS ec2 (
    account TEXT NOT NULL, region TEXT NOT NULL, tbl TEXT NOT NULL, id TEXT NOT NULL, item TEXT NOT NULL,
    PRIMARY KEY (account, region, tbl, id));
CREATE TABLE IF NOT EXISTS timeline (seq INTEGER PRIMARY KEY, at TEXT NOT NULL, kind TEXT NOT NULL, args TEXT NOT NULL);
"""
# Any change of a row makes the snapshot (`ec2sim.store.snapshot`) stale, in its own transaction:
# triggers, so that writes by a version of ec2sim that knows nothing of snapshots count too.
_STALE = "".join(
    f"CREATE TRIGGER IF NOT EXISTS stale_snapshot_{table}_{event.lower()} AFTER {event} ON {table}"
    + (f" WHEN {'OLD' if event == 'DELETE' else 'NEW'}.key <> 'snapshot'" if table == "meta" else "")
    + " BEGIN DELETE FROM meta WHERE key = 'snapshot'; END;\n"
    for table in ("meta", "iam", "regions", "ec2", "timeline")
    for event in ("INSERT", "UPDATE", "DELETE")
)
_UPSERT = "INSERT OR REPLACE INTO ec2 (account, region, tbl, id, item) VALUES (?, ?, ?, ?, ?)"
_ADD_EVENT = "INSERT OR REPLACE INTO timeline (seq, at, kind, args) VALUES (?, ?, ?, ?)"
_ANY_STATE = "SELECT EXISTS (SELECT 1 FROM iam) OR EXISTS (SELECT 1 FROM ec2)"


def _dumps(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"))


class StateDir:
    """The state directory of a running server: its lock, and its database."""

    def __init__(self, directory: str) -> None:
        self.path = Path(directory)
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            self._lock = open(self.path / "lock", "a+", encoding="utf-8")  # noqa: SIM115 - held for the server's life
        except OSError as error:
            raise StateDirError(
                f"cannot use state directory {directory}: {error.strerror or error}"
            ) from None
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._lock.seek(0)
            pid = self._lock.read().strip()[:20]
            self._lock.close()
            holder = f" (pid {pid})" if pid else ""
            raise StateDirError(f"state directory {directory} is in use by another ec2sim{holder}") from None
        self._lock.truncate(0)
        self._lock.write(str(os.getpid()))
        self._lock.flush()
        try:
            self.db = sqlite3.connect(self.path / DATABASE, isolation_level=None, check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.executescript(_SCHEMA + _STALE)
        except sqlite3.Error as error:
            self._lock.close()
            raise StateDirError(f"cannot use {self.path / DATABASE}: {error}") from None
        self._saved_journal = 0  # IAM changes saved so far (the journal restarts on a reset)
        self._saved_offset = 0.0
        self._saved_keys: tuple[Any, ...] = (None,) * len(Store.SERVER_KEYS)
        self.snapshot_token: str | None = None  # the snapshot the rows say is current (meta 'snapshot')
        self.from_snapshot = False  # whether `load` read the snapshot (not the rows)

    def close(self) -> None:
        self.db.close()
        self._lock.close()  # releases the lock
        gc.unfreeze()  # what `load` froze may become garbage now (a reset or an import unfreezes too)

    def load(self, store: Store) -> bool:
        """Put the saved state into `store` (durable, fresh) and keep it saved from now on; whether
        there was any. StateError: saved state this version can't read."""
        with store.lock:
            try:
                self.snapshot_token = self._meta("snapshot")
                self.from_snapshot = self._load_snapshot(store)
                if self.from_snapshot:
                    return bool(self.db.execute(_ANY_STATE).fetchone()[0])
                saved = self._read()
            except (sqlite3.Error, ValueError) as error:
                raise StateError(f"cannot read {self.path / DATABASE}: {error}") from None
            with CODEC.sharing(), _building():
                store.replace_state(build_store(saved, store))
            gc.freeze()  # see `_building`
            self._restore_keys(store)
            apply_key_uses(store, json.loads(self._meta("key_uses") or "[]"))
            apply_access_uses(store, json.loads(self._meta("access_uses") or "{}"))
            store.persistence = self
            (next_seq,) = self.db.execute("SELECT COALESCE(MAX(seq) + 1, 0) FROM iam").fetchone()
            if next_seq == len(store.iam.journal):
                self._renumber_timeline(store)  # all else is saved as read
            else:  # a journal whose saved numbering doesn't run 0…n-1: saved again in full
                self.rewrite(store)
        return bool(saved["iam"] or saved["ec2"])

    def _load_snapshot(self, store: Store) -> bool:
        """Load the snapshot if it is current and reads back whole; False (logged) otherwise."""
        started = time.perf_counter()
        try:
            with _building():
                restored = snapshot.read(self.path, self.snapshot_token, store)
        except snapshot.SnapshotError as error:
            logger.info("state: no snapshot used, the rows are read instead: %s", error)
            snapshot.discard(self.path)
            return False
        except Exception as error:  # noqa: BLE001 - whatever a damaged cache raises, the rows are the truth
            logger.warning("state: the snapshot can't be read, the rows are read instead: %r", error)
            snapshot.discard(self.path)
            return False
        store.replace_state(restored)
        gc.freeze()  # see `_building`
        self._restore_keys(store)
        store.persistence = self
        self._after_rewrite(store)
        logger.info("state: loaded from the snapshot in %.2f s", time.perf_counter() - started)
        return True

    def _restore_keys(self, store: Store) -> None:
        for name, value in self._read_keys().items():
            setattr(store, name, value)
        self._saved_keys = _server_keys(store)

    def save_snapshot(self, store: Store) -> bool:
        """Write a snapshot of the state (`ec2sim.store.snapshot`; callers hold the lock) and record
        it as current (unless the current one still is); False (logged) when something is not saved
        yet or it can't be written."""
        if self.snapshot_token is not None:  # loaded from it, and no transaction since
            return True
        if self._unsaved(store):  # the snapshot must say what the rows say
            logger.warning("state: not all of the state is saved: no snapshot written")
            return False
        token = secrets.token_hex(16)
        started = time.perf_counter()
        try:
            snapshot.write(self.path, store, token)
        except Exception as error:  # noqa: BLE001 - a cache that can't be written: the rows are enough
            logger.warning("state: could not write a snapshot: %r", error)
            return False
        with self._transaction() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES ('snapshot', ?)", (token,))
        self.snapshot_token = token
        logger.info("state: snapshot written in %.2f s", time.perf_counter() - started)
        return True

    def _renumber_timeline(self, store: Store) -> None:
        """Save the pending events again: loading numbered them afresh (their order kept). What
        else was read stays as saved (rows of an older encoding are rewritten when they change)."""
        with self._transaction() as db:
            db.execute("DELETE FROM timeline")
            db.executemany(_ADD_EVENT, [self._event_row(event) for event in store.timeline.pending()])
            db.execute("INSERT OR REPLACE INTO meta VALUES ('version', ?)", (str(VERSION),))
        self._after_rewrite(store)

    def _meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def save_key_uses(self, store: Store) -> None:
        """Save the keys' last uses as they are now (they change on every signed request, unsaved);
        nothing when they are as saved (so a snapshot stays current)."""
        rows = [("key_uses", _dumps(key_uses(store))), ("access_uses", _dumps(access_uses(store)))]
        if any(self._meta(key) != value for key, value in rows):
            with self._transaction() as db:
                db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", rows)

    def _read_keys(self) -> dict[str, Any]:
        rows = self.db.execute("SELECT key, value FROM meta WHERE key LIKE 'key:%'")
        saved = {key.removeprefix("key:"): CODEC.decode(json.loads(value)) for key, value in rows}
        return {name: saved[name] for name in Store.SERVER_KEYS if name in saved}

    def _read(self) -> dict[str, Any]:
        db = self.db
        meta = dict(db.execute("SELECT key, value FROM meta"))
        if meta.get("version", str(VERSION)) != str(VERSION):
            raise ValueError(f"saved by a version of ec2sim that writes state version {meta['version']}")
        offset = meta.get("clock_offset")
        return {
            "format": FORMAT,
            "version": VERSION,
            "clock_offset_seconds": float(offset) if offset else 0.0,
            "iam": [json.loads(c) for (c,) in db.execute("SELECT change FROM iam ORDER BY seq")],
            "regions": [
                {"account": a, "region": r, "default_vpc_id": v}
                for a, r, v in db.execute("SELECT account, region, default_vpc_id FROM regions")
            ],
            "ec2": [
                {"account": a, "region": r, "table": t, "item": json.loads(i)}
                for a, r, t, i in db.execute("SELECT account, region, tbl, item FROM ec2")
            ],
            "timeline": [
                {"at": json.loads(at), "kind": kind, "args": json.loads(args)}
                for at, kind, args in db.execute("SELECT at, kind, args FROM timeline ORDER BY seq")
            ],
        }

    # Writing ------------------------------------------------------------------------------------

    def _unsaved(self, store: Store) -> bool:
        """Whether anything changed since the last commit."""
        tracker = store.tracker
        assert tracker is not None
        return bool(
            tracker.changed
            or tracker.regions
            or len(store.iam.journal) != self._saved_journal
            or store.timeline.log
            or store.clock.offset_seconds != self._saved_offset
            or _server_keys(store) != self._saved_keys
        )

    def commit(self, store: Store) -> None:
        """Save what changed since the last commit, in one transaction (nothing changed: no SQL)."""
        if not self._unsaved(store):
            return
        tracker = store.tracker
        assert tracker is not None
        journal = store.iam.journal
        log = store.timeline.log or []
        offset = store.clock.offset_seconds
        keys = _server_keys(store)
        upserts, deletes = self._resources(tracker.changed.values())
        added: dict[int, Event] = {}
        done: list[int] = []
        for what, event in log:
            if what == "add":
                added[event[1]] = event
            elif added.pop(event[1], None) is None:
                done.append(event[1])
        regions = [(r.account_id, r.name, r.default_vpc_id) for r in tracker.regions]
        changes = [
            (self._saved_journal + n, _dumps(CODEC.encode(c)))
            for n, c in enumerate(journal[self._saved_journal :])
        ]
        with self._transaction() as db:
            db.executemany("INSERT OR REPLACE INTO regions VALUES (?, ?, ?)", regions)
            db.executemany(_UPSERT, upserts)
            db.executemany("DELETE FROM ec2 WHERE account = ? AND region = ? AND tbl = ? AND id = ?", deletes)
            db.executemany("INSERT OR REPLACE INTO iam (seq, change) VALUES (?, ?)", changes)
            db.executemany(_ADD_EVENT, [self._event_row(event) for event in added.values()])
            db.executemany("DELETE FROM timeline WHERE seq = ?", [(seq,) for seq in done])
            if offset != self._saved_offset:
                db.execute("INSERT OR REPLACE INTO meta VALUES ('clock_offset', ?)", (repr(offset),))
            if keys != self._saved_keys:
                rows = [
                    (f"key:{n}", _dumps(CODEC.encode(v)))
                    for n, v in zip(Store.SERVER_KEYS, keys, strict=True)
                ]
                db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", rows)
        tracker.changed.clear()
        tracker.regions.clear()
        log.clear()
        self._saved_journal, self._saved_offset, self._saved_keys = len(journal), offset, keys

    @staticmethod
    def _resources(changed: Any) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
        upserts: dict[tuple[str, ...], str] = {}
        deletes: dict[tuple[str, ...], None] = {}
        for table, item in changed:
            key = (*table.key, item.id)
            current = table.get(item.id)
            if current is None:
                deletes[key] = None
                upserts.pop(key, None)
            else:
                upserts[key] = _dumps(CODEC.encode(current))
                deletes.pop(key, None)
        return [(*key, item) for key, item in upserts.items()], list(deletes)

    @staticmethod
    def _event_row(event: Event) -> tuple[int, str, str, str]:
        data = encode_event(event)
        return event[1], _dumps(data["at"]), event[2], _dumps(data["args"])

    def clear(self, store: Store) -> None:
        """Forget everything saved (a reset: the store is empty now, its clock back to real time),
        but the server's keys (`Store.SERVER_KEYS`), which a reset keeps."""
        with self._transaction() as db:
            _delete_state(db)
        self._after_rewrite(store)

    def rewrite(self, store: Store) -> None:
        """Save the whole state in place of what was saved (after an import or a load)."""
        doc = export_state(store)
        with self._transaction() as db:
            _delete_state(db)
            db.execute("INSERT INTO meta VALUES ('clock_offset', ?)", (repr(store.clock.offset_seconds),))
            db.execute("INSERT INTO meta VALUES ('version', ?)", (str(VERSION),))
            db.execute("INSERT INTO meta VALUES ('key_uses', ?)", (_dumps(key_uses(store)),))
            db.execute("INSERT INTO meta VALUES ('access_uses', ?)", (_dumps(access_uses(store)),))
            db.executemany(
                "INSERT INTO iam VALUES (?, ?)", [(n, _dumps(c)) for n, c in enumerate(doc["iam"])]
            )
            db.executemany(
                "INSERT INTO regions VALUES (?, ?, ?)",
                [(r["account"], r["region"], r["default_vpc_id"]) for r in doc["regions"]],
            )
            db.executemany(
                _UPSERT,
                [
                    (r["account"], r["region"], r["table"], r["item"]["id"], _dumps(r["item"]))
                    for r in doc["ec2"]
                ],
            )
            db.executemany(_ADD_EVENT, [self._event_row(event) for event in store.timeline.pending()])
        self._after_rewrite(store)

    def _after_rewrite(self, store: Store) -> None:
        if store.tracker is not None:
            store.tracker.changed.clear()
            store.tracker.regions.clear()
        store.timeline.log = []
        self._saved_journal, self._saved_offset = len(store.iam.journal), store.clock.offset_seconds

    def _transaction(self) -> _Transaction:
        return _Transaction(self)


def _server_keys(store: Store) -> tuple[Any, ...]:
    return tuple(getattr(store, name, None) for name in Store.SERVER_KEYS)


def _delete_state(db: sqlite3.Connection) -> None:
    """Every saved row but the server's keys."""
    db.execute("DELETE FROM meta WHERE key NOT LIKE 'key:%'")
    for table in ("iam", "regions", "ec2", "timeline"):
        db.execute(f"DELETE FROM {table}")  # noqa: S608 - the names above


class _Transaction:
    """``BEGIN IMMEDIATE`` … ``COMMIT``, or ``ROLLBACK`` on an exception. What it writes makes the
    snapshot stale (`_STALE`: its token is deleted in the same transaction)."""

    def __init__(self, state: StateDir) -> None:
        self.state = state

    def __enter__(self) -> sqlite3.Connection:
        self.state.db.execute("BEGIN IMMEDIATE")
        return self.state.db

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        self.state.db.execute("ROLLBACK" if kind is not None else "COMMIT")
        if kind is None:
            self.state.snapshot_token = None
