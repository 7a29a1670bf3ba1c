"""The AWS-managed policy catalogue: global, shared by every account, never modified.

Loaded on first use from ec2sim/data/aws_managed_policies.json, which
bench/tools/managed_policies.py generates (and whose ``source`` names the package and version
the documents, version ids and dates come from). Handlers must treat it as read-only.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from ec2sim.store.iam.entities import ManagedPolicy, PolicyVersion

AWS_POLICY_PREFIX = "arn:aws:iam::aws:policy"
CATALOGUE = Path(__file__).resolve().parents[2] / "data" / "aws_managed_policies.json"


def _build(entry: dict[str, Any]) -> ManagedPolicy:
    version_id, updated = entry["DefaultVersionId"], datetime.fromisoformat(entry["UpdateDate"])
    document = json.dumps(entry["Document"], indent=2)
    return ManagedPolicy(
        name=entry["PolicyName"],
        path=entry["Path"],
        id=entry["PolicyId"],
        arn=f"{AWS_POLICY_PREFIX}{entry['Path']}{entry['PolicyName']}",
        create_date=datetime.fromisoformat(entry["CreateDate"]),
        update_date=updated,
        description=entry["Description"],
        versions={version_id: PolicyVersion(version_id, document, updated)},
        default_version_id=version_id,
        next_version=int(version_id[1:]) + 1,
    )


@cache
def aws_managed_policies() -> dict[str, ManagedPolicy]:
    """Every AWS-managed policy, by ARN (read once, on first use)."""
    policies = json.loads(CATALOGUE.read_text())["policies"]
    return {policy.arn: policy for policy in map(_build, policies)}


def aws_managed_policy(arn: str) -> ManagedPolicy | None:
    return aws_managed_policies().get(arn)
