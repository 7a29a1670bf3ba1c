"""Generate ec2sim/data/model_<service>.json.gz: the part of botocore's service models ec2sim serves.

    PYTHONPATH=. python -m bench.tools.models          # rewrite the files
    PYTHONPATH=. python -m bench.tools.models --check  # exit 1 if one is stale

The whole EC2 model (~830 operations, ~4,000 shapes, their documentation) costs ~11 MB of memory
once parsed; ec2sim serves a fraction of it. Each file keeps, from the installed botocore's
``service-2`` model: the metadata; every operation's name (an unregistered one answers
``Unsupported``, a name the model lacks ``InvalidAction``) with its ``authtype``; the full
definition of each registered operation; and the shapes reachable from those operations, from the
exception shapes (the error codes) and from `EXTRA_SHAPES`, in the model's order. Documentation is
dropped. The runtime loads only these files (`ec2sim.api.models`); tests/test_shapes.py checks they
are current and that every kept shape and registered operation reads as botocore reads it.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path
from typing import Any

from ec2sim.botocore_data import API_VERSIONS, service_description

ROOT = Path(__file__).resolve().parents[2]
DIRECTORY = ROOT / "ec2sim" / "data"
# Shapes the code reads by name besides those of its operations (`api/ec2/template_data.py`).
EXTRA_SHAPES: dict[str, tuple[str, ...]] = {"ec2": ("ResponseLaunchTemplateData",)}
_DROPPED = frozenset({"documentation", "documentationUrl"})


def registered() -> dict[str, set[str]]:
    """The registered operations of each service."""
    from ec2sim.api.registry import names

    found: dict[str, set[str]] = {service: set() for service in API_VERSIONS}
    for service, name in names():
        found[service].add(name)
    return found


def _strip(value: Any) -> Any:
    """`value` without documentation, at any depth."""
    if isinstance(value, dict):
        return {key: _strip(item) for key, item in value.items() if key not in _DROPPED}
    if isinstance(value, list):
        return [_strip(item) for item in value]
    return value


def _refs(shape: dict[str, Any]) -> list[dict[str, Any]]:
    refs = list(shape.get("members", {}).values())
    return refs + [shape[key] for key in ("member", "key", "value") if key in shape]


def compact(service: str, operations: set[str]) -> dict[str, Any]:
    """The part of `service`'s model that serving `operations` needs."""
    description = service_description(service)
    shapes: dict[str, Any] = description["shapes"]
    pending = [name for name, shape in shapes.items() if shape.get("exception")]
    pending += EXTRA_SHAPES.get(service, ())
    kept: dict[str, Any] = {}
    for name, operation in description["operations"].items():
        if name in operations:
            kept[name] = _strip(operation)
            pending += [operation[key]["shape"] for key in ("input", "output") if key in operation]
        else:
            kept[name] = {key: operation[key] for key in ("name", "authtype") if key in operation}
    reachable: set[str] = set()
    while pending:
        name = pending.pop()
        if name not in reachable:
            reachable.add(name)
            pending += [ref["shape"] for ref in _refs(shapes[name])]
    return {
        "version": description.get("version"),
        "metadata": description["metadata"],
        "operations": kept,
        "shapes": {name: _strip(shape) for name, shape in shapes.items() if name in reachable},
    }


def render(model: dict[str, Any]) -> bytes:
    """The file's bytes: the same model always gives the same bytes (no gzip timestamp)."""
    text = json.dumps(model, separators=(",", ":"), sort_keys=False)
    return gzip.compress(text.encode(), compresslevel=9, mtime=0)


def generate() -> dict[str, bytes]:
    """The file name and bytes of each service's compact model."""
    return {
        f"model_{service}.json.gz": render(compact(service, names)) for service, names in registered().items()
    }


def main(argv: list[str]) -> int:
    files = generate()
    if "--check" in argv:
        stale = [
            name
            for name, data in files.items()
            if not (DIRECTORY / name).is_file() or (DIRECTORY / name).read_bytes() != data
        ]
        if stale:
            print(
                f"stale: {', '.join(stale)} (run: PYTHONPATH=. python -m bench.tools.models)", file=sys.stderr
            )
            return 1
        return 0
    for name, data in files.items():
        (DIRECTORY / name).write_bytes(data)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
