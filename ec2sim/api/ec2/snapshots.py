"""EBS snapshots: create (one volume or an instance's), copy, describe, delete.

Visibility follows createVolumePermission: an account sees its own snapshots,
the public ones of the region and those granted to it, all found through the
server-wide registry's indexes (never a scan of other accounts).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ec2sim.api.authorization import NO_RESOURCES
from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.common import tag_list
from ec2sim.api.ec2.filters import FilterSet
from ec2sim.api.ec2.image_views import check_source_region, check_user_id
from ec2sim.api.ec2.paging import paginate
from ec2sim.api.ec2.storage_plans import (
    CopySnapshotPlan,
    InstanceSnapshotsPlan,
    NewSnapshotPlan,
    SnapshotPlan,
    attached_volumes,
    find_usable_snapshot,
)
from ec2sim.api.ec2.tagging import tags_for
from ec2sim.api.ec2.volumes import instance_not_found, snapshot_error, volume_error
from ec2sim.api.ec2.volumes import usable_snapshot as visible_snapshot
from ec2sim.api.errors import AwsError
from ec2sim.api.registry import ec2_action
from ec2sim.store.ec2.region import Regions
from ec2sim.store.ec2.snapshots import Snapshot
from ec2sim.store.ec2.volumes import Volume, default_kms_key
from ec2sim.store.resources import SNAPSHOT
from ec2sim.store.timeline import timeline_event

if TYPE_CHECKING:
    from types_boto3_ec2.type_defs import (
        CopySnapshotRequestTypeDef,
        CreateSnapshotRequestTypeDef,
        CreateSnapshotsRequestTypeDef,
        DeleteSnapshotRequestTypeDef,
        DescribeSnapshotAttributeRequestTypeDef,
        DescribeSnapshotsRequestTypeDef,
        InstanceSpecificationTypeDef,
        ModifySnapshotAttributeRequestTypeDef,
        ResetSnapshotAttributeRequestTypeDef,
    )

    # The operations on the caller's own snapshot (its SnapshotId): `plan_owned_snapshot` resolves them.
    OwnedSnapshotRequest = (
        DeleteSnapshotRequestTypeDef
        | DescribeSnapshotAttributeRequestTypeDef
        | ModifySnapshotAttributeRequestTypeDef
        | ResetSnapshotAttributeRequestTypeDef
    )

COPY_VOLUME_ID = "vol-ffffffff"  # what AWS reports as the volume of a copied snapshot


def plan_owned_snapshot(ctx: RequestContext, req: OwnedSnapshotRequest) -> SnapshotPlan:
    """The caller's own snapshot; someone else's visible one is UnauthorizedOperation, as on AWS."""
    plan = SnapshotPlan(req["SnapshotId"], find_usable_snapshot(ctx, req["SnapshotId"]))
    if plan.snapshot is None:
        plan.fail(snapshot_error(plan.snapshot_id))
    elif plan.snapshot.owner_id != ctx.account_id:
        plan.fail(AwsError("UnauthorizedOperation", "You are not authorized to perform this operation."))
    return plan


def resolved(plan: SnapshotPlan) -> Snapshot:
    """The plan's snapshot (a plan without an error resolved it)."""
    assert plan.snapshot is not None
    return plan.snapshot


def snapshot_view(snapshot: Snapshot, caller: str) -> dict[str, Any]:
    """The Snapshot shape; tags are the owner's and shown only to the owner."""
    return {
        "SnapshotId": snapshot.id,
        "VolumeId": snapshot.volume_id,
        "State": snapshot.state,
        "StartTime": snapshot.start_time,
        "Progress": snapshot.progress,
        "OwnerId": snapshot.owner_id,
        "Description": snapshot.description,
        "VolumeSize": snapshot.volume_size,
        "Encrypted": snapshot.encrypted,
        "KmsKeyId": snapshot.kms_key_id,
        "StorageTier": snapshot.storage_tier,
        "OwnerAlias": snapshot.owner_alias,
        "Tags": tag_list(snapshot.tags) or None if snapshot.owner_id == caller else None,
    }


def _new_snapshot(ctx: RequestContext, volume: Volume, description: str, tags: dict[str, str]) -> Snapshot:
    """A snapshot of `volume`, pending until the next request (then completed)."""
    region = ctx.ec2
    snapshot = Snapshot(
        region.ids.hex_id("snap"),
        owner_id=ctx.account_id,
        region=ctx.region,
        volume_id=volume.id,
        volume_size=volume.size,
        start_time=ctx.now,
        description=description,
        state="pending",
        progress="",
        encrypted=volume.encrypted,
        kms_key_id=volume.kms_key_id,
        tags=tags,
    )
    region.add_snapshot(snapshot)
    region.timeline.schedule(ctx.now, "snapshot.completed", ctx.account_id, ctx.region, snapshot.id)
    return snapshot


@timeline_event("snapshot.completed")
def _completed(store: Regions, when: datetime, account_id: str, name: str, snapshot_id: str) -> None:
    region = store.find_region(account_id, name)
    snapshot = region.snapshots.get(snapshot_id) if region is not None else None
    if region is not None and snapshot is not None:
        region.snapshots.update(snapshot, state="completed", progress="100%")


