"""Measurements against a running, seeded server: the cases under wrk, the health endpoint under load,
instance metadata credentials on one connection, first answered request."""

from __future__ import annotations

import http.client
import statistics

from bench.suite import aws, wrk
from bench.suite.wrk import Result


def case(port: int, service: str, body: str, key: tuple[str, str], seconds: float) -> Result | str:
    """wrk (8 connections, keep-alive) replaying one signed request; a string when it isn't answered 200."""
    headers = aws.signed(port, service, body, key)
    status, _ = aws.post(port, headers, body)
    if status != 200:
        return f"HTTP {status}"
    return wrk.run(f"http://127.0.0.1:{port}/", "POST", headers, body, seconds=seconds)


def cases(
    port: int, seeded: aws.Seeded, seconds: float, *, enforced: bool = True, names: tuple[str, ...] = ()
) -> dict[str, Result | str]:
    """Each case unenforced (root) and, with `enforced`, signed by the IAM user; describe_all (slow,
    twice the time) unenforced only, last."""
    results: dict[str, Result | str] = {}
    for name, (service, body) in seeded.cases().items():
        if names and name not in names:
            continue
        if name == "describe_all":
            results[name] = case(port, service, body, aws.ROOT, seconds * 2)
            continue
        results[name] = case(port, service, body, aws.ROOT, seconds)
        if enforced:
            results[f"{name}+enforced"] = case(port, service, body, seeded.user_key, seconds)
    return results


def health_under_load(port: int, seeded: aws.Seeded, seconds: float) -> tuple[Result, Result]:
    """The control API's health endpoint on one connection while 8 connections replay describe_one
    (enforced): (health, the load)."""
    service, body = seeded.cases()["describe_one"]
    headers = aws.signed(port, service, body, seeded.user_key)
    load = wrk.start(f"http://127.0.0.1:{port}/", "POST", headers, body, seconds=seconds)
    health = wrk.run(
        f"http://127.0.0.1:{port}/_ec2sim/health", "GET", {}, seconds=seconds, connections=1, threads=1
    )
    return health, wrk.finish(load)


def imds_credentials(imds_port: int, instance_id: str, seconds: float) -> Result | str:
    """IMDSv2 GETs of the role's credentials on one keep-alive connection."""
    base = f"/{instance_id}/latest/"
    connection = http.client.HTTPConnection("127.0.0.1", imds_port, timeout=10)
    try:
        connection.request(
            "PUT", base + "api/token", headers={"X-aws-ec2-metadata-token-ttl-seconds": "21600"}
        )
        token = connection.getresponse().read().decode()
        path = base + "meta-data/iam/security-credentials/bench"
        headers = {"X-aws-ec2-metadata-token": token}
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            return f"HTTP {response.status}"
    finally:
        connection.close()
    url = f"http://127.0.0.1:{imds_port}{path}"
    return wrk.run(url, "GET", headers, seconds=seconds, connections=1, threads=1)


def startup(command: str, runs: int) -> float:
    """Median seconds from spawn to the first answered signed DescribeRegions (bench/startup.py)."""
    from bench.startup import time_one

    return statistics.median(time_one(command) for _ in range(runs))
