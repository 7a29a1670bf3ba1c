"""Plans of the EBS volume, snapshot and image operations: what each request names, looked up once.

Creating authorizes the new ``volume/*``, ``snapshot/*`` or ``image/*`` with the request's
keys and tags, and each existing resource it reads (the source volume, instance, snapshot or
image) with that resource's keys; acting on one authorizes its ARN. A name that doesn't
resolve is checked on its ARN without keys. Images and snapshots have account-less ARNs in
their own region. The resolvers sit beside their handlers and record the handler's lookup and
validation errors, in its order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ec2sim.api.authorization import Check, Plan
from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.authz import Keys, arn, creating, resource_check, unresolved
from ec2sim.api.ec2.plans import InstancesPlan
from ec2sim.api.errors import AwsError
from ec2sim.store.ec2.geography import Zone
from ec2sim.store.ec2.images import Image, ImageBlockDevice
from ec2sim.store.ec2.instances import Instance
from ec2sim.store.ec2.snapshots import Snapshot
from ec2sim.store.ec2.volumes import Volume
from ec2sim.store.resources import flag
from ec2sim.store.table import Resource

if TYPE_CHECKING:
    from types_boto3_ec2.type_defs import (
        CopyImageRequestTypeDef,
        CopySnapshotRequestTypeDef,
        CreateImageRequestTypeDef,
        CreateSnapshotRequestTypeDef,
        CreateSnapshotsRequestTypeDef,
        CreateVolumeRequestTypeDef,
        RegisterImageRequestTypeDef,
    )


def named_check(
    ctx: RequestContext, action: str, kind: str, name: str, found: Resource | None, region: str | None = None
) -> Check:
    """The check on a resource the request names: its own if it resolved, else its ARN without keys."""
    return (
        resource_check(ctx, action, found)
        if found is not None
        else unresolved(ctx, action, kind, name, region)
    )


def find_usable_snapshot(ctx: RequestContext, snapshot_id: str, region: str | None = None) -> Snapshot | None:
    """The snapshot in `region` (default: the request's) if the caller may restore it (own, public, granted)."""
    registry = ctx.ec2.shared_snapshots
    snapshot = registry.get(snapshot_id) if snapshot_id else None
    if (
        snapshot is None
        or snapshot.region != (region or ctx.region)
        or not registry.usable_by(snapshot, ctx.account_id)
    ):
        return None
    return snapshot


def attached_volumes(ctx: RequestContext, instance: Instance | None) -> list[Volume | None]:
    """The volume of each of the instance's block devices (None: gone), in device order."""
    return [ctx.ec2.volumes.get(d.volume_id) for d in instance.block_devices] if instance else []


class StoragePlan(Plan):
    def attempt(self, step: Callable[[], object]) -> None:
        """Run one validation step; its error is the plan's unless an earlier step failed."""
        try:
            step()
        except AwsError as error:
            self.fail(error)


# Volumes -----------------------------------------------------------------------------------------


@dataclass
class VolumePlan(StoragePlan):
    """A volume by id; AttachVolume and DetachVolume also the instance (named, or the volume's)."""

    volume_id: str
    volume: Volume | None
    instance_id: str = ""
    instance: Instance | None = None

    def checks(self, ctx: RequestContext) -> Iterator[Check]:
        action = f"ec2:{ctx.action}"
        if self.instance_id:
            yield named_check(ctx, action, "instance", self.instance_id, self.instance)
        yield self.volume_check(ctx, action)

    def volume_check(self, ctx: RequestContext, action: str) -> Check:
        return named_check(ctx, action, "volume", self.volume_id, self.volume)


@dataclass
class NewVolumePlan(StoragePlan):
    """CreateVolume: its zone and source snapshot, or the volume an earlier request (same token) made."""

    req: CreateVolumeRequestTypeDef
    zone: Zone | None = None
    snapshot: Snapshot | None = None
    earlier: Volume | None = None

    def checks(self, ctx: RequestContext) -> Iterator[Check]:
        yield from creating(ctx, "ec2:CreateVolume", "volume", self.req, self._keys(ctx))
        snapshot_id = self.req.get("SnapshotId")
        if snapshot_id:
            yield named_check(ctx, "ec2:CreateVolume", "snapshot", snapshot_id, self.snapshot)

    def _keys(self, ctx: RequestContext) -> Keys:
        req, snapshot = self.req, self.snapshot
        encrypted = bool(req.get("Encrypted") or req.get("KmsKeyId") or (snapshot and snapshot.encrypted))
        keys: Keys = {"ec2:VolumeType": req.get("VolumeType", "gp2"), "ec2:Encrypted": flag(encrypted)}
        if self.zone is not None:
            keys["ec2:AvailabilityZone"] = self.zone.name
        size = req.get("Size", snapshot.volume_size if snapshot else None)
        if size is not None:
            keys["ec2:VolumeSize"] = str(size)
        for value, key in (
            (req.get("Iops"), "ec2:VolumeIops"),
            (req.get("Throughput"), "ec2:VolumeThroughput"),
        ):
            if value is not None:
                keys[key] = str(value)
        if req.get("SnapshotId"):
            keys["ec2:ParentSnapshot"] = arn(ctx, "snapshot", req["SnapshotId"])
        return keys


# Snapshots ---------------------------------------------------------------------------------------


@dataclass
class NewSnapshotPlan(VolumePlan):
    """CreateSnapshot: the new snapshot and its volume."""

    req: CreateSnapshotRequestTypeDef = field(kw_only=True)

    def checks(self, ctx: RequestContext) -> Iterator[Check]:
        keys: Keys = {"ec2:ParentVolume": arn(ctx, "volume", self.volume_id)}
        if self.volume is not None:
            keys.update(
                {"ec2:VolumeSize": str(self.volume.size), "ec2:Encrypted": flag(self.volume.encrypted)}
            )
        yield from creating(ctx, "ec2:CreateSnapshot", "snapshot", self.req, keys)
        yield self.volume_check(ctx, "ec2:CreateSnapshot")


@dataclass
class InstanceSnapshotsPlan(InstancesPlan, StoragePlan):
    """CreateSnapshots: the new snapshots, the instance and each of its volumes (by device)."""

    req: CreateSnapshotsRequestTypeDef = field(kw_only=True)
    volumes: list[Volume | None] = field(default_factory=list)  # one per block device

    def checks(self, ctx: RequestContext) -> Iterator[Check]:
        yield from creating(ctx, "ec2:CreateSnapshots", "snapshot", self.req)
        yield from self.instance_checks(ctx, "ec2:CreateSnapshots")
        for volume in self.volumes:
            if volume is not None:
                yield resource_check(ctx, "ec2:CreateSnapshots", volume)


@dataclass
class SnapshotPlan(StoragePlan):
    """A snapshot by id (in `region`, default the request's)."""

    snapshot_id: str
    snapshot: Snapshot | None
    region: str | None = None

    def checks(self, ctx: RequestContext) -> Iterator[Check]:
        action = f"ec2:{ctx.action}"
        yield named_check(ctx, action, "snapshot", self.snapshot_id, self.snapshot, self.region)


@dataclass
class CopySnapshotPlan(SnapshotPlan):
    """CopySnapshot: the new snapshot (here) and the source snapshot (in its region)."""

    req: CopySnapshotRequestTypeDef = field(kw_only=True)

    def checks(self, ctx: RequestContext) -> Iterator[Check]:
        source, req = self.snapshot, self.req
        encrypted = bool(req.get("Encrypted") or req.get("KmsKeyId") or (source and source.encrypted))
        yield from creating(ctx, "ec2:CopySnapshot", "snapshot", req, {"ec2:Encrypted": flag(encrypted)})
        yield from super().checks(ctx)


# Images ------------------------------------------------------------------------------------------


def new_image_keys(root_device_type: str) -> Keys:
    return {"ec2:ImageType": "machine", "ec2:Public": "false", "ec2:RootDeviceType": root_device_type}


@dataclass
class ImagePlan(StoragePlan):
    """An image by id (in `region`, default the request's)."""

    image_id: str
    image: Image | None
    region: str | None = None
    snapshots: dict[str, Snapshot | None] = field(default_factory=dict)  # the image's, by id (any owner)

    def checks(self, ctx: RequestContext) -> Iterator[Check]:
        yield named_check(ctx, f"ec2:{ctx.action}", "image", self.image_id, self.image, self.region)

    def find_snapshots(self, ctx: RequestContext) -> None:
        """The snapshots backing the image (they are not checked: AWS authorizes the image alone)."""
        if self.image is not None:
            registry = ctx.ec2.shared_snapshots
            self.snapshots = {sid: registry.get(sid) for sid in self.image.snapshot_ids}


@dataclass
class CopyImagePlan(ImagePlan):
    """CopyImage: the new image (here), the source image (in its region) and the new snapshots."""

    req: CopyImageRequestTypeDef = field(kw_only=True)
    earlier: str | None = None  # the image an earlier request with the same ClientToken made

    def checks(self, ctx: RequestContext) -> Iterator[Check]:
        root = self.image.root_device_type if self.image else "ebs"
        yield from creating(ctx, "ec2:CopyImage", "image", self.req, new_image_keys(root))
        yield from super().checks(ctx)
        yield from creating(ctx, "ec2:CopyImage", "snapshot", self.req)


@dataclass
class NewImagePlan(InstancesPlan, StoragePlan):
    """CreateImage: the new image, the instance and the new snapshots of its volumes."""

    req: CreateImageRequestTypeDef = field(kw_only=True)
    volumes: list[Volume | None] = field(default_factory=list)  # one per block device
    source: Image | None = None  # the instance's own image, if it still exists (whoever owns it)

    def checks(self, ctx: RequestContext) -> Iterator[Check]:
        instance = next(iter(self.found.values()), None)
        root = instance.root_device_type if instance else "ebs"
        yield from creating(ctx, "ec2:CreateImage", "image", self.req, new_image_keys(root))
        yield from self.instance_checks(ctx, "ec2:CreateImage")
        yield from creating(ctx, "ec2:CreateImage", "snapshot", self.req)


@dataclass
class RegisteredImagePlan(StoragePlan):
    """RegisterImage: the new image and each snapshot its block device mappings name."""

    req: RegisterImageRequestTypeDef
    snapshots: dict[str, Snapshot | None] = field(default_factory=dict)  # by id, each once
    devices: list[ImageBlockDevice] = field(default_factory=list)  # validated

    def checks(self, ctx: RequestContext) -> Iterator[Check]:
        root = "instance-store" if self.req.get("ImageLocation") else "ebs"
        yield from creating(ctx, "ec2:RegisterImage", "image", self.req, new_image_keys(root))
        for snapshot_id, snapshot in self.snapshots.items():
            yield named_check(ctx, "ec2:RegisterImage", "snapshot", snapshot_id, snapshot)
