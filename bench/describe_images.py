#!/usr/bin/env python3
"""DescribeImages with 10,000 account-owned images in the store.

usage: PYTHONPATH=. python bench/describe_images.py [--images N] [--accounts N] [--repeat N]   (from the repository root)

Seeds images across accounts straight through the store (a tenth public, a tenth
shared with the caller), then times DescribeImages by id, with a filter, and the
default listing, through boto3 against a real server; prints min/median per call.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import boto3
from botocore.config import Config as BotoConfig

from ec2sim.config import Config
from ec2sim.server import Server
from ec2sim.store import Store
from ec2sim.store.ec2.images import Image, ImageBlockDevice

REGION = "us-east-1"
CALLER = "999988887777"


def seed(store: Store, images: int, accounts: int) -> list[str]:
    """`images` images spread over `accounts` accounts; returns the ids the caller may see."""
    visible: list[str] = []
    created = datetime(2025, 1, 1, tzinfo=timezone.utc)
    with store.lock:
        for n in range(images):
            region = store.account(f"{100000000000 + n % accounts:012d}").ec2(REGION)
            image = Image(
                region.ids.hex_id("ami"),
                owner_id=region.account_id,
                name=f"bench-{n}",
                description="bench",
                architecture="arm64" if n % 2 else "x86_64",
                root_device_name="/dev/xvda",
                block_devices=[ImageBlockDevice("/dev/xvda", snapshot_id=region.ids.hex_id("snap"))],
                creation_date=created,
                region=REGION,
            )
            region.add_image(image)
            if n % 10 == 0:
                region.shared_images.set_public(image, True)
                visible.append(image.id)
            elif n % 10 == 1:
                region.shared_images.grant(image, [CALLER])
                visible.append(image.id)
    return visible


def timed(call: Callable[[], Any], repeat: int) -> tuple[float, float, int]:
    samples, count = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        count = len(call()["Images"])
        samples.append(time.perf_counter() - start)
    return min(samples), statistics.median(samples), count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--accounts", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with Server(Config(port=0, imds_port=0, log_level="WARNING")) as server:
        started = time.perf_counter()
        visible = seed(server.store, args.images, args.accounts)
        print(
            f"seeded {args.images} images over {args.accounts} accounts in {time.perf_counter() - started:.2f}s"
        )
        ec2 = boto3.client(
            "ec2",
            region_name=REGION,
            endpoint_url=server.api_url,
            aws_access_key_id=CALLER,
            aws_secret_access_key="secret",
            config=BotoConfig(retries={"max_attempts": 1}),
        )
        cases = {
            "by id (1)": lambda: ec2.describe_images(ImageIds=[visible[len(visible) // 2]]),
            "by id (50)": lambda: ec2.describe_images(ImageIds=visible[:50]),
            "filter name=bench-1*": lambda: ec2.describe_images(
                Filters=[{"Name": "name", "Values": ["bench-1*"]}]
            ),
            "filter architecture=arm64": lambda: ec2.describe_images(
                Filters=[{"Name": "architecture", "Values": ["arm64"]}]
            ),
            "ExecutableUsers=self": lambda: ec2.describe_images(ExecutableUsers=["self"]),
            "default listing": lambda: ec2.describe_images(),
        }
        for label, call in cases.items():
            best, median, count = timed(call, args.repeat)
            print(f"{label:28} {count:6d} images  min {best * 1000:8.1f} ms  median {median * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
