"""The `make bench` harness (bench/run.py, bench/suite/) in a tiny configuration, so it doesn't rot.
Nothing here times anything: wrk's figures are only checked to exist."""

from __future__ import annotations

import io

import pytest

from bench.suite import apps, aws, measure, profile, report, stacks, wrk
from ec2sim.config import Config
from ec2sim.server import Server

WRK_OUTPUT = """Running 1s test @ http://127.0.0.1:1/
  2 threads and 8 connections
  Latency Distribution
     50%    2.50ms
     75%    3.00ms
     90%    4.00ms
     99%   12.00ms
  2000 requests in 1.00s, 1.00MB read
  Socket errors: connect 0, read 1, write 0, timeout 2
  Non-2xx or 3xx responses: 3
Requests/sec:   1999.50
Transfer/sec:      1.00MB
"""


def test_wrk_script_and_parse() -> None:
    lua = wrk.script("POST", {"Host": "x", "Content-Length": "3", "X-Amz-Date": "d"}, "a=b")
    assert 'wrk.method = "POST"' in lua and 'wrk.body = "a=b"' in lua
    assert '"X-Amz-Date"' in lua and "Host" not in lua and "Content-Length" not in lua
    result = wrk.parse(WRK_OUTPUT)
    assert (result.rps, result.p50_ms, result.p99_ms, result.errors) == (1999.5, 2.5, 12.0, 6)
    assert wrk.parse("").rps == 0.0


def test_profile_summary() -> None:
    collapsed = (
        "process 1;thread (0x1);_bootstrap (threading.py:1);handle (/r/ec2sim/api/app.py:9);x (y.py:2) 6\n"
        "process 1;thread (0x1);_bootstrap (threading.py:1);handle (/r/ec2sim/api/app.py:9) 2\n"
        "process 1;thread (0x2);_bootstrap (threading.py:1);Condition.wait (threading.py:3) 50\n"
    )
    assert (
        profile.frame_name("send (/v/lib/python3.11/site-packages/waitress/x.py:3)") == "waitress/x.py:send"
    )
    total, own, inclusive = profile.summarize(collapsed, 5)
    assert total == 8  # the waiting thread is idle
    assert own[0] == ("y.py:x", 0.75)
    assert inclusive == [("ec2sim/api/app.py:handle", 1.0)]  # the application's frames only


def test_report_table() -> None:
    good = wrk.Result(100.0, 1.0, 9.0, 0)
    results = {
        "instances": 10,
        "ceiling": wrk.Result(200.0, 1.0, 5.0, 0),
        "ec2sim": {
            "cases": {
                "describe_one": good,
                "iam_get_user": good,
                "iam_get_user+enforced": wrk.Result(90.0, 1, 2, 0),
            }
        },
        "moto": {"cases": {"describe_one": wrk.Result(10.0, 1, 2, 0)}, "startup_s": 1.0},
        "stacks": {"waitress": {"ceiling": good, "cases": {"describe_one": good}, "clean_shutdown": True}},
    }
    text = report.table(results)
    assert "| describe_one | 100 | 50% | 9.0 | 10.0 | 10.0× |" in text
    assert "10.0%" in text  # enforcement cost
    assert "| waitress | 100 | 100 | 100% |" in text


def test_ceiling_app_and_stack_commands() -> None:
    seen = []
    environ = {"CONTENT_LENGTH": "3", "wsgi.input": io.BytesIO(b"a=b")}
    body = b"".join(apps.ceiling(environ, lambda status, headers: seen.append((status, headers))))
    assert body == apps.BODY and seen[0][0] == "200 OK" and environ["wsgi.input"].read() == b""
    command = stacks.command(stacks.STACKS["granian"][0], "{port}", "/nowhere")
    assert "{port}" in command and "--factory bench.suite.apps:api_app" in command
    assert callable(apps.api_app())


def test_seed_and_measure_tiny() -> None:
    """Seeding, the enforced user's key and the cases' requests against an in-process server; with wrk,
    one short run of each measurement."""
    with Server(Config(port=0, imds_port=0, log_level="WARNING")) as server:
        seeded = aws.seed(server.api_port, 3, with_role=True)
        assert seeded.profile_instance and seeded.user_key[0].startswith("AKIA")
        for service, body in seeded.cases().values():
            for key in (aws.ROOT, seeded.user_key):
                status, answer = aws.post(
                    server.api_port, aws.signed(server.api_port, service, body, key), body
                )
                assert status == 200, answer
        if not wrk.available():
            pytest.skip("wrk is not installed")
        results = measure.cases(server.api_port, seeded, 1, names=("iam_get_user",))
        assert set(results) == {"iam_get_user", "iam_get_user+enforced"}
        assert all(isinstance(r, wrk.Result) and r.rps > 0 for r in results.values())
        health, load = measure.health_under_load(server.api_port, seeded, 1)
        assert health.rps > 0 and load.rps > 0
        imds = measure.imds_credentials(server.imds_port, seeded.profile_instance, 1)
        assert isinstance(imds, wrk.Result) and imds.rps > 0
