"""IAM's per-account entity quotas (IAM User Guide, "IAM and AWS STS quotas": default values).

Creating one more user, group, role, instance profile or customer managed policy than the account's
quota allows answers ``LimitExceeded`` (409) "Cannot exceed quota for <Name>: <limit>". The names
InstanceProfilesPerAccount and RolesPerAccount are recorded in real responses; UsersPerAccount,
GroupsPerAccount and PoliciesPerAccount are assumed to follow the same pattern (GetAccountSummary's
UsersQuota, GroupsQuota and PoliciesQuota name the same quotas).
"""

from __future__ import annotations

from typing import Literal

from ec2sim.api.context import RequestContext
from ec2sim.api.iam.messages import iam_error

Kind = Literal["user", "group", "role", "instance-profile", "policy"]

# kind → (the quota's name in IAM's message, its default)
ACCOUNT_QUOTAS: dict[Kind, tuple[str, int]] = {
    "user": ("UsersPerAccount", 5000),
    "group": ("GroupsPerAccount", 300),
    "role": ("RolesPerAccount", 1000),
    "instance-profile": ("InstanceProfilesPerAccount", 1000),
    "policy": ("PoliciesPerAccount", 1500),  # customer managed policies
}


def check_account_quota(ctx: RequestContext, kind: Kind) -> None:
    """LimitExceeded if the account already holds its quota of `kind` (the one being created)."""
    quota, limit = ACCOUNT_QUOTAS[kind]
    held = len(ctx.iam.policies) if kind == "policy" else len(ctx.iam.table(kind))
    if held >= limit:
        raise iam_error("Quota", quota=quota, limit=limit)
