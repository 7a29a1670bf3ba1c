"""The trail kept with ``--state-dir``: ``DIR/trail.sqlite``, one row per record, at most the trail's
limit of them (the oldest deleted first).

Records are written by one background thread, in batches, so a request never waits for the disk:
a record is saved shortly after its answer, and `TrailFile.close` (the server stopping) saves what
is still queued. A ``kill -9`` may lose the last records answered, never a record half-written.
A record is saved as the store's codec would encode a dataclass of its fields (`ec2sim.store.codec`,
``"$type": "CallRecord"``); blobs in its request or result are kept as their base64 text.
"""

from __future__ import annotations

import base64
import json
import logging
import queue
import sqlite3
import threading
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from ec2sim.store.codec import Codec, DecodeError
from ec2sim.store.iam.credentials import Credential, FederatedSession, RoleSession
from ec2sim.store.trail import Caller, CallRecord, CheckTrace, StatementRef, Trail

log = logging.getLogger("ec2sim.cloudtrail")
FILE = "trail.sqlite"
_BATCH = 500
_SCHEMA = "CREATE TABLE IF NOT EXISTS records (seq INTEGER PRIMARY KEY AUTOINCREMENT, data TEXT NOT NULL)"
_CLASSES = (Caller, CheckTrace, StatementRef, Credential, RoleSession, FederatedSession)
_CODEC = Codec(lambda: _CLASSES)
_STOP = object()
# A record's fields as saved (the codec's form of a dataclass of these fields, "$type" CallRecord),
# each with the annotation its value is checked against when read back.
_FIELDS: dict[str, Any] = {
    "request_id": str,
    "event_id": str,
    "time": datetime,
    "service": str,
    "action": str,
    "region": str,
    "source_ip": str,
    "user_agent": str,
    "status": int,
    "caller": Caller | None,
    "access_key_id": str,
    "read_only": bool,
    "params": dict[str, Any],
    "result": dict[str, Any] | None,
    "error_code": str,
    "error_message": str,
    "decision": str,
    "checks": tuple[CheckTrace, ...],
    "via_endpoint": str,
    "secure": bool,
    "host": str,
}
_REQUIRED = (
    "request_id",
    "event_id",
    "time",
    "service",
    "action",
    "region",
    "source_ip",
    "user_agent",
    "status",
)


def _plain(value: Any) -> Any:
    """`value` with its blobs as base64 text (the codec keeps no bytes)."""
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(item) for item in value)
    return value


def encode(record: CallRecord) -> str:
    data: dict[str, Any] = {"$type": "CallRecord"}
    for name in _FIELDS:
        value = getattr(record, name)
        data[name] = _CODEC.encode(_plain(value) if name in ("params", "result") else value)
    return json.dumps(data, separators=(",", ":"))


def decode(text: str) -> CallRecord:
    data = json.loads(text)
    if not isinstance(data, dict) or data.get("$type") != "CallRecord":
        raise DecodeError("not a saved CallRecord")
    extra = sorted(set(data) - set(_FIELDS) - {"$type"})
    missing = [name for name in _REQUIRED if name not in data]
    if extra or missing:
        raise DecodeError(f"CallRecord: unexpected field {extra[0]!r}" if extra else f"needs {missing[0]!r}")
    values = {name: _CODEC.decode(data[name], _FIELDS[name], f".{name}") for name in _FIELDS if name in data}
    return CallRecord(**values)


class TrailFile:
    """The saved trail of one state directory (whose lock the server's `StateDir` holds)."""

    def __init__(self, directory: str, limit: int) -> None:
        self.limit = limit
        self.db = sqlite3.connect(Path(directory) / FILE, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute(_SCHEMA)
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._writer: threading.Thread | None = None
        self._stop_listening = lambda: None

    def load(self, trail: Trail) -> int:
        """Put the newest saved records (at most the limit) into `trail`, oldest first; how many.
        A row this version can't read is skipped (and logged)."""
        rows = self.db.execute("SELECT data FROM records ORDER BY seq DESC LIMIT ?", (max(self.limit, 0),))
        loaded = 0
        for (text,) in reversed(rows.fetchall()):
            try:
                trail.add(decode(text))
                loaded += 1
            except (DecodeError, ValueError, TypeError, AssertionError) as error:
                log.warning("skipped a saved trail record: %s", error)
        return loaded

    def attach(self, trail: Trail) -> None:
        """Save every record added to `trail` from now on."""
        self._writer = threading.Thread(target=self._write, name="ec2sim-trail", daemon=True)
        self._writer.start()
        self._stop_listening = trail.listen(self._queue.put)

    def _write(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < _BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            records = [item for item in batch if item is not _STOP]
            try:
                self._save(records)
            except (sqlite3.Error, TypeError, ValueError) as error:
                log.error("could not save %d trail records: %s", len(records), error)
            if len(records) < len(batch):
                return

    def _save(self, records: Iterable[CallRecord]) -> None:
        rows = [(encode(record),) for record in records]
        if not rows:
            return
        with self.db:
            self.db.execute("BEGIN")
            self.db.executemany("INSERT INTO records (data) VALUES (?)", rows)
            self.db.execute(
                "DELETE FROM records WHERE seq <= (SELECT MAX(seq) FROM records) - ?", (max(self.limit, 0),)
            )

    def close(self) -> None:
        """Save what is queued, then close the file."""
        self._stop_listening()
        if self._writer is not None:
            self._queue.put(_STOP)
            self._writer.join(timeout=30)
        self.db.close()
