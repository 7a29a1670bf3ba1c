"""EBS volumes: create, describe, attach, detach, delete (modifications: `volume_modifications`).

State changes AWS makes asynchronously (creating → available, attaching →
attached, detaching → available) are scheduled on the timeline for the
request's own moment, so they show on the next request.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ec2sim.api.authorization import NO_RESOURCES
from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.common import fingerprint, replayed, tag_list
from ec2sim.api.ec2.filters import FilterSet
from ec2sim.api.ec2.paging import paginate
from ec2sim.api.ec2.storage_plans import NewVolumePlan, VolumePlan, find_usable_snapshot
from ec2sim.api.ec2.tagging import tags_for
from ec2sim.api.errors import AwsError
from ec2sim.api.registry import ec2_action
from ec2sim.store.ec2.geography import Zone
from ec2sim.store.ec2.instances import BlockDevice, Instance
from ec2sim.store.ec2.region import Ec2Region, Regions, region_item
from ec2sim.store.ec2.snapshots import Snapshot
from ec2sim.store.ec2.volumes import DETACHED, Volume, default_kms_key
from ec2sim.store.resources import VOLUME
from ec2sim.store.timeline import timeline_event

if TYPE_CHECKING:
    from types_boto3_ec2.type_defs import (
        AttachVolumeRequestTypeDef,
        CreateVolumeRequestTypeDef,
        DeleteVolumeRequestTypeDef,
        DescribeVolumesRequestTypeDef,
        DetachVolumeRequestTypeDef,
        ModifyVolumeRequestTypeDef,
    )

    # The operations whose resolvers are shared: each names its volume by VolumeId.
    AttachmentRequest = AttachVolumeRequestTypeDef | DetachVolumeRequestTypeDef
    VolumeRequest = DeleteVolumeRequestTypeDef | ModifyVolumeRequestTypeDef | AttachmentRequest

# Volume type → (minimum, maximum) size in GiB.
SIZE_LIMITS: dict[str, tuple[int, int]] = {
    "gp2": (1, 16384),
    "gp3": (1, 16384),
    "io1": (4, 16384),
    "io2": (4, 65536),
    "st1": (125, 16384),
    "sc1": (125, 16384),
    "standard": (1, 1024),
}
# Provisioned-IOPS types → (minimum, maximum, maximum per GiB).
IOPS_LIMITS: dict[str, tuple[int, int, int]] = {
    "gp3": (3000, 16000, 500),
    "io1": (100, 64000, 50),
    "io2": (100, 256000, 1000),
}
GP3_THROUGHPUT = (125, 1000)
GP3_THROUGHPUT_PER_IOPS = 0.25  # MiB/s
# Linux device names EBS accepts (EC2 user guide, "Device names on Linux instances"):
# /dev/sd[a-z], /dev/hd[a-z], [/dev/]xvd[a-z] and [/dev/]xvd[b-c][a-z], and the root name /dev/sda1.
_DEVICE_NAME = re.compile(r"/dev/(sd[a-z]|hd[a-z]|sda1)|(/dev/)?xvd([a-z]|[b-c][a-z])")
_ID = re.compile(r"^(?P<prefix>[a-z]+)-(?:[0-9a-f]{8}|[0-9a-f]{17})$")


def id_error(resource_id: str, prefix: str, code: str) -> AwsError | None:
    """AWS's `<Kind>ID.Malformed` for an id that is not `prefix-` and 8 or 17 hex digits."""
    match = _ID.match(resource_id)
    if match is None or match["prefix"] != prefix:
        return AwsError(code, f'Invalid id: "{resource_id}" (expecting "{prefix}-...")')
    return None


def check_id(resource_id: str, prefix: str, code: str) -> None:
    error = id_error(resource_id, prefix, code)
    if error is not None:
        raise error


def volume_error(volume_id: str) -> AwsError:
    """The error for a volume id that doesn't resolve: malformed, else not found."""
    return id_error(volume_id, "vol", "InvalidVolumeID.Malformed") or AwsError(
        "InvalidVolume.NotFound", f"The volume '{volume_id}' does not exist."
    )


def find_volume(region: Ec2Region, volume_id: str) -> Volume:
    volume = region.volumes.get(volume_id)  # stored ids are well-formed
    if volume is None:
        raise volume_error(volume_id)
    return volume


def instance_not_found(instance_id: str) -> AwsError:
    return AwsError("InvalidInstanceID.NotFound", f"The instance ID '{instance_id}' does not exist")


