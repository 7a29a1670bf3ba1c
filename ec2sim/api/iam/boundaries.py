"""Permissions boundaries of users and roles: one implementation for both."""

from __future__ import annotations

import re

from ec2sim.api.context import RequestContext
from ec2sim.api.iam.messages import iam_error
from ec2sim.store.iam.entities import ManagedPolicy, Role, User

_POLICY_ARN = re.compile(r"arn:aws:iam::(aws|\d{12}):policy/(.+/)?[\w+=,.@-]+")


def boundary_view(arn: str | None) -> dict[str, str] | None:
    # IAM answers "Policy" on the wire, although botocore's enum names it PermissionsBoundaryPolicy.
    return {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": arn} if arn else None


def check_boundary(arn: str | None, policy: ManagedPolicy | None) -> None:
    """A boundary must name an existing managed policy (customer or AWS): `policy`, the one the
    plan found at `arn` (``plan.found["PermissionsBoundary"]``)."""
    if arn is None:
        return
    if _POLICY_ARN.fullmatch(arn) is None:
        raise iam_error("BoundaryInvalid", arn=arn)
    if policy is None:
        raise iam_error("BoundaryNotFound", arn=arn)


def set_boundary(
    ctx: RequestContext, entity: User | Role, arn: str | None, policy: ManagedPolicy | None = None
) -> None:
    """Point the entity's boundary at managed policy `arn`, found as `policy` (None: remove it)."""
    check_boundary(arn, policy)
    if arn != entity.permissions_boundary:
        ctx.iam.set_boundary(ctx.now, "user" if isinstance(entity, User) else "role", entity.name, arn)
