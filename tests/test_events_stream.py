"""``GET /_ec2sim/events``: the calls made while a client is connected, as server-sent events; a
principal's own stream; the cap on open streams; drops counted for a client that lags; a server
that stops at once with streams open; and ``ec2sim tail`` following it."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import boto3
import pytest
import requests
from botocore.exceptions import ClientError

from ec2sim.api import control_events
from ec2sim.api.control_events import MAX_STREAMS, EventStreams, _Stream
from ec2sim.config import Config
from ec2sim.server import Server
from ec2sim.store.trail import CallRecord
from tests.test_decisions import DESCRIBE, _policy, client_for, make_user

ROOT = Path(__file__).resolve().parent.parent
ACCOUNT = "210987654321"


@pytest.fixture
def running() -> Iterator[Server]:
    with Server(Config(port=0, imds_port=0)) as server:
        yield server


def _streams(server: Server) -> EventStreams:
    streams: EventStreams = server.api_app.extensions["ec2sim"].api.control.events
    return streams


@contextmanager
def stream(server: Server, **params: str) -> Iterator[http.client.HTTPResponse]:
    """An open event stream: its listener is in place once this yields (the headers came)."""
    url = urlsplit(server.api_url)
    connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=20)  # a hang detector
    connection.request("GET", "/_ec2sim/events" + (f"?{urlencode(params)}" if params else ""))
    response = connection.getresponse()
    try:
        yield response
    finally:
        connection.close()


def events(response: http.client.HTTPResponse, count: int) -> list[tuple[str, Any]]:
    """The next ``count`` events: (name, data), heartbeats and comments skipped."""
    found: list[tuple[str, Any]] = []
    name, data = "message", ""
    while len(found) < count:
        line = response.readline().decode().rstrip("\n")
        if not line:
            if data:
                found.append((name, json.loads(data)))
            name, data = "message", ""
        elif line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            data = line[6:]
    return found


def _root(server: Server, service: str) -> Any:
    return boto3.client(
        service,
        region_name="us-east-1",
        endpoint_url=server.api_url,
        aws_access_key_id=ACCOUNT,
        aws_secret_access_key="secret",
    )


def test_stream_shows_each_call_and_a_principals_own(running: Server) -> None:
    key = make_user(_root(running, "iam"), _policy(DESCRIBE))
    app = f"arn:aws:iam::{ACCOUNT}:user/app"
    ec2 = client_for(running, "ec2", key)
    with stream(running) as everything, stream(running, principal=app) as mine:
        assert everything.status == 200 and everything.headers["Content-Type"].startswith("text/event-stream")
        assert everything.headers["Cache-Control"] == "no-cache"
        _root(running, "ec2").describe_vpcs()
        allowed = ec2.describe_vpcs()["ResponseMetadata"]["RequestId"]
        with pytest.raises(ClientError):
            ec2.create_vpc(CidrBlock="10.0.0.0/16")
        seen = [data for _, data in events(everything, 3)]
        assert [(e["principal"], e["action"], e["decision"]) for e in seen] == [
            (f"arn:aws:iam::{ACCOUNT}:root", "DescribeVpcs", "allow"),
            (app, "DescribeVpcs", "allow"),
            (app, "CreateVpc", "deny"),
        ]
        assert seen[1]["request_id"] == allowed
        assert {k: seen[2][k] for k in ("service", "resources", "status", "error_code", "account_id")} == {
            "service": "ec2",
            "resources": [f"arn:aws:ec2:us-east-1:{ACCOUNT}:vpc/*"],
            "status": 403,
            "error_code": "UnauthorizedOperation",
            "account_id": ACCOUNT,
        }
        assert datetime.fromisoformat(seen[0]["time"].replace("Z", "+00:00")).tzinfo is not None
        assert [data["action"] for _, data in events(mine, 2)] == ["DescribeVpcs", "CreateVpc"]


def test_streams_are_capped_and_end_with_the_client(running: Server) -> None:
    url = urlsplit(running.api_url)
    with stream(running) as first:
        opened = [first]
        connections = []
        for _ in range(MAX_STREAMS - 1):
            connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=20)
            connection.request("GET", "/_ec2sim/events")
            opened.append(connection.getresponse())
            connections.append(connection)
        assert all(response.status == 200 for response in opened)
        head = requests.head(f"{running.api_url}/_ec2sim/events", timeout=20)  # no stream
        assert (head.status_code, head.headers["Content-Type"]) == (200, "text/event-stream; charset=utf-8")
        with stream(running) as refused:
            assert refused.status == 503
            assert json.loads(refused.read()) == {
                "error": f"too many event streams open (at most {MAX_STREAMS})"
            }
        for response, connection in zip(opened[1:], connections, strict=True):
            response.close()
            connection.close()
        # A closed one ends when writing to it fails (the first write after the close may still be
        # taken by the socket): calls, or heartbeats, give it those writes.
        ec2 = _root(running, "ec2")
        _wait(lambda: ec2.describe_vpcs() and _streams(running).open_count == 1)
        assert events(first, 1)[0][1]["action"] == "DescribeVpcs"


def test_a_lagging_client_gets_a_count_of_what_was_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(control_events, "QUEUE_SIZE", 2)
    lagging = _Stream(None)
    records = [
        CallRecord(
            f"r{n}", f"e{n}", datetime.now(timezone.utc), "ec2", "DescribeVpcs", "us-east-1", "", "", 200
        )
        for n in range(5)
    ]
    for record in records:  # nobody reads: the queue fills, the rest are counted
        lagging.offer(record)
    assert lagging.dropped == 3
    lines = lagging.lines()
    assert next(lines) == b": ec2sim events\n\n"
    assert next(lines) == b'event: dropped\ndata: {"dropped": 3}\n\n'
    assert json.loads(next(lines).decode().removeprefix("data: "))["request_id"] == "r0"
    assert json.loads(next(lines).decode().removeprefix("data: "))["request_id"] == "r1"
    lagging.close()
    assert list(lines) == []


def test_server_stops_at_once_with_a_stream_open() -> None:
    server = Server(Config(port=0, imds_port=0)).start()
    stopper = threading.Thread(target=server.stop)
    try:
        with stream(server) as open_stream:
            assert open_stream.readline() == b": ec2sim events\n"
            stopper.start()
            stopper.join(timeout=10)  # a hang detector: without the streams' close it waits on them
            assert not stopper.is_alive()
            assert _streams(server).open_count == 0
            try:
                rest = open_stream.read()
            except (http.client.IncompleteRead, ConnectionError):
                rest = b""
            assert b"data:" not in rest
    finally:
        if not stopper.is_alive() and stopper.ident is None:
            server.stop()
        stopper.join()


def test_tail_prints_calls_as_they_happen(running: Server) -> None:
    key = make_user(_root(running, "iam"), _policy(DESCRIBE))
    app = f"arn:aws:iam::{ACCOUNT}:user/app"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AWS_ENDPOINT_URL": running.api_url}
    command = [sys.executable, "-m", "ec2sim", "tail", "--principal", app]
    followers = [
        subprocess.Popen([*command, "--json"], stdout=subprocess.PIPE, text=True, env=env),
        subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env),
    ]
    try:
        _wait(lambda: _streams(running).open_count == 2)
        _root(running, "ec2").describe_vpcs()  # another principal's: not shown
        request_id = client_for(running, "ec2", key).describe_vpcs()["ResponseMetadata"]["RequestId"]
        as_json, as_text = (_line(follower) for follower in followers)
        assert (json.loads(as_json)["request_id"], json.loads(as_json)["principal"]) == (request_id, app)
        assert "  allow 200" in as_text and f"{app}  ec2:DescribeVpcs  *  {request_id}" in as_text
    finally:
        for follower in followers:
            follower.terminate()
            follower.wait(timeout=10)


def _line(process: subprocess.Popen[str]) -> str:
    """The process's next line, or a failure after a generous wait (a hang detector)."""
    found: list[str] = []
    reader = threading.Thread(
        target=lambda: found.append(process.stdout.readline() if process.stdout else "")
    )
    reader.daemon = True
    reader.start()
    reader.join(timeout=30)
    assert found and found[0], "no line from ec2sim tail"
    return found[0]


def _wait(condition: Any) -> None:
    deadline = time.monotonic() + 30  # a hang detector, not a timing assertion
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)
