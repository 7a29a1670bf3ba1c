"""Snapshot attributes: createVolumePermission (sharing) and productCodes.

Only the owner may describe or change them. Grants go through the server-wide
registry so other accounts' look-ups stay index-based.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.snapshots import plan_owned_snapshot, resolved
from ec2sim.api.ec2.storage_plans import SnapshotPlan
from ec2sim.api.errors import AwsError
from ec2sim.api.registry import ec2_action
from ec2sim.store.ec2.snapshots import Snapshot
from ec2sim.store.ec2.volumes import is_default_kms_key

if TYPE_CHECKING:
    from types_boto3_ec2.type_defs import (
        DescribeSnapshotAttributeRequestTypeDef,
        ModifySnapshotAttributeRequestTypeDef,
        ResetSnapshotAttributeRequestTypeDef,
    )

    AttributeRequest = (
        DescribeSnapshotAttributeRequestTypeDef
        | ModifySnapshotAttributeRequestTypeDef
        | ResetSnapshotAttributeRequestTypeDef
    )

ATTRIBUTES = ("createVolumePermission", "productCodes")
MAX_MODIFICATIONS = 500
_ACCOUNT_ID = re.compile(r"^\d{12}$")


def _attribute(req: AttributeRequest, default: str | None = None) -> str:
    attribute = req.get("Attribute", default)
    if attribute not in ATTRIBUTES:
        raise AwsError(
            "InvalidParameterValue",
            f"Value ({attribute}) for parameter attribute is invalid. Unknown attribute.",
        )
    return attribute


def _permissions(snapshot: Snapshot) -> list[dict[str, str]]:
    group = [{"Group": "all"}] if snapshot.public else []
    return group + [{"UserId": account} for account in sorted(snapshot.shared_with)]


@ec2_action("DescribeSnapshotAttribute", resolve=plan_owned_snapshot)
def describe_snapshot_attribute(
    ctx: RequestContext, req: DescribeSnapshotAttributeRequestTypeDef, plan: SnapshotPlan
) -> dict[str, Any]:
    snapshot = resolved(plan)
    if _attribute(req) == "productCodes":
        return {"SnapshotId": snapshot.id, "ProductCodes": []}
    return {"SnapshotId": snapshot.id, "CreateVolumePermissions": _permissions(snapshot)}


def _changes(req: ModifySnapshotAttributeRequestTypeDef) -> tuple[str, list[str], bool]:
    """(add|remove, account ids, whether group "all" is named) from either request form."""
    structured = req.get("CreateVolumePermission") or {}
    add, remove = structured.get("Add") or [], structured.get("Remove") or []
    if add and remove:
        raise AwsError(
            "InvalidParameterCombination",
            "You cannot add and remove create volume permissions in one request.",
        )
    if add or remove:
        operation, entries = ("add", add) if add else ("remove", remove)
        users = [e["UserId"] for e in entries if e.get("UserId")]
        groups: list[str] = [e["Group"] for e in entries if e.get("Group")]
    else:
        operation = req.get("OperationType") or ""
        users, groups = list(req.get("UserIds") or ()), list(req.get("GroupNames") or ())
        if operation not in ("add", "remove"):
            raise AwsError(
                "MissingParameter", "The request must contain the parameter createVolumePermission"
            )
    if not users and not groups:
        raise AwsError("MissingParameter", "The request must contain the parameter createVolumePermission")
    if len(users) + len(groups) > MAX_MODIFICATIONS:
        raise AwsError("InvalidParameterValue", f"Too many modifications; maximum is {MAX_MODIFICATIONS}.")
    for group in groups:
        if group != "all":
            raise AwsError(
                "InvalidParameterValue", f"Value ({group}) for parameter group is invalid. Valid value: all"
            )
    for user in users:
        if not _ACCOUNT_ID.match(user):
            raise AwsError(
                "InvalidParameterValue",
                f"Value ({user}) for parameter userId is invalid. Invalid account id.",
            )
    return operation, users, bool(groups)


def _check_shareable(snapshot: Snapshot, users: list[str], public: bool) -> None:
    """Encrypted snapshots never go public, and with the default aws/ebs key go to nobody."""
    if not snapshot.encrypted:
        return
    if public:
        raise AwsError(
            "UnsupportedOperation", "Encrypted snapshots can’t be shared publicly. Specify another snapshot."
        )
    if users and is_default_kms_key(snapshot.kms_key_id):
        raise AwsError("OperationNotPermitted", "Encrypted snapshots with EBS default key cannot be shared")


@ec2_action("ModifySnapshotAttribute", resolve=plan_owned_snapshot)
def modify_snapshot_attribute(
    ctx: RequestContext, req: ModifySnapshotAttributeRequestTypeDef, plan: SnapshotPlan
) -> None:
    snapshot = resolved(plan)
    if _attribute(req, "createVolumePermission") != "createVolumePermission":
        raise AwsError("InvalidParameterValue", "Only the createVolumePermission attribute can be modified.")
    operation, users, public = _changes(req)
    registry = ctx.ec2.shared_snapshots
    granted = [u for u in users if u != ctx.account_id]
    if operation == "add":
        _check_shareable(snapshot, granted, public)
        registry.grant(snapshot, granted)
        if public:
            registry.set_public(snapshot, True)
    else:
        registry.revoke(snapshot, users)
        if public:
            registry.set_public(snapshot, False)


@ec2_action("ResetSnapshotAttribute", resolve=plan_owned_snapshot)
def reset_snapshot_attribute(
    ctx: RequestContext, req: ResetSnapshotAttributeRequestTypeDef, plan: SnapshotPlan
) -> None:
    snapshot = resolved(plan)
    if _attribute(req) != "createVolumePermission":
        raise AwsError("InvalidParameterValue", "Only the createVolumePermission attribute can be reset.")
    registry = ctx.ec2.shared_snapshots
    registry.revoke(snapshot, list(snapshot.shared_with))
    registry.set_public(snapshot, False)
