"""Start-up with a large ``--state-dir``: make one, then time loading it.

    PYTHONPATH=. python bench/state_load.py make DIR --instances 100000   # RunInstances, 1,000 a call
    PYTHONPATH=. python bench/state_load.py load DIR [--profile 25]     # in process: wall and CPU s
    python bench/startup.py --runs 3 "ec2sim=python -m ec2sim serve --port {port} --imds-port 0 --state-dir DIR"

`make` spreads the instances over accounts of 4,000 (a default VPC's subnets hold about 24,000
addresses; `--instance-limit` is raised for it). `load` reads DIR the way `serve` does
(`StateDir.load` into a fresh durable store) and prints seconds of wall clock and of CPU: on a
shared machine the CPU figure is the one to compare.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import resource
import time

import boto3

import ec2sim.server
from ec2sim.config import Config
from ec2sim.store import Store
from ec2sim.store.persistence import StateDir

PER_ACCOUNT = 4000


def make(directory: str, instances: int) -> None:
    config = Config(port=0, imds_port=0, log_level="WARNING", state_dir=directory, instance_limit=1_000_000)
    started = time.perf_counter()
    with ec2sim.server.Server(config, Store(durable=True)) as server:
        image = None
        done = 0
        while done < instances:
            count = min(1000, instances - done)
            ec2 = boto3.client(
                "ec2",
                endpoint_url=server.api_url,
                region_name="us-east-1",
                aws_access_key_id=str(100_000_000_000 + done // PER_ACCOUNT),
                aws_secret_access_key="x",
            )
            image = image or ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
            ec2.run_instances(ImageId=image, MinCount=count, MaxCount=count, InstanceType="t3.micro")
            done += count
    print(f"{instances} instances in {directory}: {time.perf_counter() - started:.1f} s")


def load(directory: str, profile: int) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    state = StateDir(directory)
    profiler = cProfile.Profile() if profile else None
    if profiler is not None:
        profiler.enable()
    try:
        state.load(Store(durable=True))
    finally:
        if profiler is not None:
            profiler.disable()
        state.close()
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    print(f"loaded {directory}: {time.perf_counter() - started:.2f} s wall, {cpu:.2f} s CPU")
    if profiler is not None:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(profile)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("what", choices=("make", "load"))
    parser.add_argument("directory")
    parser.add_argument("--instances", type=int, default=100_000)
    parser.add_argument("--profile", type=int, default=0, help="print this many of cProfile's top entries")
    args = parser.parse_args()
    if args.what == "make":
        make(args.directory, args.instances)
    else:
        load(args.directory, args.profile)


if __name__ == "__main__":
    main()