def plan_new_snapshot(ctx: RequestContext, req: CreateSnapshotRequestTypeDef) -> NewSnapshotPlan:
    plan = NewSnapshotPlan(req["VolumeId"], ctx.ec2.volumes.get(req["VolumeId"]), req=req)
    if plan.volume is None:
        plan.fail(volume_error(plan.volume_id))
    return plan


@ec2_action("CreateSnapshot", resolve=plan_new_snapshot)
def create_snapshot(
    ctx: RequestContext, req: CreateSnapshotRequestTypeDef, plan: NewSnapshotPlan
) -> dict[str, Any]:
    volume = plan.volume
    assert volume is not None  # a plan without an error resolved it
    tags = tags_for(req.get("TagSpecifications"), "snapshot", ("snapshot",))
    return snapshot_view(_new_snapshot(ctx, volume, req.get("Description", ""), tags), ctx.account_id)


def plan_instance_snapshots(ctx: RequestContext, req: CreateSnapshotsRequestTypeDef) -> InstanceSnapshotsPlan:
    """The instance, its volumes (by block device) and the data volumes it excludes."""
    spec = req["InstanceSpecification"]
    instance_id = spec.get("InstanceId") or ""
    plan = InstanceSnapshotsPlan({}, req=req)
    if not instance_id:
        plan.fail(AwsError("MissingParameter", "The request must contain the parameter InstanceId"))
        return plan
    instance = ctx.ec2.instances.get(instance_id)
    plan.found = {instance_id: instance}
    plan.volumes = attached_volumes(ctx, instance)
    if instance is None or instance.state == "terminated":
        plan.fail(instance_not_found(instance_id))
        return plan
    plan.instances = [instance]
    attached = {v.id for v in plan.volumes if v is not None}
    for volume_id in set(spec.get("ExcludeDataVolumeIds") or ()):
        if volume_id not in attached and ctx.ec2.volumes.get(volume_id) is None:
            plan.fail(volume_error(volume_id))
    return plan


def _instance_volumes(plan: InstanceSnapshotsPlan, spec: InstanceSpecificationTypeDef) -> list[Volume]:
    """The instance's volumes CreateSnapshots covers, in block-device order."""
    instance = plan.instance
    excluded = set(spec.get("ExcludeDataVolumeIds") or ())
    volumes = []
    for device, volume in zip(instance.block_devices, plan.volumes, strict=True):
        is_root = device.device_name == instance.root_device_name
        if (
            volume is None
            or (is_root and spec.get("ExcludeBootVolume"))
            or (not is_root and volume.id in excluded)
        ):
            continue
        volumes.append(volume)
    return volumes


@ec2_action("CreateSnapshots", resolve=plan_instance_snapshots)
def create_snapshots(
    ctx: RequestContext, req: CreateSnapshotsRequestTypeDef, plan: InstanceSnapshotsPlan
) -> dict[str, Any]:
    volumes = _instance_volumes(plan, req["InstanceSpecification"])
    tags = tags_for(req.get("TagSpecifications"), "snapshot", ("snapshot",))
    copy_tags = req.get("CopyTagsFromSource") == "volume"
    infos = []
    for volume in volumes:
        snapshot = _new_snapshot(
            ctx, volume, req.get("Description", ""), {**(volume.tags if copy_tags else {}), **tags}
        )
        view = snapshot_view(snapshot, ctx.account_id)
        infos.append(
            {
                k: view[k]
                for k in (
                    "SnapshotId",
                    "VolumeId",
                    "State",
                    "StartTime",
                    "Progress",
                    "OwnerId",
                    "Description",
                    "VolumeSize",
                    "Encrypted",
                    "Tags",
                )
            }
        )
    return {"Snapshots": infos}


def plan_copy_snapshot(ctx: RequestContext, req: CopySnapshotRequestTypeDef) -> CopySnapshotPlan:
    """The source snapshot, in its region."""
    source_id, region = req["SourceSnapshotId"], req["SourceRegion"]
    plan = CopySnapshotPlan(source_id, find_usable_snapshot(ctx, source_id, region), region, req=req)
    plan.attempt(lambda: check_source_region(region))
    if req.get("KmsKeyId") and not req.get("Encrypted"):
        plan.fail(
            AwsError(
                "InvalidParameterDependency",
                "The parameter KmsKeyId requires the parameter Encrypted to be set.",
            )
        )
    if plan.snapshot is None:
        plan.fail(snapshot_error(source_id))
    return plan


