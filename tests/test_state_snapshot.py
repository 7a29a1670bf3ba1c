"""The state dir's snapshot (`ec2sim.store.snapshot`): a cache of the SQLite rows, written when the
server stops, used at the next start only while no change was saved after it and only by the code
that wrote it. Whatever is wrong with it, the server starts from the rows, with nothing lost.
(A restart from it restoring everything: tests/test_state.py, which restarts from both.)"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config as BotoConfig

import ec2sim
from ec2sim.store import snapshot
from ec2sim.store.persistence import DATABASE
from tests.test_cli import _env, serve
from tests.test_state import client, export
from tests.test_state import serve as serve_here

ACCOUNT = "135792468013"
_BOTO = BotoConfig(retries={"max_attempts": 1})


def _token(state: Path) -> str | None:
    """The snapshot the rows say is current (read while a server may be running: WAL)."""
    with sqlite3.connect(state / DATABASE) as db:
        row = db.execute("SELECT value FROM meta WHERE key = 'snapshot'").fetchone()
    return str(row[0]) if row else None


def _iam(url: str) -> Any:
    return boto3.client(
        "iam",
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id=ACCOUNT,
        aws_secret_access_key="x",
        config=_BOTO,
    )


def _users(url: str) -> set[str]:
    return {user["UserName"] for user in _iam(url).list_users()["Users"]}


def _create_user(url: str, name: str) -> None:
    _iam(url).create_user(UserName=name)


def test_a_change_after_the_snapshot_makes_the_rows_win(tmp_path: Path) -> None:
    """A server killed (SIGKILL) after a change: the next start must not take the older snapshot."""
    state = tmp_path / "state"
    args = ("--port", "0", "--imds-port", "0", "--state-dir", str(state))
    with serve(*args, env=_env()) as first:
        _create_user(first.api_url, "before")
        first.proc.terminate()  # a graceful stop: the snapshot is written and recorded
        assert first.proc.wait(timeout=30) == 0
    token = _token(state)
    assert token is not None and (state / snapshot.SNAPSHOT).is_file()
    with serve(*args, env=_env()) as second:
        assert _users(second.api_url) == {"before"}
        assert _token(state) == token, "reads leave the snapshot current"
        _create_user(second.api_url, "after")
        assert _token(state) is None, "the change's transaction dropped the snapshot's token"
        second.proc.kill()
        second.proc.wait(timeout=10)
    assert (state / snapshot.SNAPSHOT).is_file()  # still there, stale
    with serve(*args, env=_env()) as third:
        assert _users(third.api_url) == {"before", "after"}


def _truncate(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _flip_a_byte(data: bytes) -> bytes:
    at = len(data) - 100
    return data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :]


def _garbage(data: bytes) -> bytes:
    return b"not a snapshot at all"


def _empty(data: bytes) -> bytes:
    return b""


@pytest.mark.parametrize("damage", [_truncate, _flip_a_byte, _garbage, _empty])
def test_a_damaged_snapshot_falls_back_to_the_rows(tmp_path: Path, damage: Callable[[bytes], bytes]) -> None:
    state = tmp_path / "state"
    with serve_here(state) as first:
        client(first, "iam", key=ACCOUNT).create_user(UserName="kept")
        before = export(first)
    path = state / snapshot.SNAPSHOT
    path.write_bytes(damage(path.read_bytes()))
    with serve_here(state) as second:
        assert second.state is not None and not second.state.from_snapshot
        assert export(second) == before
    with serve_here(state) as third:  # the second stop wrote a good one again
        assert third.state is not None and third.state.from_snapshot
        assert export(third) == before


def test_a_snapshot_that_fails_to_unpickle_falls_back_to_the_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whole and current, but naming what this code doesn't have (a class since renamed)."""
    state = tmp_path / "state"
    with serve_here(state) as first:
        client(first, "iam", key=ACCOUNT).create_user(UserName="kept")
        before = export(first)

    def missing(self: Any, module: str, name: str) -> Any:
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    monkeypatch.setattr(snapshot._Unpickler, "find_class", missing)
    with serve_here(state) as second:
        assert second.state is not None and not second.state.from_snapshot
        assert export(second) == before


def test_a_snapshot_from_another_version_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state = tmp_path / "state"
    with monkeypatch.context() as patched:
        patched.setattr(snapshot, "fingerprint", lambda: "another ec2sim")
        with serve_here(state) as first:
            client(first, "iam", key=ACCOUNT).create_user(UserName="kept")
            before = export(first)
    assert (state / snapshot.SNAPSHOT).is_file()
    with serve_here(state) as second:
        assert second.state is not None and not second.state.from_snapshot
        assert export(second) == before


def test_the_fingerprint_changes_with_any_source_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "ec2sim"
    (package / "store").mkdir(parents=True)
    monkeypatch.setattr(ec2sim, "__file__", str(package / "__init__.py"))
    try:
        snapshot.fingerprint.cache_clear()
        with pytest.raises(snapshot.SnapshotError, match="no source files"):
            snapshot.fingerprint()
        (package / "store" / "table.py").write_text("x = 1\n")
        snapshot.fingerprint.cache_clear()
        first = snapshot.fingerprint()
        (package / "store" / "table.py").write_text("x = 2\n")
        snapshot.fingerprint.cache_clear()
        assert snapshot.fingerprint() != first
    finally:
        snapshot.fingerprint.cache_clear()


def test_a_write_by_code_that_knows_nothing_of_snapshots_makes_it_stale(tmp_path: Path) -> None:
    """An older ec2sim (or anything else) changing the rows: SQLite's triggers drop the token."""
    state = tmp_path / "state"
    with serve_here(state) as first:
        client(first, "iam", key=ACCOUNT).create_user(UserName="kept")
    assert _token(state) is not None
    with sqlite3.connect(state / DATABASE) as db:
        db.execute("UPDATE iam SET change = change WHERE seq = 0")
    assert _token(state) is None
    with serve_here(state) as second:
        assert second.state is not None and not second.state.from_snapshot
