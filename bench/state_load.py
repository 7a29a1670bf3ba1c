"""Start-up with a large ``--state-dir``: make one, then time loading it.

    PYTHONPATH=. python bench/state_load.py make DIR --instances 100000   # RunInstances, 1,000 a call
    PYTHONPATH=. python bench/state_load.py load DIR [--rows] [--profile 25]  # in process: wall and CPU s
    PYTHONPATH=. python bench/state_load.py snapshot DIR               # load, then write the snapshot
    python bench/startup.py --runs 3 "ec2sim=python -m ec2sim serve --port {port} --imds-port 0 --state-dir DIR"

`make` spreads the instances over accounts of 4,000 (a default VPC's subnets hold about 24,000
addresses; `--instance-limit` is raised for it); the server's stop writes the snapshot. `load`
reads DIR the way `serve` does (`StateDir.load` into a fresh durable store: from the snapshot
when it is current, else from the rows; `--rows` deletes the snapshot first) and prints which,
seconds of wall clock and of CPU, and the resident memory after: on a shared machine the CPU
figure is the one to compare. `snapshot` loads DIR, runs the timeline's due events (`make` leaves
launches settling) and writes the snapshot as a graceful stop does.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import resource
import time
from pathlib import Path

import boto3

import ec2sim.server
from ec2sim.config import Config
from ec2sim.store import Store, snapshot
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


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _resident_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


def load(directory: str, profile: int, rows: bool, write: bool) -> None:
    if rows:
        snapshot.discard(Path(directory))
    cpu, started = _cpu(), time.perf_counter()
    state = StateDir(directory)
    profiler = cProfile.Profile() if profile else None
    if profiler is not None:
        profiler.enable()
    store = Store(durable=True)
    try:
        state.load(store)
        if profiler is not None:
            profiler.disable()
        source = "the snapshot" if state.from_snapshot else "the rows"
        print(
            f"loaded {directory} from {source}: {time.perf_counter() - started:.2f} s wall, "
            f"{_cpu() - cpu:.2f} s CPU, {_resident_mb():.0f} MB resident",
            flush=True,
        )
        if write:
            cpu, started = _cpu(), time.perf_counter()
            with store.lock:  # what is due first (launches settling), as the first request would
                store.run_due(store.clock.now())
                store.commit()
                state.save_snapshot(store)
            size = (Path(directory) / snapshot.SNAPSHOT).stat().st_size / 2**20
            print(
                f"snapshot written: {time.perf_counter() - started:.2f} s wall, {_cpu() - cpu:.2f} s CPU, {size:.0f} MB"
            )
    finally:
        state.close()
    if profiler is not None:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(profile)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("what", choices=("make", "load", "snapshot"))
    parser.add_argument("directory")
    parser.add_argument("--instances", type=int, default=100_000)
    parser.add_argument("--profile", type=int, default=0, help="print this many of cProfile's top entries")
    parser.add_argument("--rows", action="store_true", help="delete the snapshot first: load the rows")
    args = parser.parse_args()
    if args.what == "make":
        make(args.directory, args.instances)
    else:
        load(args.directory, args.profile, args.rows, write=args.what == "snapshot")


if __name__ == "__main__":
    main()
