"""The HTTP surfaces beside SigV4 under random input: instance metadata and the control API.

Metadata requests go over a raw socket, so paths reach the server exactly as
drawn (``..``, ``%2e``, raw UTF-8, very long) and a hang shows as a timeout;
every answer must be a status below 500. The control API gets its own server,
since its clock and reset act on the whole server.
"""

from __future__ import annotations

import json
import logging
import math
import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
import requests
from hypothesis import assume, example, given
from hypothesis import strategies as st

from ec2sim import jsonsafe
from ec2sim.access_log import MAX_FIELD, loggable
from ec2sim.config import Config
from ec2sim.server import Server
from tests.test_metadata import TOKEN, TTL, launch

HANG_SECONDS = 10  # a generous hang detector, not a timing assertion


def raw_request(port: int, method: bytes, target: bytes, headers: dict[bytes, bytes]) -> tuple[int, bytes]:
    """Send one request as these bytes; its status and body. A hang fails the test."""
    headers = {b"Host": b"127.0.0.1", **headers, b"Connection": b"close"}
    lines = [method + b" " + target + b" HTTP/1.1"] + [
        name + b": " + value for name, value in headers.items()
    ]
    if method != b"GET":
        lines.append(b"Content-Length: 0")
    with socket.create_connection(("127.0.0.1", port), timeout=HANG_SECONDS) as conn:
        conn.sendall(b"\r\n".join(lines) + b"\r\n\r\n")
        reply = b""
        try:
            while chunk := conn.recv(65536):  # Connection: close, so the answer ends with the connection
                reply += chunk
        except TimeoutError:
            pytest.fail(f"no answer within {HANG_SECONDS}s to {method!r} {target[:200]!r}")
    head, _, body = reply.partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0].split()
    assert len(status_line) >= 2 and status_line[0].startswith(b"HTTP/"), reply[:200]
    return int(status_line[1]), body


# Instance metadata -----------------------------------------------------------------------------------

SEGMENTS = [
    "latest",
    "2009-04-04",
    "meta-data",
    "dynamic",
    "user-data",
    "api",
    "token",
    "iam",
    "info",
    "security-credentials",
    "app-role",
    "instance-identity",
    "document",
    "signature",
    "identity-credentials",
    "ec2",
    "ec2-instance",
    "network",
    "interfaces",
    "macs",
    "tags",
    "instance",
    "..",
    ".",
    "%2e",
    "%2e%2e",
    "%2E%2e",
    "%2F",
    "%00",
    "%ff",
    "",
]


@st.composite
def metadata_targets(draw: st.DrawFn, instances: list[str]) -> bytes:
    """A request target: an instance prefix (or none), known and odd segments, unicode, maybe very long."""
    prefix = draw(st.sampled_from(["", *(f"/{i}" for i in instances), "/i-0123456789abcdef0", "/i-"]))
    segment = st.one_of(
        st.sampled_from(SEGMENTS),
        st.text(st.characters(codec="utf-8"), max_size=8).map(lambda s: quote(s, safe="")),
    )
    segments = draw(st.lists(segment, max_size=8))
    if draw(st.integers(0, 9)) == 0:
        segments += [draw(st.sampled_from(["x", "..", "%2e%2e", "latest"]))] * draw(st.integers(100, 3000))
    target = (prefix + "/" + "/".join(segments)).encode()
    if draw(st.integers(0, 4)) == 0:
        target += draw(st.sampled_from([b"/", b"?", b"?a=%ff&b", b"#frag", b"\xc3\xa9", b"\xff"]))
    return target


