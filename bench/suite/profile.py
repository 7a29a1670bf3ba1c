"""Where the server spends its time under wrk load: py-spy attached to `python -m ec2sim serve`.

    PYTHONPATH=. python -m bench.suite.profile [--seconds 10] [--top 15] [--py-spy .venv-bench/bin/py-spy]

For each case (describe_one and iam_get_user, signed by the IAM user: enforced), start a seeded server,
run wrk (8 connections) and record the server with py-spy for the same seconds; print the functions
with the most samples on top of the stack (self) and the application's functions with the most samples
anywhere on it (inclusive: the top one is the whole WSGI application's share), as shares of all
busy samples (`--gil`: of the samples of the thread holding the GIL, i.e. where Python time goes).
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import subprocess
import sys
import tempfile

from bench.suite import aws, procs, wrk

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CASES = ("describe_one", "iam_get_user")
# Leaves that are a thread waiting, not working (py-spy's idle detection misses lock waits).
IDLE = {"threading.py:Condition.wait", "threading.py:Event.wait", "threading.py:Thread._wait_for_tstate_lock"}
# The inclusive column lists the application's frames only (the self column shows the server's; the
# waitress subclasses in ec2sim/server.py are the server's).
APP = ("ec2sim/", "flask/", "werkzeug/")
_FRAME = re.compile(r"^(?P<name>.*?) \((?P<file>[^()]*?)(?::\d+)?\)$")


def frame_name(frame: str) -> str:
    """`render (ec2sim/api/xml.py:120)` as `ec2sim/api/xml.py:render` (site-packages trimmed)."""
    found = _FRAME.match(frame)
    if not found:
        return frame
    path = found.group("file")
    if "/ec2sim/" in path:  # this checkout or an installed copy
        return f"ec2sim/{path.rsplit('/ec2sim/', 1)[1]}:{found.group('name')}"
    for marker in ("site-packages/", "/lib/python3."):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{path}:{found.group('name')}"


def summarize(collapsed: str, top: int) -> tuple[int, list[tuple[str, float]], list[tuple[str, float]]]:
    """(samples, top self shares, top inclusive shares) from py-spy's raw (collapsed) output."""
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        samples = int(count)
        frames = [frame_name(f) for f in stack.split(";") if not f.startswith(("process ", "thread "))]
        if not frames or frames[-1] in IDLE:
            continue
        total += samples
        own[frames[-1]] += samples
        for name in set(frames):
            if name.startswith(APP) and not name.startswith("ec2sim/server.py"):
                inclusive[name] += samples
    share = max(total, 1)
    return (
        total,
        [(name, n / share) for name, n in own.most_common(top)],
        [(name, n / share) for name, n in inclusive.most_common(top)],
    )


def profile(case: str, args: argparse.Namespace) -> str:
    port = procs.free_port()
    command = f"{sys.executable} -m ec2sim serve --port {port} --imds-port 0 --log-level WARNING"
    proc = procs.spawn(command, {"PYTHONPATH": REPO})
    try:
        procs.wait_answer(port, proc, "/_ec2sim/health")
        seeded = aws.seed(port, args.instances)
        service, body = seeded.cases()[case]
        headers = aws.signed(port, service, body, seeded.user_key)
        load = wrk.start(f"http://127.0.0.1:{port}/", "POST", headers, body, seconds=args.seconds + 1)
        with tempfile.NamedTemporaryFile(suffix=".txt", delete=False) as handle:
            output = handle.name
        subprocess.run(
            [args.py_spy, "record", "--pid", str(proc.pid), "--duration", str(args.seconds), "--rate", "250"]
            + ["--format", "raw", "--output", output, "--nonblocking"]
            + (["--gil"] if args.gil else []),
            check=True,
            capture_output=True,
        )
        result = wrk.finish(load)
        with open(output) as handle:
            collapsed = handle.read()
        os.unlink(output)
    finally:
        procs.stop(proc)
    total, own, inclusive = summarize(collapsed, args.top)
    what = "samples holding the GIL" if args.gil else "busy samples"
    lines = [f"## {case}, enforced: {result.rps:,.0f} requests/s under py-spy, {total:,} {what}", ""]
    lines += ["| self | function | | inclusive (app) | function |", "| --- | --- | --- | --- | --- |"]
    for (a, a_share), (b, b_share) in zip(own, inclusive, strict=False):
        lines.append(f"| {a_share:.1%} | `{a}` | | {b_share:.1%} | `{b}` |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--instances", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--py-spy", default=os.path.join(REPO, ".venv-bench", "bin", "py-spy"))
    parser.add_argument("--case", action="append", choices=CASES)
    parser.add_argument("--gil", action="store_true", help="only samples of the thread holding the GIL")
    args = parser.parse_args()
    for case in args.case or CASES:
        print(profile(case, args), end="\n\n", flush=True)


if __name__ == "__main__":
    main()
