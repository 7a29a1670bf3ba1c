"""Least privilege from a server's recordings: the policy a principal's calls needed
(`ec2sim.iam.policy.generate`), and the calls a candidate policy would refuse
(`ec2sim.iam.policy.replay`), read from the store's trail. The control API, the pytest plugin and
`EmulatorServer.recorded_policy` all come here.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

from ec2sim.api.registry import resource_types
from ec2sim.iam.policy.generate import GeneratedPolicy, generate_policy
from ec2sim.iam.policy.grammar import parse_policy
from ec2sim.iam.policy.replay import (
    DeniedCall,
    created_resources,
    denied_calls,
    owner_of,
    principal_records,
    recorded_checks,
)
from ec2sim.store import Store

_UNSAFE = re.compile(r"[^A-Za-z0-9_.=@+-]+")


def scoped(action: str) -> bool:
    """Does ``service:Action`` have resource-level permissions (resource types in the SAR)?"""
    service, _, name = action.partition(":")
    return bool(resource_types(service, name))


def parse_time(text: str) -> datetime:
    """An ISO 8601 time (``2026-12-05T10:00:00Z``; UTC when it names no zone); ValueError if not."""
    when = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    return when if when.tzinfo is not None else when.replace(tzinfo=timezone.utc)


def recorded_policy(
    store: Store,
    principal: str,
    since: datetime | None = None,
    until: datetime | None = None,
    conditions: bool = False,
) -> GeneratedPolicy:
    """The least-privilege policy for ``principal``'s recorded calls (`NothingRecorded` if none)."""
    records = list(principal_records(store.trail.records(), principal, since, until))
    checks = recorded_checks(records, principal)
    return generate_policy(checks, scoped, conditions, created_resources(records))


def check_policy(
    store: Store,
    principal: str,
    policy_text: str,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[DeniedCall]:
    """The recorded calls of ``principal`` the identity policy ``policy_text`` would deny;
    `PolicyError` (IAM's message) for a document IAM would refuse."""
    document = parse_policy(policy_text, "inline")
    return denied_calls(recorded_checks(store.trail.records(), principal, since, until), document)


def recorded_principals(store: Store) -> list[str]:
    """Every principal with a recorded call that needed a permission: users and federated users by
    their ARN, role sessions by their role's (`owner_of`). Not the account root, whom no identity
    policy limits (its calls are recorded for CloudTrail's events)."""
    return sorted(
        {
            owner_of(r.caller.arn)
            for r in store.trail.records()
            if r.caller is not None and r.caller.kind != "root" and r.has_checks
        }
    )


def policy_file_name(principal: str) -> str:
    """A file name for ``principal``'s policy: the ARN's account and resource, unsafe characters as
    ``_`` (``111122223333-role-app.json``)."""
    fields = principal.split(":", 5)
    name = f"{fields[4]}-{fields[5]}" if len(fields) == 6 else principal
    return _UNSAFE.sub("_", name.replace("/", "-")).strip("._") + ".json"


def write_recorded_policies(store: Store, directory: Path) -> list[Path]:
    """One generated policy per recorded principal in ``directory`` (made if missing)."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for principal in recorded_principals(store):
        path = directory / policy_file_name(principal)
        path.write_text(recorded_policy(store, principal).text, encoding="utf-8")
        written.append(path)
    return written
