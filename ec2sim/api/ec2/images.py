"""CreateImage, RegisterImage, CopyImage and DeregisterImage.

A new image is `pending`, then `available` after `Config.image_available_seconds`
of emulated time (at once by default). EBS images are backed by snapshots the
caller owns: CreateImage snapshots the instance's volumes, CopyImage copies the
source's snapshots into the request's region, RegisterImage uses existing ones.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.common import fingerprint, idempotent_mismatch
from ec2sim.api.ec2.image_views import (
    check_name,
    check_source_region,
    lookup_image,
    plan_owned_image,
    require_visible,
    resolved,
)
from ec2sim.api.ec2.plans import resolve_instances
from ec2sim.api.ec2.storage_plans import (
    CopyImagePlan,
    ImagePlan,
    NewImagePlan,
    RegisteredImagePlan,
    attached_volumes,
    find_usable_snapshot,
)
from ec2sim.api.ec2.tagging import tags_for
from ec2sim.api.ec2.volumes import check_id, checked_settings
from ec2sim.api.errors import AwsError
from ec2sim.api.registry import ec2_action
from ec2sim.store.ec2.images import Image, ImageBlockDevice, public_images
from ec2sim.store.ec2.region import Ec2Region, Regions
from ec2sim.store.ec2.snapshots import Snapshot
from ec2sim.store.ec2.volumes import Volume, default_kms_key
from ec2sim.store.timeline import timeline_event

if TYPE_CHECKING:
    from types_boto3_ec2.type_defs import (
        CopyImageRequestTypeDef,
        CreateImageRequestTypeDef,
        DeregisterImageRequestTypeDef,
        RegisterImageRequestTypeDef,
    )

TAGGABLE = ("image", "snapshot")


def _new_snapshot(
    region: Ec2Region,
    size: int,
    volume_id: str,
    now: datetime,
    description: str,
    kms_key_id: str | None,
    tags: dict[str, str],
) -> Snapshot:
    """A completed snapshot; encrypted when it has a key (`kms_key_id`)."""
    snapshot = Snapshot(
        region.ids.hex_id("snap"),
        owner_id=region.account_id,
        region=region.name,
        volume_id=volume_id,
        volume_size=size,
        start_time=now,
        description=description,
        encrypted=kms_key_id is not None,
        kms_key_id=kms_key_id,
        tags=dict(tags),
    )
    return region.add_snapshot(snapshot)


def _publish(ctx: RequestContext, image: Image) -> str:
    """Add a pending image; it becomes available after the configured emulated time."""
    region = ctx.ec2
    region.add_image(image)
    seconds = ctx.config.image_available_seconds
    if seconds > 0:
        when = ctx.now + timedelta(seconds=seconds)
        region.timeline.schedule(when, "image.available", ctx.account_id, ctx.region, image.id)
    else:
        _available(ctx.store, ctx.now, ctx.account_id, ctx.region, image.id)
    return image.id


@timeline_event("image.available")
def _available(store: Regions, when: datetime, account_id: str, name: str, image_id: str) -> None:
    region = store.find_region(account_id, name)
    image = region.images.get(image_id) if region is not None else None
    if region is not None and image is not None and image.state == "pending":
        region.images.update(image, state="available")


def _override(device: ImageBlockDevice | None, mapping: Mapping[str, Any]) -> ImageBlockDevice:
    """A request's block device mapping applied over an existing device (or a new one)."""
    name = mapping.get("DeviceName")
    if not name:
        raise AwsError("InvalidBlockDeviceMapping", "The device name must be specified.")
    if "NoDevice" in mapping:
        return ImageBlockDevice(name, no_device=True)
    if "VirtualName" in mapping:
        return ImageBlockDevice(name, virtual_name=mapping["VirtualName"])
    ebs = mapping.get("Ebs", {})
    base = device or ImageBlockDevice(name, volume_size=ebs.get("VolumeSize", 0), volume_type="gp2")
    changes = {
        "volume_size": ebs.get("VolumeSize"),
        "volume_type": ebs.get("VolumeType"),
        "delete_on_termination": ebs.get("DeleteOnTermination"),
        "iops": ebs.get("Iops"),
        "throughput": ebs.get("Throughput"),
        "encrypted": ebs.get("Encrypted"),
        "snapshot_id": ebs.get("SnapshotId"),
    }
    merged = dataclasses.replace(base, **{k: v for k, v in changes.items() if v is not None})
    if merged.snapshot_id is None and merged.volume_size <= 0:
        raise AwsError(
            "InvalidBlockDeviceMapping", f"Either snapshot ID or volume size must be provided for: {name}"
        )
    if ebs:
        retyped = merged.volume_type != base.volume_type
        keep = not retyped and merged.volume_type != "gp2"  # gp2's IOPS are derived, never requested
        checked_settings(
            merged.volume_type,
            merged.volume_size,
            ebs.get("Iops", merged.iops if keep else None),
            ebs.get("Throughput", merged.throughput if keep else None),
        )
    return merged


