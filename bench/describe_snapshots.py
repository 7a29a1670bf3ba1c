"""Benchmark: DescribeSnapshots among many snapshots spread over many accounts.

usage: PYTHONPATH=. python bench/describe_snapshots.py [--snapshots N] [--accounts A] [--calls C]
Seeds N snapshots over A accounts straight into the store (a tenth public, a tenth
granted to the measured account), then times through boto3 against a real server:
look-up by id, a filtered listing of the caller's own, and the default listing
(own + public + granted). Prints milliseconds per call.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import boto3

from ec2sim.config import Config
from ec2sim.server import Server
from ec2sim.store.ec2.snapshots import Snapshot

CALLER = "111122223333"
REGION = "us-east-1"


def seed(server: Server, count: int, accounts: int) -> list[str]:
    """`count` snapshots round-robin over `accounts` accounts (the caller is account 0)."""
    store = server.store
    owners = [CALLER] + [str(200000000000 + n) for n in range(1, accounts)]
    regions = [store.account(owner).ec2(REGION) for owner in owners]
    now = datetime.now(timezone.utc)
    ids = []
    with store.lock:
        for n in range(count):
            region = regions[n % accounts]
            snapshot = Snapshot(
                region.ids.hex_id("snap"),
                owner_id=region.account_id,
                region=REGION,
                volume_id=f"vol-{n:08x}",
                volume_size=8 + n % 100,
                start_time=now,
                description=f"seed {n}",
            )
            region.add_snapshot(snapshot)
            if n % 10 == 1:
                region.shared_snapshots.set_public(snapshot, True)
            elif n % 10 == 2:
                region.shared_snapshots.grant(snapshot, [CALLER])
            ids.append(snapshot.id)
    return ids


def timed(label: str, calls: int, call: Callable[[], Any]) -> None:
    result = call()  # warm-up, and the result size
    start = time.perf_counter()
    for _ in range(calls):
        call()
    elapsed = (time.perf_counter() - start) / calls
    print(f"{label:<42} {elapsed * 1000:8.2f} ms/call   ({len(result['Snapshots'])} snapshots)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--snapshots", type=int, default=10_000)
    parser.add_argument("--accounts", type=int, default=50)
    parser.add_argument("--calls", type=int, default=20)
    args = parser.parse_args()
    with Server(Config(port=0, imds_port=0)) as server:
        ids = seed(server, args.snapshots, args.accounts)
        ec2 = boto3.client(
            "ec2",
            region_name=REGION,
            endpoint_url=server.api_url,
            aws_access_key_id=CALLER,
            aws_secret_access_key="secret",
        )
        own = ids[0]
        print(f"{args.snapshots} snapshots over {args.accounts} accounts")
        timed("by id", args.calls, lambda: ec2.describe_snapshots(SnapshotIds=[own]))
        timed(
            "own, filter volume-size=58",
            args.calls,
            lambda: ec2.describe_snapshots(
                OwnerIds=["self"], Filters=[{"Name": "volume-size", "Values": ["58"]}]
            ),
        )
        timed("default (own + public + granted)", args.calls, lambda: ec2.describe_snapshots())
        timed("default, MaxResults=100", args.calls, lambda: ec2.describe_snapshots(MaxResults=100))


if __name__ == "__main__":
    main()