def plan_volume(ctx: RequestContext, req: VolumeRequest) -> VolumePlan:
    """The volume VolumeId names (DeleteVolume, ModifyVolume)."""
    plan = VolumePlan(req["VolumeId"], ctx.ec2.volumes.get(req["VolumeId"]))
    if plan.volume is None:
        plan.fail(volume_error(plan.volume_id))
    return plan


# Settings ---------------------------------------------------------------------------


def _too(what: str, value: int, low: int, high: int) -> None:
    if value < low:
        raise AwsError("InvalidParameterValue", f"{what} of {value} is too low; minimum is {low}.")
    if value > high:
        raise AwsError("InvalidParameterValue", f"{what} of {value} is too high; maximum is {high}.")


def checked_settings(
    volume_type: str, size: int, iops: int | None, throughput: int | None
) -> tuple[int | None, int | None]:
    """Validate a type/size/IOPS/throughput combination; the IOPS and throughput it gets."""
    if volume_type not in SIZE_LIMITS:
        raise AwsError("InvalidParameterValue", f"Value ({volume_type}) for parameter volumeType is invalid.")
    low, high = SIZE_LIMITS[volume_type]
    if size < low:
        raise AwsError("InvalidParameterValue", f"Volume of {size}GiB is too small; minimum is {low}GiB.")
    if size > high:
        raise AwsError("InvalidParameterValue", f"Volume of {size}GiB is too large; maximum is {high}GiB.")
    if throughput is not None and volume_type != "gp3":
        raise AwsError(
            "InvalidParameterCombination",
            f"The parameter throughput is not supported for {volume_type} volumes.",
        )
    if volume_type not in IOPS_LIMITS:
        if iops is not None:
            raise AwsError(
                "InvalidParameterCombination",
                f"The parameter iops is not supported for {volume_type} volumes.",
            )
        return (max(100, min(16000, 3 * size)) if volume_type == "gp2" else None), None
    if iops is None and volume_type != "gp3":
        raise AwsError(
            "InvalidParameterCombination", f"The parameter iops must be specified for {volume_type} volumes."
        )
    iops = 3000 if iops is None else iops
    low_iops, high_iops, per_gib = IOPS_LIMITS[volume_type]
    _too("Volume iops", iops, low_iops, high_iops)
    if iops > max(per_gib * size, low_iops if volume_type == "gp3" else 0):  # gp3's baseline fits any size
        raise AwsError(
            "InvalidParameterValue",
            f"Iops to volume size ratio of {iops / size:.6f} is too high; maximum is {float(per_gib):.6f}",
        )
    if volume_type == "gp3":
        throughput = GP3_THROUGHPUT[0] if throughput is None else throughput
        _too("Volume throughput", throughput, *GP3_THROUGHPUT)
        if throughput / iops > GP3_THROUGHPUT_PER_IOPS:
            raise AwsError(
                "InvalidParameterValue",
                f"Throughput (MiBps) to iops ratio of {throughput / iops:.6f} is too high; "
                f"maximum is {GP3_THROUGHPUT_PER_IOPS:.6f} MiBps per iops",
            )
    return iops, throughput


# Views ------------------------------------------------------------------------------


def attachment_view(volume: Volume) -> dict[str, Any]:
    return {
        "VolumeId": volume.id,
        "InstanceId": volume.instance_id,
        "Device": volume.device,
        "State": volume.attach_state,
        "AttachTime": volume.attach_time,
        "DeleteOnTermination": volume.delete_on_termination,
    }


def volume_view(volume: Volume) -> dict[str, Any]:
    return {
        "VolumeId": volume.id,
        "Size": volume.size,
        "SnapshotId": volume.snapshot_id,
        "AvailabilityZone": volume.availability_zone,
        "AvailabilityZoneId": volume.availability_zone_id,
        "State": volume.state,
        "CreateTime": volume.create_time,
        "Attachments": [attachment_view(volume)] if volume.instance_id else [],
        "Encrypted": volume.encrypted,
        "KmsKeyId": volume.kms_key_id,
        "VolumeType": volume.volume_type,
        "Iops": volume.iops,
        "Throughput": volume.throughput,
        "MultiAttachEnabled": volume.multi_attach_enabled,
        "Tags": tag_list(volume.tags) or None,
    }


# CreateVolume -----------------------------------------------------------------------


def _check_zone(req: CreateVolumeRequestTypeDef, zone: Zone | None) -> None:
    """The zone must be named once, by name or id, and exist (`zone`: the one it names)."""
    name, zone_id = req.get("AvailabilityZone"), req.get("AvailabilityZoneId")
    if name and zone_id:
        raise AwsError(
            "InvalidParameterCombination",
            "Only one of AvailabilityZone or AvailabilityZoneId can be specified.",
        )
    if not name and not zone_id:
        raise AwsError("MissingParameter", "The request must contain the parameter AvailabilityZone")
    if zone is None:
        raise AwsError("InvalidParameterValue", f"Invalid availability zone: [{name or zone_id}]")