# CreateImage ------------------------------------------------------------------------


def _instance_devices(
    ctx: RequestContext,
    plan: NewImagePlan,
    image_id: str,
    mappings: Sequence[Mapping[str, Any]],
    tags: dict[str, str],
) -> list[ImageBlockDevice]:
    """The instance's EBS volumes with the request's mappings over them, then a snapshot of
    each volume still mapped (validated completely before any snapshot is taken)."""
    instance = plan.instance
    mapped: dict[str, tuple[ImageBlockDevice, Volume | None]] = {}
    for attached, volume in zip(instance.block_devices, plan.volumes, strict=True):
        if volume is not None:
            device = ImageBlockDevice(
                attached.device_name,
                volume_size=volume.size,
                volume_type=volume.volume_type,
                delete_on_termination=attached.delete_on_termination,
                encrypted=volume.encrypted,
                iops=volume.iops,
                throughput=volume.throughput,
            )
            mapped[attached.device_name] = (device, volume)
    for mapping in mappings:
        base, volume = mapped.get(mapping.get("DeviceName", ""), (None, None))
        device = _override(base, mapping)
        mapped[device.device_name] = (device, volume)
    devices = []
    for device, volume in mapped.values():
        if (
            volume is not None
            and device.snapshot_id is None
            and not device.no_device
            and not device.virtual_name
        ):
            description = f"Created by CreateImage({instance.id}) for {image_id}"
            key = (
                (volume.kms_key_id or default_kms_key(ctx.region, ctx.account_id))
                if volume.encrypted
                else None
            )
            snapshot = _new_snapshot(ctx.ec2, volume.size, volume.id, ctx.now, description, key, tags)
            device = dataclasses.replace(device, snapshot_id=snapshot.id)
        devices.append(device)
    return devices


def plan_create_image(ctx: RequestContext, req: CreateImageRequestTypeDef) -> NewImagePlan:
    plan = NewImagePlan({}, req=req)
    resolve_instances(ctx, [req["InstanceId"]], plan)
    if plan.error is None:
        plan.volumes = attached_volumes(ctx, plan.instance)
        image_id = plan.instance.image_id
        plan.source = public_images(ctx.region).get(image_id) or ctx.ec2.shared_images.get(image_id)
    return plan


@ec2_action("CreateImage", resolve=plan_create_image)
def create_image(ctx: RequestContext, req: CreateImageRequestTypeDef, plan: NewImagePlan) -> dict[str, Any]:
    instance = plan.instance
    if instance.state not in ("running", "stopped"):
        raise AwsError(
            "IncorrectInstanceState",
            f"The instance '{instance.id}' is not in a state from which it can be imaged.",
        )
    check_name(ctx, req["Name"])
    specs = req.get("TagSpecifications")
    image_tags, snapshot_tags = tags_for(specs, "image", TAGGABLE), tags_for(specs, "snapshot", TAGGABLE)
    image_id = ctx.ec2.ids.hex_id("ami")
    source = plan.source
    devices = _instance_devices(ctx, plan, image_id, req.get("BlockDeviceMappings") or [], snapshot_tags)
    image = Image(
        image_id,
        owner_id=ctx.account_id,
        name=req["Name"],
        description=req.get("Description", ""),
        architecture=instance.architecture,
        root_device_name=instance.root_device_name,
        block_devices=devices,
        creation_date=ctx.now,
        region=ctx.region,
        platform=instance.platform,
        platform_details=instance.platform_details,
        usage_operation=instance.usage_operation,
        state="pending",
        root_device_type=instance.root_device_type,
        virtualization_type=instance.virtualization_type,
        hypervisor=instance.hypervisor,
        ena_support=instance.ena_support,
        sriov_net_support=source.sriov_net_support if source else "simple",
        boot_mode=instance.boot_mode,
        imds_support=source.imds_support if source else None,
        tpm_support=source.tpm_support if source else None,
        kernel_id=instance.kernel_id,
        ramdisk_id=instance.ramdisk_id,
        source_instance_id=instance.id,
        tags=image_tags,
    )
    return {"ImageId": _publish(ctx, image)}


# RegisterImage ---------------------------------------------------------------------


