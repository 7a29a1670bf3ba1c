"""Resident memory of the server: idle, then with instances and IAM users; and what holds it.

    PYTHONPATH=. python bench/memory.py [--instances 1000] [--users 10000]
    PYTHONPATH=. python bench/memory.py --top 15 [--instances 1000] [--users 10000]

By default it starts ``python -m ec2sim serve`` on a free loopback port and prints the server's
resident set size (``VmRSS``) after the first signed request of each service (EC2, IAM, STS: idle),
after seeding the instances (RunInstances, 100 a request, 1,000 an account: the default instance
limit) and after creating the users (CreateUser, 5,000 an account, the IAM quota). The large case
of issue 16: ``--instances 100000 --users 10000``.
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
Call = Callable[[str, str, str], str]  # (service, body, account) -> response text
# Accounts hold at most 1,000 running instances (the default limit; a default subnet has 4,091
# addresses) and 5,000 IAM users (IAM's quota): larger numbers are spread over accounts.
INSTANCES_PER_ACCOUNT, USERS_PER_ACCOUNT = 1000, 5000


def _account(base: int, number: int, per_account: int) -> str:
    return f"{base + number // per_account:012d}"


def _signed(service: str, body: str, url: str, key: str = ACCOUNT) -> dict[str, str]:
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

    def call(service: str, body: str, account: str = ACCOUNT) -> str:
        request = urllib.request.Request(
            url, data=body.encode(), headers=_signed(service, body, url, account), method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.read().decode()
        except urllib.error.HTTPError as error:
            raise SystemExit(f"{service} {body[:60]}: {error.code} {error.read()[:300]!r}") from None

    return call


def wsgi_caller(app: Any) -> Call:
    from werkzeug.test import EnvironBuilder

    def call(service: str, body: str, account: str = ACCOUNT) -> str:
        headers = _signed(service, body, "http://127.0.0.1:5000/", account)
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
            call(service, _body(service, action), ACCOUNT)

    def seed_instances() -> None:
        images = call("ec2", _body("ec2", "DescribeImages", **{"Owner.1": "amazon"}), ACCOUNT)
        image = re.search(r"<imageId>(ami-[0-9a-f]+)</imageId>", images)
        assert image is not None, "no public image"
        for done in range(0, instances, 100):
            count = min(100, instances - done)
            run = _body("ec2", "RunInstances", ImageId=image[1], MinCount=count, MaxCount=count)
            call("ec2", run, _account(200000000000, done, INSTANCES_PER_ACCOUNT))

    def seed_users() -> None:
        for number in range(users):
            body = _body("iam", "CreateUser", UserName=f"user-{number}")
            call("iam", body, _account(100000000000, number, USERS_PER_ACCOUNT))

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
