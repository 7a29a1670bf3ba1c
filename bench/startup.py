#!/usr/bin/env python3
"""Seconds from starting a server process to its first answered EC2 request.

usage: python bench/startup.py [--runs N] [NAME='CMD {port}' ...]

For each command (default: ec2sim), start it N times on a free loopback port and send a signed
DescribeRegions as fast as the port lets us, until one returns 200; print min/median/max per server,
and the server's CPU time when it answered (Linux: read from /proc; the command must exec the
server, as `env VAR=... python ...` does). The servers take turns, run by run, so a change in the
machine's load touches each alike. To compare checkouts by PYTHONPATH, run from outside them:
`python -m ec2sim` imports the package from the working directory first.
"""

from __future__ import annotations

import argparse
import http.client
import os
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import time

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

DEFAULT = f"ec2sim={sys.executable} -m ec2sim serve --port {{port}} --imds-port 0"
BODY = "Action=DescribeRegions&Version=2016-11-15"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def signed_headers(port: int) -> dict[str, str]:
    request = AWSRequest(
        method="POST",
        url=f"http://127.0.0.1:{port}/",
        data=BODY,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    SigV4Auth(Credentials("123456789012", "secret"), "ec2", "us-east-1").add_auth(request)
    return dict(request.headers.items())


def answered(port: int, headers: dict[str, str]) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("POST", "/", body=BODY, headers=headers)
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def _cpu_seconds(pid: int) -> float | None:
    """The process's user and system CPU seconds so far (None where /proc doesn't tell)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def time_one(command: str, timeout: float = 30) -> float:
    """Seconds from spawn to the first 200 answer (the request is signed before the clock starts)."""
    return spawn_to_answer(command, timeout)[0]


def spawn_to_answer(command: str, timeout: float = 30) -> tuple[float, float | None]:
    """Seconds from spawn to the first 200 answer, and the server's CPU seconds by then."""
    port = free_port()
    headers = signed_headers(port)
    started = time.perf_counter()
    proc = subprocess.Popen(
        shlex.split(command.format(port=port)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        while time.perf_counter() - started < timeout:
            if answered(port, headers):
                return time.perf_counter() - started, _cpu_seconds(proc.pid)
            time.sleep(0.005)
        raise RuntimeError(f"no answer within {timeout}s from {command}")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("servers", nargs="*", default=[DEFAULT], help="NAME='command with {port}'")
    args = parser.parse_args()
    servers = [spec.split("=", 1) for spec in args.servers]
    results: dict[str, list[tuple[float, float | None]]] = {name: [] for name, _ in servers}
    for _ in range(args.runs):
        for name, command in servers:
            results[name].append(spawn_to_answer(command))
    for name, runs in results.items():
        times = [wall for wall, _ in runs]
        cpu = [seconds for _, seconds in runs if seconds is not None]
        print(
            f"{name}: first answered request after min {min(times):.3f}s, median {statistics.median(times):.3f}s, "
            f"max {max(times):.3f}s ({args.runs} runs)"
            + (f"; server CPU median {statistics.median(cpu):.3f}s" if cpu else "")
        )


if __name__ == "__main__":
    main()