def snapshot_error(snapshot_id: str) -> AwsError:
    """The error for a snapshot id the caller can't use: malformed, else not found."""
    return id_error(snapshot_id, "snap", "InvalidSnapshotID.Malformed") or AwsError(
        "InvalidSnapshot.NotFound", f"The snapshot '{snapshot_id}' does not exist."
    )


def usable_snapshot(ctx: RequestContext, snapshot_id: str, region: str | None = None) -> Snapshot:
    """The snapshot in `region` (default: the request's) if the caller may restore it (own, public, granted)."""
    snapshot = find_usable_snapshot(ctx, snapshot_id, region)  # stored ids are well-formed
    if snapshot is None:
        raise snapshot_error(snapshot_id)
    return snapshot


def _size(req: CreateVolumeRequestTypeDef, snapshot: Snapshot | None) -> int:
    size = req.get("Size", snapshot.volume_size if snapshot else None)
    if size is None:
        raise AwsError("MissingParameter", "The request must contain the parameter size or snapshotId")
    if snapshot is not None and size < snapshot.volume_size:
        raise AwsError(
            "InvalidParameterValue",
            f"Volume of size {size}GiB is smaller than snapshot '{snapshot.id}', "
            f"expect size >= {snapshot.volume_size}GiB",
        )
    return size


def plan_new_volume(ctx: RequestContext, req: CreateVolumeRequestTypeDef) -> NewVolumePlan:
    """The zone and source snapshot (a replay of an earlier request validates nothing more)."""
    plan = NewVolumePlan(
        req, ctx.ec2.zone(req.get("AvailabilityZone") or req.get("AvailabilityZoneId") or "")
    )
    snapshot_id = req.get("SnapshotId")
    plan.snapshot = find_usable_snapshot(ctx, snapshot_id) if snapshot_id else None
    plan.attempt(lambda: setattr(plan, "earlier", replayed(ctx.ec2.volumes, req)))
    if plan.earlier is None:
        plan.attempt(lambda: _check_zone(req, plan.zone))
        if snapshot_id and plan.snapshot is None:
            plan.fail(snapshot_error(snapshot_id))
    return plan


@ec2_action("CreateVolume", resolve=plan_new_volume)
def create_volume(
    ctx: RequestContext, req: CreateVolumeRequestTypeDef, plan: NewVolumePlan
) -> dict[str, Any]:
    if plan.earlier is not None:
        return volume_view(plan.earlier)
    assert plan.zone is not None  # a plan without an error has its zone
    snapshot = plan.snapshot
    size = _size(req, snapshot)
    volume_type = req.get("VolumeType", "gp2")
    iops, throughput = checked_settings(volume_type, size, req.get("Iops"), req.get("Throughput"))
    if req.get("MultiAttachEnabled") and volume_type not in ("io1", "io2"):
        raise AwsError(
            "InvalidParameterCombination",
            f"The parameter multiAttachEnabled is not supported for {volume_type} volumes.",
        )
    encrypted = bool(req.get("Encrypted") or req.get("KmsKeyId") or (snapshot and snapshot.encrypted))
    if req.get("KmsKeyId") and req.get("Encrypted") is False:
        raise AwsError(
            "InvalidParameterDependency", "The parameter KmsKeyId requires the parameter Encrypted to be set."
        )
    volume = Volume(
        ctx.ec2.ids.hex_id("vol"),
        ctx.account_id,
        plan.zone.name,
        plan.zone.zone_id,
        size,
        volume_type,
        ctx.now,
        state="creating",
        snapshot_id=snapshot.id if snapshot else "",
        iops=iops,
        throughput=throughput,
        encrypted=encrypted,
        kms_key_id=req.get("KmsKeyId")
        or (snapshot.kms_key_id if snapshot else None)
        or (default_kms_key(ctx.region, ctx.account_id) if encrypted else None),
        multi_attach_enabled=bool(req.get("MultiAttachEnabled")),
        client_token=req.get("ClientToken"),
        request_fingerprint=fingerprint(req) if req.get("ClientToken") else "",
        tags=tags_for(req.get("TagSpecifications"), "volume", ("volume",)),
    )
    ctx.ec2.volumes.add(volume)
    view = volume_view(volume)
    ctx.ec2.timeline.schedule(ctx.now, "volume.created", ctx.account_id, ctx.region, volume.id)
    return view


