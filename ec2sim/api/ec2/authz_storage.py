"""The checks of EBS volumes, snapshots and images (see `authz` for the shared pieces).

Creating authorizes the new ``volume/*``, ``snapshot/*`` or ``image/*`` with the
request's keys and tags, and each existing resource it reads (the source volume,
instance, snapshot or image) with that resource's keys; acting on one authorizes
its ARN. Images and snapshots have account-less ARNs in their own region.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from ec2sim.api.authorization import Check, authorizes
from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.authz import (
    Keys,
    arn,
    creating,
    instance_checks,
    resource_check,
    unresolved,
)
from ec2sim.store.ec2.images import Image, find_image
from ec2sim.store.ec2.snapshots import Snapshot
from ec2sim.store.ec2.volumes import Volume
from ec2sim.store.resources import flag


def _volume(ctx: RequestContext, volume_id: str | None) -> Volume | None:
    return ctx.ec2.volumes.get(volume_id) if volume_id else None


def _snapshot(ctx: RequestContext, snapshot_id: str | None, region: str | None = None) -> Snapshot | None:
    """A snapshot the caller may use in `region` (default: the request's), if any."""
    registry = ctx.ec2.shared_snapshots
    snapshot = registry.get(snapshot_id) if snapshot_id else None
    if (
        snapshot is None
        or snapshot.region != (region or ctx.region)
        or not registry.usable_by(snapshot, ctx.account_id)
    ):
        return None
    return snapshot


def _image(ctx: RequestContext, image_id: str | None, region: str | None = None) -> Image | None:
    return (
        find_image(region or ctx.region, ctx.account_id, image_id, ctx.ec2.shared_images)
        if image_id
        else None
    )


# Volumes ---------------------------------------------------------------------------------------


def _new_volume_keys(ctx: RequestContext, req: dict[str, Any], snapshot: Snapshot | None) -> Keys:
    zone = ctx.ec2.zone(req.get("AvailabilityZone") or req.get("AvailabilityZoneId") or "")
    keys: Keys = {
        "ec2:VolumeType": req.get("VolumeType", "gp2"),
        "ec2:Encrypted": flag(
            bool(req.get("Encrypted") or req.get("KmsKeyId") or (snapshot and snapshot.encrypted))
        ),
    }
    if zone is not None:
        keys["ec2:AvailabilityZone"] = zone.name
    size = req.get("Size", snapshot.volume_size if snapshot else None)
    if size is not None:
        keys["ec2:VolumeSize"] = str(size)
    for param, key in (("Iops", "ec2:VolumeIops"), ("Throughput", "ec2:VolumeThroughput")):
        if req.get(param) is not None:
            keys[key] = str(req[param])
    if req.get("SnapshotId"):
        keys["ec2:ParentSnapshot"] = arn(ctx, "snapshot", req["SnapshotId"])
    return keys


def _source_snapshot(ctx: RequestContext, action: str, snapshot_id: str, region: str | None = None) -> Check:
    """The check on a snapshot a request reads (resolved or not)."""
    snapshot = _snapshot(ctx, snapshot_id, region)
    if snapshot is None:
        return unresolved(ctx, action, "snapshot", snapshot_id, region)
    return resource_check(ctx, action, snapshot)


@authorizes("ec2", "CreateVolume")
def _create_volume_checks(ctx: RequestContext, req: dict[str, Any]) -> Iterator[Check]:
    snapshot = _snapshot(ctx, req.get("SnapshotId"))
    yield from creating(ctx, "ec2:CreateVolume", "volume", req, _new_volume_keys(ctx, req, snapshot))
    if req.get("SnapshotId"):
        yield _source_snapshot(ctx, "ec2:CreateVolume", req["SnapshotId"])


@authorizes("ec2", "AttachVolume", "DetachVolume")
def _attachment_checks(ctx: RequestContext, req: dict[str, Any]) -> Iterator[Check]:
    """On the instance (named, or the one a volume is detached from) and the volume."""
    action = f"ec2:{ctx.action}"
    volume = _volume(ctx, req.get("VolumeId"))
    instance_id = req.get("InstanceId") or (volume.instance_id if volume else None)
    yield from instance_checks(ctx, action, [instance_id] if instance_id else [])
    yield from _volume_checks(ctx, req)


@authorizes("ec2", "DeleteVolume", "ModifyVolume")
def _volume_checks(ctx: RequestContext, req: dict[str, Any]) -> Iterable[Check]:
    volume, action = _volume(ctx, req.get("VolumeId")), f"ec2:{ctx.action}"
    return [
        resource_check(ctx, action, volume)
        if volume
        else unresolved(ctx, action, "volume", req.get("VolumeId", ""))
    ]


# Snapshots -------------------------------------------------------------------------------------


@authorizes("ec2", "CreateSnapshot")
def _create_snapshot_checks(ctx: RequestContext, req: dict[str, Any]) -> Iterator[Check]:
    volume = _volume(ctx, req.get("VolumeId"))
    keys: Keys = {"ec2:ParentVolume": arn(ctx, "volume", req.get("VolumeId", ""))}
    if volume is not None:
        keys.update({"ec2:VolumeSize": str(volume.size), "ec2:Encrypted": flag(volume.encrypted)})
    yield from creating(ctx, "ec2:CreateSnapshot", "snapshot", req, keys)
    yield from _volume_checks(ctx, req)


@authorizes("ec2", "CreateSnapshots")
def _create_snapshots_checks(ctx: RequestContext, req: dict[str, Any]) -> Iterator[Check]:
    """On the new snapshots, the instance and each of its volumes."""
    yield from creating(ctx, "ec2:CreateSnapshots", "snapshot", req)
    instance_id = (req.get("InstanceSpecification") or {}).get("InstanceId")
    yield from instance_checks(ctx, "ec2:CreateSnapshots", [instance_id] if instance_id else [])
    instance = ctx.ec2.instances.get(instance_id) if instance_id else None
    for device in instance.block_devices if instance else ():
        volume = _volume(ctx, device.volume_id)
        if volume is not None:
            yield resource_check(ctx, "ec2:CreateSnapshots", volume)


@authorizes("ec2", "CopySnapshot")
def _copy_snapshot_checks(ctx: RequestContext, req: dict[str, Any]) -> Iterator[Check]:
    """On the new snapshot (here) and the source snapshot (in its region)."""
    source = _snapshot(ctx, req.get("SourceSnapshotId"), req.get("SourceRegion"))
    keys: Keys = {
        "ec2:Encrypted": flag(
            bool(req.get("Encrypted") or req.get("KmsKeyId") or (source and source.encrypted))
        )
    }
    yield from creating(ctx, "ec2:CopySnapshot", "snapshot", req, keys)
    yield _source_snapshot(ctx, "ec2:CopySnapshot", req["SourceSnapshotId"], req.get("SourceRegion"))


@authorizes(
    "ec2", "DeleteSnapshot", "ModifySnapshotAttribute", "ResetSnapshotAttribute", "DescribeSnapshotAttribute"
)
def _snapshot_checks(ctx: RequestContext, req: dict[str, Any]) -> Iterable[Check]:
    snapshot, action = _snapshot(ctx, req.get("SnapshotId")), f"ec2:{ctx.action}"
    return [
        resource_check(ctx, action, snapshot)
        if snapshot
        else unresolved(ctx, action, "snapshot", req["SnapshotId"])
    ]


# Images ----------------------------------------------------------------------------------------


def _new_image_keys(root_device_type: str) -> Keys:
    return {"ec2:ImageType": "machine", "ec2:Public": "false", "ec2:RootDeviceType": root_device_type}


@authorizes("ec2", "CreateImage")
def _create_image_checks(ctx: RequestContext, req: dict[str, Any]) -> Iterator[Check]:
    """On the new image, the instance and the new snapshots of its volumes."""
    instance = ctx.ec2.instances.get(req.get("InstanceId", ""))
    root = instance.root_device_type if instance else "ebs"
    yield from creating(ctx, "ec2:CreateImage", "image", req, _new_image_keys(root))
    yield from instance_checks(ctx, "ec2:CreateImage", [req.get("InstanceId", "")])
    yield from creating(ctx, "ec2:CreateImage", "snapshot", req)


@authorizes("ec2", "RegisterImage")
def _register_image_checks(ctx: RequestContext, req: dict[str, Any]) -> Iterator[Check]:
    """On the new image and each snapshot its block device mappings name."""
    root = "instance-store" if req.get("ImageLocation") else "ebs"
    yield from creating(ctx, "ec2:RegisterImage", "image", req, _new_image_keys(root))
    ids = [(m.get("Ebs") or {}).get("SnapshotId") for m in req.get("BlockDeviceMappings") or ()]
    for snapshot_id in dict.fromkeys(i for i in ids if i):
        yield _source_snapshot(ctx, "ec2:RegisterImage", snapshot_id)


@authorizes("ec2", "CopyImage")
def _copy_image_checks(ctx: RequestContext, req: dict[str, Any]) -> Iterator[Check]:
    """On the new image (here), the source image (in its region) and the new snapshots."""
    source = _image(ctx, req.get("SourceImageId"), req.get("SourceRegion"))
    yield from creating(
        ctx, "ec2:CopyImage", "image", req, _new_image_keys(source.root_device_type if source else "ebs")
    )
    if source is not None:
        yield resource_check(ctx, "ec2:CopyImage", source)
    else:
        yield unresolved(ctx, "ec2:CopyImage", "image", req["SourceImageId"], req.get("SourceRegion"))
    yield from creating(ctx, "ec2:CopyImage", "snapshot", req)


@authorizes("ec2", "DeregisterImage", "ModifyImageAttribute", "ResetImageAttribute", "DescribeImageAttribute")
def _image_checks(ctx: RequestContext, req: dict[str, Any]) -> Iterable[Check]:
    image, action = _image(ctx, req.get("ImageId")), f"ec2:{ctx.action}"
    return [resource_check(ctx, action, image) if image else unresolved(ctx, action, "image", req["ImageId"])]