def _registered_devices(
    ctx: RequestContext, req: RegisterImageRequestTypeDef, plan: RegisteredImagePlan
) -> None:
    devices = plan.devices
    for mapping in req.get("BlockDeviceMappings") or ():
        snapshot_id = (mapping.get("Ebs") or {}).get("SnapshotId")
        base = None
        if snapshot_id:
            check_id(snapshot_id, "snap", "InvalidSnapshotID.Malformed")
            # Only the caller's own snapshots: another owner could delete a shared one under the
            # image (AWS's documented path is CopySnapshot, then register the copy).
            snapshot = plan.snapshots[snapshot_id]
            if snapshot is None or snapshot.owner_id != ctx.account_id:
                raise AwsError("InvalidSnapshot.NotFound", f"The snapshot '{snapshot_id}' does not exist.")
            base = ImageBlockDevice(
                mapping.get("DeviceName", ""),
                snapshot_id=snapshot.id,
                volume_size=snapshot.volume_size,
                volume_type="gp2",
                encrypted=snapshot.encrypted,
            )
        devices.append(_override(base, mapping))


# Enumerated RegisterImage parameters: the model's enums (VirtualizationType is a plain string there,
# documented as hvm | paravirtual).
_REGISTER_ENUMS: dict[str, tuple[str, ...]] = {
    "Architecture": ("i386", "x86_64", "arm64", "x86_64_mac", "arm64_mac"),
    "VirtualizationType": ("hvm", "paravirtual"),
    "BootMode": ("legacy-bios", "uefi", "uefi-preferred"),
    "TpmSupport": ("v2.0",),
    "ImdsSupport": ("v2.0",),
}


def _check_enums(req: RegisterImageRequestTypeDef) -> None:
    for name, allowed in _REGISTER_ENUMS.items():
        value = req.get(name)
        if value is not None and value not in allowed:
            parameter = name[:1].lower() + name[1:]
            raise AwsError("InvalidParameterValue", f"Value ({value}) for parameter {parameter} is invalid.")


def _ebs_root(devices: list[ImageBlockDevice], root_name: str | None) -> ImageBlockDevice | None:
    return next((d for d in devices if d.device_name == root_name and d.snapshot_id), None)


def _check_registration(
    ctx: RequestContext, req: RegisterImageRequestTypeDef, plan: RegisteredImagePlan
) -> None:
    check_name(ctx, req["Name"])
    _check_enums(req)
    location, root_name = req.get("ImageLocation"), req.get("RootDeviceName")
    if not location and not root_name:
        raise AwsError("MissingParameter", "The request must contain the parameter rootDeviceName")
    _registered_devices(ctx, req, plan)
    if not location and _ebs_root(plan.devices, root_name) is None:
        raise AwsError(
            "InvalidBlockDeviceMapping",
            f"The root device {root_name} must have a block device mapping with a snapshot.",
        )


def plan_register_image(ctx: RequestContext, req: RegisterImageRequestTypeDef) -> RegisteredImagePlan:
    """Each snapshot the mappings name (looked up once), then the validated devices."""
    plan = RegisteredImagePlan(req)
    ids = [(m.get("Ebs") or {}).get("SnapshotId") for m in req.get("BlockDeviceMappings") or ()]
    plan.snapshots = {i: find_usable_snapshot(ctx, i) for i in ids if i}
    plan.attempt(lambda: _check_registration(ctx, req, plan))
    return plan


@ec2_action("RegisterImage", resolve=plan_register_image)
def register_image(
    ctx: RequestContext, req: RegisterImageRequestTypeDef, plan: RegisteredImagePlan
) -> dict[str, Any]:
    location, root_name, devices = req.get("ImageLocation"), req.get("RootDeviceName"), plan.devices
    ebs_root = _ebs_root(devices, root_name)
    image = Image(
        ctx.ec2.ids.hex_id("ami"),
        owner_id=ctx.account_id,
        name=req["Name"],
        description=req.get("Description", ""),
        architecture=req.get("Architecture", "x86_64"),
        root_device_name=root_name or "/dev/sda1",
        block_devices=devices,
        creation_date=ctx.now,
        region=ctx.region,
        state="pending",
        root_device_type="ebs" if ebs_root is not None else "instance-store",
        image_location=location,
        virtualization_type=req.get("VirtualizationType", "paravirtual"),
        ena_support=req.get("EnaSupport", False),
        sriov_net_support=req.get("SriovNetSupport"),
        boot_mode=req.get("BootMode"),
        tpm_support=req.get("TpmSupport"),
        imds_support=req.get("ImdsSupport"),
        uefi_data=req.get("UefiData"),
        kernel_id=req.get("KernelId"),
        ramdisk_id=req.get("RamdiskId"),
        tags=tags_for(req.get("TagSpecifications"), "image", ("image",)),
    )
    return {"ImageId": _publish(ctx, image)}


# CopyImage -------------------------------------------------------------------------


