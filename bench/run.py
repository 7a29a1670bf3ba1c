"""`make bench`: the whole benchmark set in one run, printed as one ratio table.

    PYTHONPATH=. python -m bench.run [--instances 1000] [--seconds 5] [--no-moto] [--no-stacks] [--json FILE]
    PYTHONPATH=. python -m bench.run --inprocess-only [--flat-instances 100000] [--flat-users 10000]

Starts ec2sim (`python -m ec2sim serve`), seeds it, measures each case with wrk (keep-alive, 8
connections), then serves a trivial WSGI app on the same stack (the ceiling: a fixed
DescribeInstances body) and, where installed, moto and the other serving stacks; last, the
in-process section (bench/suite/flat.py: enforcement cost and flat cost). This machine is shared and
noisy: only ratios measured in this one run mean anything.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from typing import Any

from bench.suite import aws, flat, measure, procs, stacks, wrk
from bench.suite.report import table
from bench.suite.wrk import Result

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EC2SIM = "{py} -m ec2sim serve --port {port} --imds-port {imds} --log-level WARNING"
MOTO = "{bin}/moto_server -H 127.0.0.1 -p {port}"


def ec2sim_run(args: argparse.Namespace, out: dict[str, Any]) -> None:
    port, imds = procs.free_port(), procs.free_port()
    proc = procs.spawn(EC2SIM.format(py=sys.executable, port=port, imds=imds), {"PYTHONPATH": REPO})
    try:
        procs.wait_answer(port, proc, "/_ec2sim/health")
        aws.client("ec2", port).describe_regions()  # models loaded: what an idle server holds
        time.sleep(0.5)
        out["rss_idle_mb"] = procs.rss_mb(proc.pid)
        seeded = aws.seed(port, args.instances, with_role=True)
        out["seed_s"] = round(seeded.seed_s, 2)
        out["rss_seeded_mb"] = procs.rss_mb(proc.pid)
        out["cases"] = measure.cases(port, seeded, args.seconds)
        out["health"], out["health_load"] = measure.health_under_load(port, seeded, args.seconds)
        assert seeded.profile_instance
        out["imds"] = measure.imds_credentials(imds, seeded.profile_instance, args.seconds)
        out["rss_loaded_mb"] = procs.rss_mb(proc.pid)
        service, body = seeded.cases()["describe_one"]
        out["one_request"] = (service, body)
        out["describe_one_body"] = aws.post(port, aws.signed(port, service, body, aws.ROOT), body)[1]
    finally:
        out["clean_shutdown"] = procs.stop(proc)


def ceiling_run(command: str, body: bytes, seconds: float, request: tuple[str, str]) -> Result | str:
    """The ceiling app answering the describe_one request with ec2sim's answer to it."""
    with tempfile.NamedTemporaryFile("wb", suffix=".xml", delete=False) as handle:
        handle.write(body)
    port = procs.free_port()
    proc = procs.spawn(command.format(port=port), {"PYTHONPATH": REPO, "BENCH_CEILING_BODY": handle.name})
    try:
        procs.wait_answer(port, proc)
        return measure.case(port, *request, aws.ROOT, seconds)
    finally:
        procs.stop(proc)
        os.unlink(handle.name)


def moto_run(args: argparse.Namespace, out: dict[str, Any]) -> None:
    command = MOTO.format(bin=os.path.join(args.moto_venv, "bin"), port="{port}")
    env = {"MOTO_EC2_LOAD_DEFAULT_AMIS": "false"}
    os.environ.update(env)  # startup's own spawns inherit it
    out["startup_s"] = measure.startup(command, args.startup_runs)
    port = procs.free_port()
    proc = procs.spawn(command.format(port=port), env)
    try:
        procs.wait_answer(port, proc)
        seeded = aws.seed(port, args.instances)
        out["seed_s"] = round(seeded.seed_s, 2)
        out["rss_seeded_mb"] = procs.rss_mb(proc.pid)
        # describe_all last: moto keeps working through the requests wrk gave up on.
        out["cases"] = measure.cases(port, seeded, args.seconds, enforced=False)
    finally:
        procs.stop(proc)


