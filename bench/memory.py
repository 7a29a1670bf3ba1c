"""Resident memory of the server: idle, then with instances and IAM users; and what holds it.

    PYTHONPATH=. python bench/memory.py [--instances 1000] [--users 10000]
    PYTHONPATH=. python bench/memory.py --top 15 [--instances 1000] [--users 10000]

By default it starts ``python -m ec2sim serve`` on a free loopback port and prints the server's
resident set size (``VmRSS``) after the first signed request of each service (EC2, IAM, STS: idle),
after seeding the instances (RunInstances, 100 a request) and after creating the users (CreateUser,
5,000 an account, the IAM quota).
With ``--top N`` it instead runs the same requests in this process through the WSGI app under
``tracemalloc`` and prints, at each stage, the N files whose allocations are still held, each
allocation counted against the innermost ``ec2sim`` frame of its traceback (else its innermost frame).
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import signal
import subprocess
import sys
import time
import tracemalloc
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

VERSIONS = {"ec2": "2016-11-15", "iam": "2010-05-08", "sts": "2011-06-15"}
FIRST = {"ec2": "DescribeRegions", "iam": "ListUsers", "sts": "GetCallerIdentity"}
ACCOUNT = "123456789012"
Call = Callable[[str, str], str]  # (service, body) -> response text


def _signed(service: str, body: str, url: str) -> dict[str, str]:
    account = re.search(r"UserName=user-(\d+)", body)  # IAM allows 5,000 users an account: spread them
    key = ACCOUNT if account is None else f"{100000000000 + int(account[1]) // 5000:012d}"
    request = AWSRequest(
        method="POST", url=url, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    SigV4Auth(Credentials(key, "secret"), service, "us-east-1").add_auth(request)
    return dict(request.headers.items())


def _body(service: str, action: str, **params: str | int) -> str:
    fields = {"Action": action, "Version": VERSIONS[service], **params}
    return "&".join(f"{key}={value}" for key, value in fields.items())


def http_caller(port: int) -> Call:
    url = f"http://127.0.0.1:{port}/"

    def call(service: str, body: str) -> str:
        request = urllib.request.Request(
            url, data=body.encode(), headers=_signed(service, body, url), method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.read().decode()
        except urllib.error.HTTPError as error:
            raise SystemExit(f"{service} {body[:60]}: {error.code} {error.read()[:300]!r}") from None

    return call


def wsgi_caller(app: Any) -> Call:
    from werkzeug.test import EnvironBuilder

    def call(service: str, body: str) -> str:
        headers = _signed(service, body, "http://127.0.0.1:5000/")
        environ = EnvironBuilder(path="/", method="POST", data=body, headers=headers).get_environ()
        status: list[str] = []
        text = b"".join(app(environ, lambda code, *args: status.append(code))).decode()
        if not status[0].startswith("200"):
            raise SystemExit(f"{service} {body[:60]}: {status[0]} {text[:300]}")
        return text

    return call


def stages(call: Call, instances: int, users: int) -> list[tuple[str, Callable[[], None]]]:
    """The stages, each a label and what it runs."""

    def idle() -> None:
        for service, action in FIRST.items():
            call(service, _body(service, action))

    def seed_instances() -> None:
        images = call("ec2", _body("ec2", "DescribeImages", **{"Owner.1": "amazon"}))
        image = re.search(r"<imageId>(ami-[0-9a-f]+)</imageId>", images)
        assert image is not None, "no public image"
        remaining = instances
        while remaining > 0:
            count = min(100, remaining)
            call("ec2", _body("ec2", "RunInstances", ImageId=image[1], MinCount=count, MaxCount=count))
            remaining -= count

    def seed_users() -> None:
        for number in range(users):
            call("iam", _body("iam", "CreateUser", UserName=f"user-{number}"))

    return [
        ("idle (first request of each service)", idle),
        (f"+ {instances:,} instances", seed_instances),
        (f"+ {users:,} IAM users", seed_users),
    ]


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as file:
        return int(file.read().split("VmRSS:")[1].split()[0]) / 1024


def measure_server(args: argparse.Namespace) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = f"{sys.executable} -m ec2sim serve --port {port} --imds-port 0"
    server = subprocess.Popen(shlex.split(command), stdout=subprocess.DEVNULL, start_new_session=True)
    try:
        call = http_caller(port)
        deadline = time.monotonic() + 30
        while True:
            try:
                call("sts", _body("sts", "GetCallerIdentity"))
                break
            except (OSError, SystemExit):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        for label, run in stages(call, args.instances, args.users):
            started = time.perf_counter()
            run()
            print(f"{label:40s} RSS {rss_mb(server.pid):7.1f} MB   ({time.perf_counter() - started:.1f} s)")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(10)


def _owner(trace: tracemalloc.Traceback) -> str:
    for frame in reversed(trace):  # innermost last
        if f"{os.sep}ec2sim{os.sep}" in frame.filename:
            return frame.filename.split(f"{os.sep}ec2sim{os.sep}", 1)[1]
    return trace[-1].filename.rsplit(os.sep, 2)[-1] if len(trace) else "?"


def measure_allocations(args: argparse.Namespace) -> None:
    tracemalloc.start(30)
    from ec2sim.config import Config
    from ec2sim.web import create_app

    app = create_app(Config(port=0, imds_port=0))
    call = wsgi_caller(app)
    for label, run in stages(call, args.instances, args.users):
        run()
        held: Counter[str] = Counter()
        for stat in tracemalloc.take_snapshot().statistics("traceback"):
            held[_owner(stat.traceback)] += stat.size
        print(f"{label}: {sum(held.values()) / 2**20:.1f} MB traced")
        for name, size in held.most_common(args.top):
            print(f"  {size / 2**20:7.2f} MB  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=1000)
    parser.add_argument("--users", type=int, default=10000)
    parser.add_argument(
        "--top", type=int, default=0, help="list the N files holding most memory (in process)"
    )
    args = parser.parse_args()
    if args.top:
        measure_allocations(args)
    else:
        measure_server(args)


if __name__ == "__main__":
    main()