def _check_storage_access(ctx: RequestContext, source: Image, plan: CopyImagePlan) -> None:
    """Another owner's AMI may be copied only with createVolumePermission on its snapshots."""
    if source.owner_id == ctx.account_id or source.id in public_images(source.region):
        return
    registry = ctx.ec2.shared_snapshots
    for snapshot in plan.snapshots.values():
        if snapshot is None or not registry.usable_by(snapshot, ctx.account_id):
            raise AwsError("InvalidRequest", "You do not have permission to access the storage of this ami")


def _copied_devices(
    ctx: RequestContext, source: Image, image_id: str, req: CopyImageRequestTypeDef, tags: dict[str, str]
) -> list[ImageBlockDevice]:
    encrypted = bool(req.get("Encrypted"))
    key = req.get("KmsKeyId") or default_kms_key(ctx.region, ctx.account_id)
    devices = []
    for device in source.block_devices:
        if device.snapshot_id is None or device.no_device:
            devices.append(device)
            continue
        description = (
            f"Copied for DestinationAmi {image_id} from SourceAmi {source.id} for SourceSnapshot "
            f"{device.snapshot_id}. Task created on {int(ctx.now.timestamp() * 1000):,}."
        )
        secure = encrypted or device.encrypted
        snapshot = _new_snapshot(
            ctx.ec2, device.volume_size, "vol-ffffffff", ctx.now, description, key if secure else None, tags
        )
        devices.append(dataclasses.replace(device, snapshot_id=snapshot.id, encrypted=secure))
    return devices


def plan_copy_image(ctx: RequestContext, req: CopyImageRequestTypeDef) -> CopyImagePlan:
    """The source image in its region, or the image an earlier request (same ClientToken) made."""
    token, region = req.get("ClientToken"), req["SourceRegion"]
    source_id = req["SourceImageId"]
    plan = CopyImagePlan(source_id, lookup_image(ctx, source_id, region), region, req=req)
    earlier = next(iter(ctx.ec2.images.where("client_token", token)), None) if token else None
    if earlier is not None:  # a replay is answered with what the first request made
        if earlier.request_fingerprint != fingerprint(req):
            plan.fail(idempotent_mismatch())
        plan.earlier = earlier.id
        return plan
    plan.attempt(lambda: check_source_region(region))
    require_visible(plan)
    plan.find_snapshots(ctx)
    return plan


@ec2_action("CopyImage", resolve=plan_copy_image)
def copy_image(ctx: RequestContext, req: CopyImageRequestTypeDef, plan: CopyImagePlan) -> dict[str, Any]:
    if plan.earlier is not None:
        return {"ImageId": plan.earlier}
    token = req.get("ClientToken")
    source = resolved(plan)
    _check_storage_access(ctx, source, plan)
    check_name(ctx, req["Name"])
    specs = req.get("TagSpecifications")
    image_tags = dict(source.tags) if req.get("CopyImageTags") and source.owner_id == ctx.account_id else {}
    image_tags.update(tags_for(specs, "image", TAGGABLE))
    image_id = ctx.ec2.ids.hex_id("ami")
    devices = _copied_devices(ctx, source, image_id, req, tags_for(specs, "snapshot", TAGGABLE))
    description = req.get("Description", f"[Copied {source.id} from {source.region}] {source.name}")
    image = dataclasses.replace(
        source,
        id=image_id,
        owner_id=ctx.account_id,
        name=req["Name"],
        description=description,
        block_devices=devices,
        creation_date=ctx.now,
        region=ctx.region,
        image_owner_alias=None,
        public=False,
        state="pending",
        shared_with=set(),
        organization_arns=set(),
        organizational_unit_arns=set(),
        source_image_id=source.id,
        source_image_region=source.region,
        source_instance_id=None,
        deprecation_time=None,
        client_token=token,
        request_fingerprint=fingerprint(req) if token else "",
        tags=image_tags,
        image_location=f"{ctx.account_id}/{req['Name']}"
        if source.root_device_type == "ebs"
        else source.image_location,
    )
    return {"ImageId": _publish(ctx, image)}


# DeregisterImage -------------------------------------------------------------------


@ec2_action("DeregisterImage", resolve=plan_owned_image)
def deregister_image(
    ctx: RequestContext, req: DeregisterImageRequestTypeDef, plan: ImagePlan
) -> dict[str, Any]:
    """The image goes; its snapshots stay unless DeleteAssociatedSnapshots; instances keep running."""
    image = resolved(plan)
    ctx.ec2.remove_image(image.id)
    results = None
    if req.get("DeleteAssociatedSnapshots"):
        results = []
        for snapshot_id, snapshot in plan.snapshots.items():
            if snapshot is not None and snapshot.owner_id == ctx.account_id and snapshot.region == ctx.region:
                ctx.ec2.remove_snapshot(snapshot_id)
                results.append({"SnapshotId": snapshot_id, "ReturnCode": "success"})
    return {"Return": True, "DeleteSnapshotResults": results}