@timeline_event("volume.created")
def _created(store: Regions, when: datetime, account_id: str, name: str, volume_id: str) -> None:
    """A new volume is available on the next request."""
    found = region_item(store, account_id, name, "volumes", volume_id)
    if found is not None and found[1].state == "creating":
        found[0].volumes.update(found[1], state="available")


# DescribeVolumes ---------------------------------------------------------------------

_FILTERS = FilterSet(
    {
        "status": lambda v: v.state,
        "availability-zone": lambda v: v.availability_zone,
        "availability-zone-id": lambda v: v.availability_zone_id,
        "size": lambda v: v.size,
        "snapshot-id": lambda v: v.snapshot_id,
        "volume-type": lambda v: v.volume_type,
        "encrypted": lambda v: v.encrypted,
        "create-time": lambda v: v.create_time,
        "multi-attach-enabled": lambda v: v.multi_attach_enabled,
        "fast-restored": lambda v: False,
        "attachment.instance-id": lambda v: v.instance_id,
        "attachment.device": lambda v: v.device,
        "attachment.status": lambda v: v.attach_state,
        "attachment.attach-time": lambda v: v.attach_time,
        "attachment.delete-on-termination": lambda v: v.delete_on_termination if v.instance_id else None,
        "operator.managed": lambda v: False,  # no service-managed volumes are emulated
        "operator.principal": lambda v: None,
    },
    VOLUME,
)


def _listed(region: Ec2Region, req: DescribeVolumesRequestTypeDef) -> list[Volume]:
    """The volumes to filter: by id, by attached instance (index), or all."""
    ids = req.get("VolumeIds")
    if ids:
        return [find_volume(region, volume_id) for volume_id in dict.fromkeys(ids)]
    instances = _FILTERS.values(req.get("Filters"), "attachment.instance-id")
    if instances is not None:
        return [v for i in dict.fromkeys(instances) for v in region.volumes.where("instance_id", i)]
    return list(region.volumes)


@ec2_action("DescribeVolumes", resolve=NO_RESOURCES)
def describe_volumes(ctx: RequestContext, req: DescribeVolumesRequestTypeDef) -> dict[str, Any]:
    if req.get("VolumeIds") and (req.get("MaxResults") or req.get("NextToken")):
        raise AwsError(
            "InvalidParameterCombination",
            "The parameter volumeSet cannot be used with the parameter maxResults",
        )
    volumes = _FILTERS.apply(_listed(ctx.ec2, req), req.get("Filters"))
    page, token = paginate(volumes, req)
    return {"Volumes": [volume_view(v) for v in page], "NextToken": token}


# AttachVolume / DetachVolume --------------------------------------------------------


def _set_device(region: Ec2Region, instance: Instance, volume: Volume, device: BlockDevice | None) -> None:
    """Put (or, with None, drop) the instance's block device for `volume`."""
    devices = [d for d in instance.block_devices if d.volume_id != volume.id]
    region.instances.update(instance, block_devices=devices + ([device] if device else []))


def _set_device_status(region: Ec2Region, instance_id: str | None, volume: Volume, status: str) -> None:
    instance = region.instances.get(instance_id or "")
    current = (
        next((d for d in instance.block_devices if d.volume_id == volume.id), None) if instance else None
    )
    if instance is not None and current is not None:
        _set_device(region, instance, volume, replace(current, status=status))


def plan_attachment(ctx: RequestContext, req: AttachmentRequest) -> VolumePlan:
    """The volume and the instance: the one named, else (DetachVolume) the one it is attached to."""
    plan = plan_volume(ctx, req)
    plan.instance_id = req.get("InstanceId") or (plan.volume.instance_id if plan.volume else None) or ""
    plan.instance = ctx.ec2.instances.get(plan.instance_id) if plan.instance_id else None
    if ctx.action == "AttachVolume" and (plan.instance is None or plan.instance.state == "terminated"):
        plan.fail(instance_not_found(plan.instance_id))
    return plan


