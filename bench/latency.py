#!/usr/bin/env python3
"""One client, one request at a time: the latency of each DescribeInstances case, side by side.

usage: python bench/latency.py [--instances N] [--requests K] NAME='CMD {port}' ...

Complements ../shared/bench/serverbench.py, whose wrk runs give up on a request after 2 s: a server
slower than that under 8 connections (moto describing 1,000 instances) scores 0 requests/s there.
Here each server gets the same seed as serverbench (its own functions), then K sequential signed
requests per case with no timeout; the median latency and its inverse (requests/s of one client).
"""

from __future__ import annotations

import argparse
import http.client
import importlib
import os
import shlex
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType


def _serverbench() -> ModuleType:
    """../shared/bench/serverbench.py, beside the checkout: its client, signing and seeding helpers."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "shared" / "bench"))
    return importlib.import_module("serverbench")


serverbench = _serverbench()

CASES = {
    "describe_all": "Action=DescribeInstances&Version=2016-11-15",
    "describe_one": "Action=DescribeInstances&Version=2016-11-15&InstanceId.1={one}",
    "describe_filter": "Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=instance-id&Filter.1.Value.1={one}",
}


def seed(port: int, instances: int, ami: str) -> str:
    """serverbench's seed (tagged t3.micro instances, 100 per call); the id of one instance."""
    ec2 = serverbench.client("ec2", port)
    images = ec2.describe_images(Owners=["amazon"]).get("Images", [])
    image = images[0]["ImageId"] if images else ami
    for start in range(0, instances, 100):
        count = min(100, instances - start)
        ec2.run_instances(
            ImageId=image,
            MinCount=count,
            MaxCount=count,
            InstanceType="t3.micro",
            TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "team", "Value": "bench"}]}],
        )
    return ec2.describe_instances(MaxResults=5)["Reservations"][0]["Instances"][0]["InstanceId"]


def median_seconds(port: int, body: str, requests: int) -> float:
    headers, body = serverbench.signed(port, "ec2", body, "test", "test")
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        connection.request("POST", "/", body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        times.append(time.perf_counter() - started)
        if response.status != 200:
            raise RuntimeError(f"status {response.status} for {body}")
        if response.getheader("Connection", "").lower() == "close":
            connection.close()
    connection.close()
    return statistics.median(times)


def run(name: str, command: str, args: argparse.Namespace) -> dict[str, float]:
    port = serverbench.free_port()
    proc = subprocess.Popen(
        shlex.split(command.format(port=port)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        serverbench.wait_up(port)
        one = seed(port, args.instances, args.ami)
        return {
            case: median_seconds(port, body.format(one=one), args.requests) for case, body in CASES.items()
        }
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--instances", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--ami", default="ami-12c6146b")
    parser.add_argument("servers", nargs="+", help="NAME='command with {port}'")
    args = parser.parse_args()
    results = {}
    for spec in args.servers:
        name, command = spec.split("=", 1)
        results[name] = run(name, command, args)
        for case, seconds in results[name].items():
            print(f"{name} {case}: median {seconds * 1000:.1f} ms, {1 / seconds:.1f} requests/s", flush=True)
    first, *others = results
    for other in others:
        for case in CASES:
            ratio = results[other][case] / results[first][case]
            print(f"ratio {first}/{other} {case} (one client): {ratio:.1f}x")


if __name__ == "__main__":
    main()
