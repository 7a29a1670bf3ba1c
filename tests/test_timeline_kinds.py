"""The timeline's declared kinds of event (`ec2sim.store.timeline.KINDS`) match what the handlers'
modules register, and a state dir holding pending events of every kind loads in a process that
imported nothing before it (the handlers' modules load lazily, from the table)."""

from __future__ import annotations

import inspect
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from ec2sim.api import registry
from ec2sim.store import Store, timeline
from ec2sim.store.persistence import StateDir


def test_every_registered_kind_is_declared_with_its_module() -> None:
    registry.load_all()
    for kind in timeline.KINDS:
        assert timeline.handler_of(kind) is not None, kind
    assert sorted(timeline._HANDLERS) == sorted(timeline.KINDS)
    assert {kind: handler.__module__ for kind, handler in timeline._HANDLERS.items()} == timeline.KINDS


_LOAD = """
import sys
from ec2sim.store import Store
from ec2sim.store.persistence import StateDir

store = Store(durable=True)
state = StateDir(sys.argv[1])
state.load(store)
state.close()
print(" ".join(sorted({kind for _, _, kind, _ in store.timeline.pending()})))
"""


def test_pending_events_of_every_kind_load_in_a_fresh_process(tmp_path: Path) -> None:
    store = Store(durable=True)
    state = StateDir(str(tmp_path))
    state.load(store)
    later = store.clock.now() + timedelta(days=300)  # never due while loading
    with store.lock:
        for kind in timeline.KINDS:
            handler = timeline.handler_of(kind)
            assert handler is not None
            arity = len(inspect.signature(handler).parameters) - 2  # after (target, when)
            store.timeline.schedule(later, kind, *[f"x-{i}" for i in range(arity)])
        store.commit()
    store.persistence = None
    state.close()
    loaded = subprocess.run(
        [sys.executable, "-c", _LOAD, str(tmp_path)], capture_output=True, text=True, timeout=60
    )
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.split() == sorted(timeline.KINDS)