def stack_run(name: str, args: argparse.Namespace, out: dict[str, Any]) -> None:
    api, ceiling = stacks.STACKS[name]
    port = procs.free_port()
    proc = procs.spawn(stacks.command(api, port, args.stack_venv), {"PYTHONPATH": REPO})
    try:
        procs.wait_answer(port, proc, "/_ec2sim/health")
        seeded = aws.seed(port, args.instances)
        out["cases"] = measure.cases(port, seeded, args.seconds, names=("describe_one", "iam_get_user"))
        out["rss_seeded_mb"] = procs.rss_mb(proc.pid)
    finally:
        out["clean_shutdown"] = procs.stop(proc)
    out["ceiling"] = ceiling_run(
        stacks.command(ceiling, "{port}", args.stack_venv), args.body, args.seconds, args.request
    )


def inprocess_run(args: argparse.Namespace, out: dict[str, Any]) -> None:
    """Issue 16's enforcement cost and flat cost, in this process (bench/suite/flat.py)."""
    out["enforcement"] = flat.enforcement(args.seconds)
    if args.flat_instances:
        instances, users = (100, args.flat_instances), (10, args.flat_users)
        out["flat"] = flat.flat(args.seconds, instances, users)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--instances", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--startup-runs", type=int, default=3)
    parser.add_argument("--moto-venv", default=os.path.join(REPO, ".venv-bench-moto"))
    parser.add_argument("--stack-venv", default=os.path.join(REPO, ".venv-bench"))
    parser.add_argument("--no-moto", action="store_true")
    parser.add_argument("--no-stacks", action="store_true")
    parser.add_argument("--json", help="also write every figure to this file")
    parser.add_argument(
        "--flat-instances", type=int, default=100000, help="flat cost: the large store's instances (0: skip)"
    )
    parser.add_argument(
        "--flat-users", type=int, default=10000, help="flat cost: the large store's IAM users"
    )
    parser.add_argument("--inprocess-only", action="store_true", help="only the in-process section")
    args = parser.parse_args()
    if args.inprocess_only:
        results = {"inprocess": {}}
        inprocess_run(args, results["inprocess"])
        print(flat.report(results["inprocess"]))
        return
    if not wrk.available():
        sys.exit("wrk is not installed (apt-get install -y wrk)")
    results: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}",
        "instances": args.instances,
    }
    print(
        f"# {results['date']}, {results['machine']}, {args.instances} instances, {args.seconds:g} s per case",
        flush=True,
    )
    startup = EC2SIM.format(py=sys.executable, port="{port}", imds=0)
    os.environ["PYTHONPATH"] = REPO
    results["ec2sim"] = {"startup_s": measure.startup(startup, args.startup_runs)}
    ec2sim_run(args, results["ec2sim"])
    args.body = results["ec2sim"].pop("describe_one_body")
    ceiling = stacks.command(stacks.STACKS["waitress"][1], "{port}", sys.prefix)
    args.request = results["ec2sim"]["one_request"]
    results["ceiling"] = ceiling_run(ceiling, args.body, args.seconds, args.request)
    if not args.no_moto and os.path.exists(os.path.join(args.moto_venv, "bin", "moto_server")):
        results["moto"] = {}
        moto_run(args, results["moto"])
    if not args.no_stacks:
        results["stacks"] = {}
        for name in stacks.STACKS:
            if stacks.available(name, args.stack_venv):
                results["stacks"][name] = {}
                stack_run(name, args, results["stacks"][name])
    results["inprocess"] = {}
    inprocess_run(args, results["inprocess"])
    print(table(results))
    print(flat.report(results["inprocess"]))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(
                results, handle, indent=1, default=lambda o: o.as_dict() if isinstance(o, Result) else repr(o)
            )


if __name__ == "__main__":
    main()