methods = st.one_of(
    st.sampled_from([b"GET", b"PUT", b"HEAD", b"POST", b"DELETE", b"OPTIONS", b"PATCH", b"TRACE"]),
    st.text(st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ-"), min_size=1, max_size=12).map(str.encode),
)
header_bytes = st.binary(max_size=40).map(lambda b: bytes(c for c in b if c >= 0x20 and c != 0x7F).strip())
ttls = st.one_of(
    st.integers(-5, 30000).map(lambda n: str(n).encode()),
    st.sampled_from([b"21600", b"1", b"0", b"\xb2", b" 60 ", b"9" * 5000, b"1e3", b"0x10"]),
    header_bytes,
)


@pytest.fixture
def instances(ec2: Any, iam: Any) -> list[str]:
    """An instance with a role and optional tokens, and one that requires tokens."""
    optional = launch(ec2, iam, MetadataOptions={"HttpTokens": "optional", "InstanceMetadataTags": "enabled"})
    required = launch(ec2)
    return [optional["InstanceId"], required["InstanceId"]]


def _token(server: Server, instance_id: str) -> bytes:
    response = requests.put(f"{server.imds_url}/{instance_id}/latest/api/token", headers={TTL: "21600"})
    response.raise_for_status()
    return response.content


@pytest.mark.parametrize(
    "target",
    [
        b"/latest/%2e%2e/%2e%2e/",
        b"/" + b"../" * 3000,
        "/latest/meta-data/é".encode(),
        b"/i-/latest/api/token",
    ],
)
def test_metadata_path_tricks(server: Server, instances: list[str], target: bytes) -> None:
    for prefix in (b"", f"/{instances[0]}".encode()):
        for method in (b"GET", b"PUT"):
            assert raw_request(server.imds_port, method, prefix + target, {TTL.encode(): b"60"})[0] < 500


@given(data=st.data())
def test_metadata_answers_every_request_below_500(server: Server, instances: list[str], data: Any) -> None:
    tokens = [_token(server, i) for i in instances]
    headers: dict[bytes, bytes] = {}
    token = data.draw(st.one_of(st.none(), st.sampled_from(tokens), header_bytes, st.just(b"A" * 5000)))
    if token is not None:
        headers[TOKEN.encode()] = token
    ttl = data.draw(st.one_of(st.none(), ttls))
    if ttl is not None:
        headers[TTL.encode()] = ttl
    for name in data.draw(st.lists(st.sampled_from([b"X-Forwarded-For", b"Host", b"Accept"]), unique=True)):
        headers[name] = data.draw(header_bytes)
    method = data.draw(methods)
    target = data.draw(metadata_targets(instances))
    assert raw_request(server.imds_port, method, target, headers)[0] < 500


def test_an_oversized_request_line_is_refused_not_hung(server: Server) -> None:
    """Past waitress's header limit: an HTTP-level 4xx, or the connection closed, within the hang bound."""
    try:
        status, _ = raw_request(server.imds_port, b"GET", b"/latest/" + b"x" * 300_000, {})
    except (ConnectionResetError, BrokenPipeError):
        return
    assert 400 <= status < 500


@pytest.mark.parametrize("host", [b"a b", b"\xe9", b"h%00", b""])
def test_root_hint_names_a_usable_address_whatever_the_host_header(
    server: Server, instances: list[str], host: bytes
) -> None:
    """Two instances run, so the root serves none and says how to address one, at our own address
    when the Host header is not a valid host."""
    status, body = raw_request(server.imds_port, b"GET", b"/latest/meta-data/", {b"Host": host})
    assert status == 404
    assert f"{server.imds_url}/i-0123456789abcdef0/latest/meta-data/".encode() in body, body


# The access log ---------------------------------------------------------------------------------------


@given(text=st.text(max_size=2 * MAX_FIELD))
def test_loggable_text_is_one_printable_bounded_line(text: str) -> None:
    line = loggable(text)
    assert line.isprintable() and len(line) <= MAX_FIELD + 20
    if text.isprintable() and len(text) <= MAX_FIELD:
        assert line == text


def test_client_text_cannot_forge_log_lines(server: Server, caplog: pytest.LogCaptureFixture) -> None:
    forged = "%0A2026-01-01%20INFO%20ec2sim.api%20POST%20ec2%20RunInstances%20200%1B[2K"
    with caplog.at_level(logging.INFO, logger="ec2sim"):
        raw_request(server.imds_port, b"GET", f"/latest/{forged}".encode(), {})
        requests.post(server.api_url, data=f"Action={forged}&Version=2016-11-15", timeout=HANG_SECONDS)
        requests.get(f"{server.api_url}/_ec2sim/{forged}", timeout=HANG_SECONDS)
    lines = [r.getMessage() for r in caplog.records if r.name in ("ec2sim.imds", "ec2sim.api")]
    assert len(lines) == 3 and all(line.isprintable() for line in lines), lines


# The control API -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def control_server() -> Iterator[Server]:
    with Server(Config(port=0, imds_port=0)) as running:
        yield running


def _clock(server: Server) -> float:
    response = requests.get(server.api_url + "/_ec2sim/clock", timeout=HANG_SECONDS)
    assert response.status_code == 200, response.text
    return float(response.json()["offset_seconds"])


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(-(10**400), 10**400)
    | st.floats()
    | st.sampled_from([math.nan, math.inf, -math.inf, 1e300, 10**400, -0.0, 5e-324])
    | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=6,
)
clock_bodies = st.one_of(
    json_values.map(lambda v: {"advance_seconds": v}),
    json_values,
    st.dictionaries(st.sampled_from(["advance_seconds", "seconds", "offset"]), json_values, max_size=2),
)
# Emulated time moves at least this far in one call (from real now) without being refused.
SAFE_ADVANCE = 10**9


