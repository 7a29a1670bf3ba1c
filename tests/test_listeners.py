"""The listeners' limits: many open connections, idle and slow clients, oversized bodies."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
import requests

from ec2sim.config import Config
from ec2sim.server import Server
from tests.helpers import root_client

_HEALTH = b"GET /_ec2sim/health HTTP/1.1\r\nHost: localhost\r\n\r\n"


@pytest.fixture(scope="module")
def strict() -> Iterator[Server]:
    """A server with tight limits, so each can be seen to act within a test's time."""
    config = Config(
        port=0, imds_port=0, idle_connection_seconds=1, request_read_seconds=1, max_request_bytes=4096
    )
    with Server(config) as running:
        yield running


def _closed_within(conn: socket.socket, seconds: float) -> bool:
    """Whether the server closes `conn` within `seconds` (reading and discarding what it sends)."""
    conn.settimeout(seconds)
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            if not conn.recv(65536):
                return True
    except (TimeoutError, ConnectionResetError):
        return False
    return False


def test_hundreds_of_open_connections_leave_room_for_a_new_client(server: Server) -> None:
    """waitress's default of 100 connections would make the next client hang."""
    conns = [socket.create_connection(("127.0.0.1", server.api_port)) for _ in range(300)]
    try:
        for conn in conns:
            conn.sendall(_HEALTH)
        for conn in conns:
            conn.settimeout(10)
            assert conn.recv(4096).startswith(b"HTTP/1.1 200")
        ec2 = root_client(server.api_url, "ec2")
        assert ec2.describe_regions()["Regions"]
    finally:
        for conn in conns:
            conn.close()


def test_an_idle_keep_alive_connection_is_closed(strict: Server) -> None:
    with socket.create_connection(("127.0.0.1", strict.api_port)) as conn:
        conn.sendall(_HEALTH)
        conn.settimeout(5)
        assert conn.recv(4096).startswith(b"HTTP/1.1 200")
        assert _closed_within(conn, 5)


def test_a_request_trickled_in_is_cut_off(strict: Server) -> None:
    """Bytes keep arriving, so the idle timer never fires; the request's own deadline does."""
    with socket.create_connection(("127.0.0.1", strict.api_port)) as conn:
        conn.sendall(b"POST / HTTP/1.1\r\nHost: localhost\r\n")
        started = time.monotonic()
        closed = False
        while not closed and time.monotonic() - started < 8:
            try:
                conn.sendall(b"X")
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            closed = _closed_within(conn, 0.3)
        assert closed


def test_a_body_past_the_limit_is_refused(strict: Server) -> None:
    response = requests.post(strict.api_url, data=b"Action=DescribeRegions&" + b"x" * 8192, timeout=5)
    assert response.status_code == 413
    assert requests.post(strict.api_url, data=b"Action=DescribeRegions", timeout=5).status_code == 200