@ec2_action("CopySnapshot", resolve=plan_copy_snapshot)
def copy_snapshot(
    ctx: RequestContext, req: CopySnapshotRequestTypeDef, plan: CopySnapshotPlan
) -> dict[str, Any]:
    source = resolved(plan)
    encrypted = bool(source.encrypted or req.get("Encrypted"))
    kms_key_id = req.get("KmsKeyId") or (default_kms_key(ctx.region, ctx.account_id) if encrypted else None)
    region = ctx.ec2
    copy = Snapshot(
        region.ids.hex_id("snap"),
        owner_id=ctx.account_id,
        region=ctx.region,
        volume_id=COPY_VOLUME_ID,
        volume_size=source.volume_size,
        start_time=ctx.now,
        description=req.get("Description", f"[Copied {source.id} from {source.region}]"),
        encrypted=encrypted,
        kms_key_id=kms_key_id,
        tags=tags_for(req.get("TagSpecifications"), "snapshot", ("snapshot",)),
    )
    region.add_snapshot(copy)
    return {"SnapshotId": copy.id, "Tags": tag_list(copy.tags) or None}


@ec2_action("DeleteSnapshot", resolve=plan_owned_snapshot)
def delete_snapshot(ctx: RequestContext, req: DeleteSnapshotRequestTypeDef, plan: SnapshotPlan) -> None:
    snapshot = resolved(plan)
    image_ids = ctx.ec2.snapshot_images.get(snapshot.id)
    if image_ids:
        raise AwsError(
            "InvalidSnapshot.InUse", f"The snapshot {snapshot.id} is currently in use by {min(image_ids)}"
        )
    ctx.ec2.remove_snapshot(snapshot.id)


# DescribeSnapshots ------------------------------------------------------------------

_FILTERS = FilterSet(
    {
        "owner-id": lambda s: s.owner_id,
        "owner-alias": lambda s: s.owner_alias,
        "status": lambda s: s.state,
        "volume-id": lambda s: s.volume_id,
        "volume-size": lambda s: s.volume_size,
        "description": lambda s: s.description,
        "encrypted": lambda s: s.encrypted,
        "start-time": lambda s: s.start_time,
        "progress": lambda s: s.progress,
        "storage-tier": lambda s: s.storage_tier,
        "transfer-type": lambda s: "standard",  # time-based copies are not emulated
    },
    SNAPSHOT,
)


def _visible(ctx: RequestContext) -> dict[str, Snapshot]:
    """Every snapshot the caller may restore in the region: own, public, granted."""
    registry = ctx.ec2.shared_snapshots
    found = {s.id: s for s in ctx.ec2.snapshots}
    for snapshot in (*registry.public_in(ctx.region), *registry.granted_to(ctx.region, ctx.account_id)):
        found.setdefault(snapshot.id, snapshot)
    return found


def _by_owner(ctx: RequestContext, owners: Iterable[str]) -> dict[str, Snapshot]:
    """`self`: own; `amazon`: none (no Amazon-owned snapshots are emulated); an id: its visible ones."""
    registry = ctx.ec2.shared_snapshots
    found: dict[str, Snapshot] = {}
    for owner in owners:
        if owner in ("self", ctx.account_id):
            found.update((s.id, s) for s in ctx.ec2.snapshots)
        elif owner != "amazon":
            check_user_id(owner)
            found.update((s.id, s) for s in registry.public_owned_by(ctx.region, owner))
            granted = registry.granted_to(ctx.region, ctx.account_id)
            found.update((s.id, s) for s in granted if s.owner_id == owner)
    return found


def _restorable_by(ctx: RequestContext, users: Iterable[str]) -> dict[str, Snapshot]:
    """`all`: the public ones; `self`: own and explicitly granted; an id: own ones granted to it."""
    registry = ctx.ec2.shared_snapshots
    found: dict[str, Snapshot] = {}
    for user in users:
        if user == "all":
            found.update((s.id, s) for s in registry.public_in(ctx.region))
        elif user in ("self", ctx.account_id):
            found.update((s.id, s) for s in ctx.ec2.snapshots)
            found.update((s.id, s) for s in registry.granted_to(ctx.region, ctx.account_id))
        else:
            check_user_id(user)
            found.update((s.id, s) for s in ctx.ec2.snapshots if user in s.shared_with)
    return found


def _candidates(ctx: RequestContext, req: DescribeSnapshotsRequestTypeDef) -> list[Snapshot]:
    ids, owners, users = req.get("SnapshotIds"), req.get("OwnerIds"), req.get("RestorableByUserIds")
    if ids:
        return [visible_snapshot(ctx, i) for i in dict.fromkeys(ids)]
    if not owners and not users:
        return list(_visible(ctx).values())
    found = _by_owner(ctx, owners) if owners else _restorable_by(ctx, users or ())
    if owners and users:
        restorable = _restorable_by(ctx, users)
        found = {i: s for i, s in found.items() if i in restorable}
    return list(found.values())


@ec2_action("DescribeSnapshots", resolve=NO_RESOURCES)
def describe_snapshots(ctx: RequestContext, req: DescribeSnapshotsRequestTypeDef) -> dict[str, Any]:
    if req.get("SnapshotIds") and (req.get("MaxResults") or req.get("NextToken")):
        raise AwsError(
            "InvalidParameterCombination",
            "The parameter snapshotSet cannot be used with the parameter maxResults",
        )
    snapshots = _FILTERS.apply(_candidates(ctx, req), req.get("Filters"))
    page, token = paginate(snapshots, req)
    return {"Snapshots": [snapshot_view(s, ctx.account_id) for s in page], "NextToken": token}