def _movable(value: Any) -> bool:
    """Seconds the clock could move by: a number (not a boolean), finite, >= 0, short of year 9999."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    return (isinstance(value, int) or math.isfinite(value)) and 0 <= value < 10**11


def _json_safe(text: str) -> bool:
    """Whether `ec2sim.jsonsafe` takes the body (it refuses out-of-range numbers wherever they are)."""
    try:
        jsonsafe.loads(text.encode())
    except jsonsafe.JsonError:
        return False
    return True


def _reset(server: Server) -> None:
    requests.post(server.api_url + "/_ec2sim/reset", timeout=HANG_SECONDS).raise_for_status()


@given(body=clock_bodies)
@example(body={"advance_seconds": math.nan})
@example(body={"advance_seconds": math.inf})
@example(body={"advance_seconds": 1e300})
@example(body={"advance_seconds": 10**400})
@example(body={"advance_seconds": "60"})
@example(body=[60])
def test_clock_takes_finite_non_negative_seconds_only(control_server: Server, body: Any) -> None:
    """A number of seconds moves the clock by that much; anything else is a 400 naming the field and
    changes nothing; the clock keeps answering either way."""
    _reset(control_server)
    before = _clock(control_server)
    text = json.dumps(body, allow_nan=True)  # NaN and Infinity as Python (and JavaScript) write them
    response = requests.post(
        control_server.api_url + "/_ec2sim/clock",
        data=text,
        headers={"Content-Type": "application/json"},
        timeout=HANG_SECONDS,
    )
    after = _clock(control_server)
    seconds = body.get("advance_seconds") if isinstance(body, dict) else None
    if response.status_code == 200:
        assert _movable(seconds) and isinstance(seconds, (int, float)), body
        assert after == pytest.approx(before + seconds)
        return
    refusable = not _movable(seconds) or not isinstance(seconds, (int, float)) or seconds > SAFE_ADVANCE
    refusable = refusable or not _json_safe(text)  # a number out of range anywhere refuses the body
    assert refusable, (body, response.status_code, response.text)
    assert response.status_code == 400, response.text
    assert "advance_seconds" in response.json()["error"]
    assert after == before


@given(body=st.binary(max_size=64), kind=st.sampled_from(["application/json", "text/plain", "", "x/\xe9"]))
@example(body=b"[]", kind="application/json")
@example(body=b'"x"', kind="application/json")
def test_clock_refuses_bodies_that_are_not_a_json_object(
    control_server: Server, body: bytes, kind: str
) -> None:
    _reset(control_server)
    before = _clock(control_server)
    response = requests.post(
        control_server.api_url + "/_ec2sim/clock",
        data=body,
        headers={"Content-Type": kind.encode("latin-1")},
        timeout=HANG_SECONDS,
    )
    if response.status_code == 200:  # a JSON object that happened to hold a good number
        return
    assert response.status_code == 400, response.text
    assert "advance_seconds" in response.json()["error"]
    assert _clock(control_server) == before


control_paths = st.one_of(
    st.sampled_from(
        [
            "/_ec2sim/health",
            "/_ec2sim/reset",
            "/moto-api/reset",
            "/_ec2sim/clock",
            "/_ec2sim/identity-certificate",
            "/_ec2sim/",
            "/moto-api/",
            "/_ec2sim/health/",
            "/_ec2sim/%2e%2e/health",
        ]
    ),
    st.builds(
        lambda prefix, rest: prefix + quote(rest),
        st.sampled_from(["/_ec2sim/", "/moto-api/"]),
        st.text(st.characters(codec="utf-8"), max_size=30),
    ),
)


@given(
    path=control_paths,
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]),
    body=st.one_of(st.binary(max_size=64), clock_bodies.map(lambda v: json.dumps(v).encode())),
)
def test_control_routes_answer_json_below_500(
    control_server: Server, path: str, method: str, body: bytes
) -> None:
    """Every route and method; the clock's bodies have the tests above."""
    assume(not (method == "POST" and path == "/_ec2sim/clock"))
    response = requests.request(method, control_server.api_url + path, data=body, timeout=HANG_SECONDS)
    assert response.status_code < 500, response.text
    if method == "HEAD" or path.endswith("/identity-certificate") and response.status_code == 200:
        return
    assert response.headers["Content-Type"] == "application/json"
    answer = response.json()
    if response.status_code >= 400:
        assert answer["error"], answer
    _clock(control_server)  # still answers