@ec2_action("AttachVolume", resolve=plan_attachment)
def attach_volume(ctx: RequestContext, req: AttachVolumeRequestTypeDef, plan: VolumePlan) -> dict[str, Any]:
    region, device = ctx.ec2, req["Device"]
    volume, instance = plan.volume, plan.instance
    assert volume is not None and instance is not None  # a plan without an error resolved them
    if volume.instance_id is not None:
        raise AwsError("VolumeInUse", f"{volume.id} is already attached to an instance")
    if volume.state != "available":
        raise AwsError("IncorrectState", f"The volume '{volume.id}' is not 'available'.")
    if volume.availability_zone != instance.availability_zone:
        raise AwsError(
            "InvalidVolume.ZoneMismatch",
            f"The volume '{volume.id}' is not in the same availability zone as instance '{instance.id}'",
        )
    if instance.state not in ("running", "stopped"):
        raise AwsError("IncorrectState", f"Instance '{instance.id}' is not 'running'.")
    if not _DEVICE_NAME.fullmatch(device):
        raise AwsError(
            "InvalidParameterValue",
            f"Value ({device}) for parameter device is invalid. {device} is not a valid EBS device name.",
        )
    if any(d.device_name == device for d in instance.block_devices):
        raise AwsError(
            "InvalidParameterValue",
            f"Invalid value '{device}' for unixDevice. Attachment point {device} is already in use",
        )
    now = ctx.now.replace(microsecond=0)
    region.volumes.update(
        volume,
        state="in-use",
        instance_id=instance.id,
        device=device,
        attach_state="attaching",
        attach_time=now,
        delete_on_termination=False,
    )
    _set_device(region, instance, volume, BlockDevice(device, volume.id, now, False, status="attaching"))
    view = attachment_view(volume)
    del view["DeleteOnTermination"]  # AWS's AttachVolume answer has no deleteOnTermination

    region.timeline.schedule(ctx.now, "volume.attached", ctx.account_id, ctx.region, volume.id)
    return view


@timeline_event("volume.attached")
def _attached(store: Regions, when: datetime, account_id: str, name: str, volume_id: str) -> None:
    found = region_item(store, account_id, name, "volumes", volume_id)
    if found is not None and found[1].attach_state == "attaching":
        region, volume = found
        region.volumes.update(volume, attach_state="attached")
        _set_device_status(region, volume.instance_id, volume, "attached")


def _check_detach(volume: Volume, instance: Instance | None, req: DetachVolumeRequestTypeDef) -> None:
    """`instance`: the one `volume` is attached to (if it still exists)."""
    if volume.instance_id is None or volume.attach_state not in ("attaching", "attached"):
        raise AwsError("IncorrectState", f"Volume '{volume.id}' is in the '{volume.state}' state.")
    if req.get("InstanceId") and req["InstanceId"] != volume.instance_id:
        raise AwsError(
            "InvalidAttachment.NotFound",
            f"The volume '{volume.id}' is not attached to instance '{req['InstanceId']}'.",
        )
    if req.get("Device") and req["Device"] != volume.device:
        raise AwsError(
            "InvalidAttachment.NotFound",
            f"The volume '{volume.id}' is not attached to instance '{volume.instance_id}' at '{req['Device']}'.",
        )
    if instance is not None and volume.device == instance.root_device_name and instance.state != "stopped":
        raise AwsError(
            "OperationNotPermitted",
            f"Unable to detach root volume '{volume.id}' from instance '{instance.id}'",
        )


@ec2_action("DetachVolume", resolve=plan_attachment)
def detach_volume(ctx: RequestContext, req: DetachVolumeRequestTypeDef, plan: VolumePlan) -> dict[str, Any]:
    region, volume = ctx.ec2, plan.volume
    assert volume is not None  # a plan without an error resolved it
    _check_detach(volume, plan.instance, req)
    region.volumes.update(volume, attach_state="detaching")
    _set_device_status(region, volume.instance_id, volume, "detaching")
    view = attachment_view(volume)
    del view["DeleteOnTermination"]

    region.timeline.schedule(ctx.now, "volume.detached", ctx.account_id, ctx.region, volume.id)
    return view


@timeline_event("volume.detached")
def _detached(store: Regions, when: datetime, account_id: str, name: str, volume_id: str) -> None:
    found = region_item(store, account_id, name, "volumes", volume_id)
    if found is None or found[1].attach_state != "detaching":
        return
    region, volume = found
    instance = region.instances.get(volume.instance_id or "")
    if instance is not None:
        _set_device(region, instance, volume, None)
    region.volumes.update(volume, **DETACHED)


# DeleteVolume / ModifyVolume --------------------------------------------------------


@ec2_action("DeleteVolume", resolve=plan_volume)
def delete_volume(ctx: RequestContext, req: DeleteVolumeRequestTypeDef, plan: VolumePlan) -> None:
    volume = plan.volume
    assert volume is not None  # a plan without an error resolved it
    if volume.instance_id is not None:
        raise AwsError("VolumeInUse", f"Volume {volume.id} is currently attached to {volume.instance_id}")
    ctx.ec2.volumes.remove(volume.id)
