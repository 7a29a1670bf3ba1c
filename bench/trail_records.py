"""Bytes a trail record holds, by kind of call, and the CPU a request spends making its record.

    PYTHONPATH=. python bench/trail_records.py

In process (the WSGI app called directly, `bench.suite.inprocess`): each kind of call is made N
times, then the trail is cleared; what tracemalloc finds freed, divided by N, is what one record
held (a record whose parts repeat shares them: counted once among its N, the copy in
`ec2sim.store.trail_packing`'s bounded memory of recent packs not at all). Then the thread CPU time of `call_record` and
`Trail.add` per request, for three cheap requests.
"""

from __future__ import annotations

import gc
import time
import tracemalloc
from collections.abc import Callable

import ec2sim.api.app as app_module
from bench.suite.inprocess import App, Request, body
from ec2sim.store import trail_packing
from ec2sim.store.trail import Trail


def _calls(app: App, key: tuple[str, str]) -> dict[str, tuple[Callable[[int], None], int]]:
    """Each kind: a function making n such calls, and n."""
    users = iter(range(10**9))
    first = app.run_instances(1)

    def repeat(request: Request, allow_error: bool = False) -> Callable[[int], None]:
        def run(n: int) -> None:
            for _ in range(n):
                try:
                    request()
                except RuntimeError:
                    if not allow_error:
                        raise

        return run

    def create_users(n: int) -> None:
        for _ in range(n):
            app.call("iam", body("iam", "CreateUser", UserName=f"u{next(users)}"))

    describe = app.prepare("ec2", body("ec2", "DescribeInstances", **{"InstanceId.1": first}), key)
    denied = app.prepare(
        "ec2", body("ec2", "RunInstances", ImageId="ami-12c6146b", MinCount=1, MaxCount=1), key
    )
    return {
        "RunInstances of 100 (root)": (lambda n: app.run_instances(100 * n) and None, 20),
        "CreateUser (root)": (create_users, 500),
        "DescribeInstances of one (user, allowed)": (repeat(describe), 500),
        "RunInstances denied (user)": (repeat(denied, allow_error=True), 500),
    }


def _clear(trail: Trail) -> int:
    trail.clear()
    gc.collect()
    return tracemalloc.get_traced_memory()[0]


def record_sizes(app: App, key: tuple[str, str]) -> None:
    trail = app.store.trail
    for label, (make, n) in _calls(app, key).items():
        make(1)  # warm: models, caches
        trail_packing._REMEMBERED.clear()  # (bounded: not a record's) kept apart from the count
        before = _clear(trail)
        make(n)
        gc.collect()
        held = tracemalloc.get_traced_memory()[0]
        freed = held - _clear(trail)
        print(f"{label:42s} {freed / n:8,.0f} bytes a record   (traced +{(held - before) / 2**20:.1f} MB)")


def record_cpu(app: App, key: tuple[str, str]) -> None:
    spent = {"call_record": 0.0, "add": 0.0}
    make, add = app_module.call_record, Trail.add

    def timed_make(*args: object, **kwargs: object) -> object:
        started = time.thread_time()
        try:
            return make(*args, **kwargs)  # type: ignore[arg-type]
        finally:
            spent["call_record"] += time.thread_time() - started

    def timed_add(self: Trail, record: object) -> None:
        started = time.thread_time()
        add(self, record)  # type: ignore[arg-type]
        spent["add"] += time.thread_time() - started

    app_module.call_record, Trail.add = timed_make, timed_add  # type: ignore[assignment]
    first = app.run_instances(1)
    cases = {
        "describe_one (root)": app.prepare(
            "ec2", body("ec2", "DescribeInstances", **{"InstanceId.1": first})
        ),
        "describe_one (enforced)": app.prepare(
            "ec2", body("ec2", "DescribeInstances", **{"InstanceId.1": first}), key
        ),
        "get_user (enforced)": app.prepare("iam", body("iam", "GetUser", UserName="bench"), key),
    }
    for label, request in cases.items():
        for _ in range(300):
            request()
        spent.update(call_record=0.0, add=0.0)
        for _ in range(3000):
            request()
        print(
            f"{label:26s} call_record {spent['call_record'] / 3e-3:5.1f} µs   Trail.add {spent['add'] / 3e-3:4.1f} µs"
        )


def main() -> None:
    tracemalloc.start()
    app = App(instances=5000)
    key = app.bench_user()
    record_sizes(app, key)
    tracemalloc.stop()
    record_cpu(app, key)


if __name__ == "__main__":
    main()
