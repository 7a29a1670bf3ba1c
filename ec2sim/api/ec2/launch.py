"""RunInstances: validate the request into a `LaunchPlan`, then build each instance.

Validation happens completely before anything is created, so a failed launch
leaves no trace; building an instance allocates its address, primary network
interface and EBS volumes (the image's mappings merged with the request's).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.common import fingerprint
from ec2sim.api.ec2.iam_profiles import resolve_profile
from ec2sim.api.ec2.instance_attributes import check_architecture, checked_user_data
from ec2sim.api.ec2.tagging import tags_for
from ec2sim.api.ec2.volumes import IOPS_LIMITS, checked_settings, usable_snapshot
from ec2sim.api.errors import AwsError
from ec2sim.store.ec2.images import Image, ImageBlockDevice, find_image
from ec2sim.store.ec2.instance_types import DEFAULT_INSTANCE_TYPE, cpu_options, is_instance_type
from ec2sim.store.ec2.instances import (
    BlockDevice,
    IamProfileAssociation,
    Instance,
    allocate_private_ip,
    default_metadata_options,
    new_mac_address,
    new_public_ip,
)
from ec2sim.store.ec2.network import NetworkInterface, SecurityGroup, Subnet
from ec2sim.store.ec2.volumes import Volume, default_kms_key

CLIENT_TOKEN_LIMIT = 64
TAGGABLE = ("instance", "volume", "network-interface")
_AMI_ID = re.compile(r"ami-([0-9a-f]{8}|[0-9a-f]{17})")
_ENUMS = {
    "InstanceInitiatedShutdownBehavior": ("stop", "terminate"),
    "HttpTokens": ("optional", "required"),
    "HttpEndpoint": ("enabled", "disabled"),
    "HttpProtocolIpv6": ("enabled", "disabled"),
    "InstanceMetadataTags": ("enabled", "disabled"),
}


@dataclass
class LaunchPlan:
    """Everything a valid RunInstances request resolves to."""

    image: Image
    instance_type: str
    subnet: Subnet
    groups: list[SecurityGroup]
    count: int
    devices: list[ImageBlockDevice]
    tags: dict[str, dict[str, str]]
    metadata_options: dict[str, Any]
    key_name: str | None = None
    user_data: str | None = None
    profile: dict[str, Any] | None = None
    fingerprint: str = ""
    options: dict[str, Any] = field(default_factory=dict)


def _invalid(value: Any, parameter: str) -> AwsError:
    return AwsError("InvalidParameterValue", f"Value ({value}) for parameter {parameter} is invalid.")


def _check_enum(name: str, value: Any) -> None:
    if value is not None and value not in _ENUMS[name]:
        raise _invalid(value, name[:1].lower() + name[1:])


# Validation -----------------------------------------------------------------------


def _counts(req: dict[str, Any]) -> tuple[int, int]:
    low, high = req["MinCount"], req["MaxCount"]
    if low < 1:
        raise AwsError("InvalidParameterValue", "Minimum instance count must be greater than zero")
    if high < 1:
        raise AwsError("InvalidParameterValue", "Maximum instance count must be greater than zero")
    if low > high:
        raise AwsError(
            "InvalidParameterValue", "Maximum instance count must not be smaller than minimum instance count"
        )
    return low, high


def _image(ctx: RequestContext, image_id: str | None) -> Image:
    if not image_id:
        raise AwsError("MissingParameter", "The request must contain the parameter ImageId")
    if not _AMI_ID.fullmatch(image_id):
        raise AwsError("InvalidAMIID.Malformed", f'Invalid id: "{image_id}" (expecting "ami-...")')
    image = find_image(ctx.region, ctx.account_id, image_id, ctx.ec2.shared_images)
    if image is None or not image.launchable_by(ctx.account_id):
        raise AwsError("InvalidAMIID.NotFound", f"The image id '[{image_id}]' does not exist")
    return image


def _instance_type(req: dict[str, Any], image: Image) -> str:
    name = req.get("InstanceType", DEFAULT_INSTANCE_TYPE)
    if not is_instance_type(name):
        raise AwsError("InvalidParameterValue", f"Invalid value '{name}' for InstanceType.")
    check_architecture(name, image.architecture)
    return name


def _subnet(ctx: RequestContext, req: dict[str, Any]) -> Subnet:
    """The request's subnet, else the default subnet of its zone (or of the first zone)."""
    zone_name = (req.get("Placement") or {}).get("AvailabilityZone")
    subnet_id = req.get("SubnetId")
    if subnet_id:
        subnet = ctx.ec2.subnets.get(subnet_id)
        if subnet is None:
            raise AwsError("InvalidSubnetID.NotFound", f"The subnet ID '{subnet_id}' does not exist")
        if zone_name and zone_name != subnet.availability_zone:
            raise AwsError("InvalidParameterValue", f"Invalid availability zone: [{zone_name}]")
        return subnet
    if zone_name and ctx.ec2.zone(zone_name) is None:
        raise AwsError("InvalidParameterValue", f"Invalid availability zone: [{zone_name}]")
    subnet = ctx.ec2.default_subnet(zone_name)
    if subnet is None:
        raise AwsError(
            "MissingInput",
            f"No subnets found for the default VPC '{ctx.ec2.default_vpc_id}'. Please specify a subnet.",
        )
    return subnet


def _groups(ctx: RequestContext, req: dict[str, Any], subnet: Subnet) -> list[SecurityGroup]:
    """SecurityGroupIds, SecurityGroups (names, in the default VPC), else the VPC's default group."""
    groups: list[SecurityGroup] = []
    for group_id in req.get("SecurityGroupIds") or ():
        if not group_id.startswith("sg-"):
            raise AwsError("InvalidGroupId.Malformed", f'Invalid id: "{group_id}" (expecting "sg-...")')
        group = ctx.ec2.security_groups.get(group_id)
        if group is None:
            raise AwsError("InvalidGroup.NotFound", f"The security group '{group_id}' does not exist")
        groups.append(group)
    names = req.get("SecurityGroups") or ()
    if names and subnet.vpc_id != ctx.ec2.default_vpc_id:
        raise AwsError(
            "InvalidParameterCombination", "The parameter groupName cannot be used with the parameter subnet"
        )
    for name in names:
        group = next(
            (g for g in ctx.ec2.security_groups.where("vpc_id", subnet.vpc_id) if g.name == name), None
        )
        if group is None:
            raise AwsError(
                "InvalidGroup.NotFound",
                f"The security group '{name}' does not exist in default VPC '{subnet.vpc_id}'",
            )
        groups.append(group)
    for group in groups:
        if group.vpc_id != subnet.vpc_id:
            raise AwsError(
                "InvalidParameter",
                f"Security group {group.id} and subnet {subnet.id} belong to different networks.",
            )
    if not groups:
        default = ctx.ec2.default_security_group(subnet.vpc_id)
        groups = [default] if default is not None else []
    return list({g.id: g for g in groups}.values())


def _key_name(ctx: RequestContext, key_name: str | None) -> str | None:
    if key_name is not None and next(iter(ctx.ec2.key_pairs.where("name", key_name)), None) is None:
        raise AwsError("InvalidKeyPair.NotFound", f"The key pair '{key_name}' does not exist")
    return key_name


def _metadata_options(req: dict[str, Any], image: Image) -> dict[str, Any]:
    options = default_metadata_options(image.imds_support)
    for name, value in (req.get("MetadataOptions") or {}).items():
        if name == "HttpPutResponseHopLimit":
            if not 1 <= value <= 64:
                raise _invalid(value, "HttpPutResponseHopLimit")
        else:
            _check_enum(name, value)
        options[name] = value
    return options


def _block_devices(
    ctx: RequestContext, image: Image, mappings: list[dict[str, Any]] | None
) -> list[ImageBlockDevice]:
    """The image's EBS mappings with the request's merged over them (NoDevice drops one)."""
    devices = {d.device_name: d for d in image.block_devices if not d.no_device and d.virtual_name is None}
    for mapping in mappings or ():
        name = mapping.get("DeviceName")
        if not name:
            raise AwsError("InvalidBlockDeviceMapping", "The device name must be specified.")
        if "NoDevice" in mapping:
            if name == image.root_device_name:
                raise AwsError(
                    "InvalidBlockDeviceMapping",
                    f"The device '{name}' is the root device and cannot be suppressed.",
                )
            devices.pop(name, None)
            continue
        if "VirtualName" in mapping or "Ebs" not in mapping:
            continue  # instance store: not emulated as volumes
        devices[name] = _merged_device(ctx, name, devices.get(name), mapping["Ebs"])
    return list(devices.values())


def _snapshot_size(
    ctx: RequestContext, base: ImageBlockDevice | None, ebs: dict[str, Any]
) -> tuple[str | None, int | None]:
    """The device's snapshot and its size: the request's (which must be usable) or the image's."""

    if "SnapshotId" in ebs and not (base and ebs["SnapshotId"] == base.snapshot_id):
        snapshot = usable_snapshot(ctx, ebs["SnapshotId"])
        return snapshot.id, snapshot.volume_size
    return (base.snapshot_id, base.volume_size) if base else (None, None)


def _merged_device(
    ctx: RequestContext, name: str, base: ImageBlockDevice | None, ebs: dict[str, Any]
) -> ImageBlockDevice:

    snapshot_id, snapshot_size = _snapshot_size(ctx, base, ebs)
    size = ebs.get("VolumeSize", snapshot_size)
    if size is None:
        raise AwsError(
            "InvalidBlockDeviceMapping", f"Either snapshot ID or volume size must be provided for: {name}"
        )
    if snapshot_size is not None and size < snapshot_size:
        raise AwsError(
            "InvalidBlockDeviceMapping",
            f"Volume of size {size}GB is smaller than  snapshot '{snapshot_id}', expect size >= {snapshot_size}GB",
        )
    volume_type = ebs.get("VolumeType", base.volume_type if base else "gp2")
    same = base is not None and base.volume_type == volume_type  # the image's performance carries over
    iops, throughput = checked_settings(
        volume_type,
        size,
        ebs.get("Iops", base.iops if same and volume_type in IOPS_LIMITS else None),
        ebs.get("Throughput", base.throughput if same and volume_type == "gp3" else None),
    )
    return ImageBlockDevice(
        name,
        snapshot_id=snapshot_id,
        volume_size=size,
        volume_type=volume_type,
        delete_on_termination=ebs.get("DeleteOnTermination", base.delete_on_termination if base else True),
        encrypted=ebs.get("Encrypted", base.encrypted if base else False),
        iops=iops,
        throughput=throughput,
    )


def check_client_token(token: str | None) -> None:
    if token is not None and len(token) > CLIENT_TOKEN_LIMIT:
        raise AwsError(
            "InvalidParameterValue",
            f"Value ({token}) for parameter clientToken is invalid. "
            f"Length exceeds maximum of {CLIENT_TOKEN_LIMIT} characters.",
        )


def _quota(ctx: RequestContext, low: int, high: int) -> int:
    """How many of MinCount..MaxCount fit the account-region's limit of pending and running instances."""
    limit = ctx.config.instance_limit
    active = sum(len(ctx.ec2.instances.where("state", state)) for state in ("pending", "running"))
    if active + low > limit:
        raise AwsError(
            "InstanceLimitExceeded",
            f"You have requested more instances ({low}) than your current instance limit of {limit} allows "
            "for the specified instance type. Please visit http://aws.amazon.com/contact-us/ec2-request "
            "to request an adjustment to this limit.",
        )
    return min(high, limit - active)


def plan_launch(ctx: RequestContext, req: dict[str, Any]) -> LaunchPlan:
    """Validate a RunInstances request completely, before anything is created."""
    low, high = _counts(req)
    high = _quota(ctx, low, high)
    image = _image(ctx, req.get("ImageId"))
    instance_type = _instance_type(req, image)
    key_name = _key_name(ctx, req.get("KeyName"))
    subnet = _subnet(ctx, req)
    groups = _groups(ctx, req, subnet)
    free = subnet.available_ip_address_count
    if free < low:
        raise AwsError(
            "InsufficientFreeAddressesInSubnet",
            f"There are not enough free addresses in subnet '{subnet.id}' to satisfy the requested "
            "number of instances.",
        )
    _check_enum("InstanceInitiatedShutdownBehavior", req.get("InstanceInitiatedShutdownBehavior"))
    _profile(ctx, req.get("IamInstanceProfile"), ctx.now)  # validates it
    specs = req.get("TagSpecifications")
    return LaunchPlan(
        image=image,
        instance_type=instance_type,
        subnet=subnet,
        groups=groups,
        count=min(high, free),
        devices=_block_devices(ctx, image, req.get("BlockDeviceMappings")),
        tags={kind: tags_for(specs, kind, TAGGABLE) for kind in TAGGABLE},
        metadata_options=_metadata_options(req, image),
        key_name=key_name,
        user_data=checked_user_data(req.get("UserData")),
        profile=req.get("IamInstanceProfile"),
        fingerprint=fingerprint(req),
        options=req,
    )


# Building -------------------------------------------------------------------------


def build_instance(
    ctx: RequestContext, plan: LaunchPlan, reservation_id: str, index: int
) -> tuple[Instance, NetworkInterface, list[Volume]]:
    """One instance of the plan, with its primary ENI and volumes (not yet stored)."""
    req, image, subnet = plan.options, plan.image, plan.subnet
    now = ctx.now.replace(microsecond=0)  # AWS reports launch and attach times in whole seconds
    instance_id = ctx.ec2.ids.hex_id("i")
    address = allocate_private_ip(ctx.ec2, subnet)
    interface = NetworkInterface(
        ctx.ec2.ids.hex_id("eni"),
        ctx.account_id,
        subnet.id,
        subnet.vpc_id,
        subnet.availability_zone,
        address,
        new_mac_address(),
        group_ids=[g.id for g in plan.groups],
        instance_id=instance_id,
        attachment_id=ctx.ec2.ids.hex_id("eni-attach"),
        tags=dict(plan.tags["network-interface"]),
    )
    volumes = [_volume(ctx, plan, device, instance_id, now) for device in plan.devices]
    cores, threads = cpu_options(plan.instance_type)
    monitoring = (req.get("Monitoring") or {}).get("Enabled")
    instance = Instance(
        instance_id,
        owner_id=ctx.account_id,
        reservation_id=reservation_id,
        image_id=image.id,
        instance_type=plan.instance_type,
        availability_zone=subnet.availability_zone,
        subnet_id=subnet.id,
        vpc_id=subnet.vpc_id,
        network_interface_id=interface.id,
        private_ip_address=address,
        launch_time=now,
        ami_launch_index=index,
        group_ids=[g.id for g in plan.groups],
        key_name=plan.key_name,
        public_ip_address=new_public_ip() if subnet.map_public_ip_on_launch else None,
        client_token=req.get("ClientToken"),
        user_data=plan.user_data,
        architecture=image.architecture,
        platform=image.platform,
        platform_details=image.platform_details,
        usage_operation=image.usage_operation,
        root_device_name=image.root_device_name,
        root_device_type=image.root_device_type,
        virtualization_type=image.virtualization_type,
        hypervisor=image.hypervisor,
        boot_mode=image.boot_mode,
        ena_support=image.ena_support,
        ebs_optimized=bool(req.get("EbsOptimized")),
        monitoring="enabled" if monitoring else "disabled",
        tenancy=(req.get("Placement") or {}).get("Tenancy", "default"),
        kernel_id=req.get("KernelId", image.kernel_id),
        ramdisk_id=req.get("RamdiskId", image.ramdisk_id),
        block_devices=[BlockDevice(v.device or "", v.id, now, v.delete_on_termination) for v in volumes],
        iam_profile=_profile(ctx, plan.profile, now),
        metadata_options=dict(plan.metadata_options),
        disable_api_termination=bool(req.get("DisableApiTermination")),
        disable_api_stop=bool(req.get("DisableApiStop")),
        shutdown_behavior=req.get("InstanceInitiatedShutdownBehavior", "stop"),
        cpu_core_count=cores,
        cpu_threads_per_core=threads,
        hibernation_configured=bool((req.get("HibernationOptions") or {}).get("Configured")),
        enclave_enabled=bool((req.get("EnclaveOptions") or {}).get("Enabled")),
        request_fingerprint=plan.fingerprint,
        tags=dict(plan.tags["instance"]),
    )
    return instance, interface, volumes


def _profile(ctx: RequestContext, spec: dict[str, Any] | None, now: datetime) -> IamProfileAssociation | None:
    return resolve_profile(ctx, spec) if spec is not None else None


def _volume(
    ctx: RequestContext, plan: LaunchPlan, device: ImageBlockDevice, instance_id: str, now: datetime
) -> Volume:
    zone = ctx.ec2.zone(plan.subnet.availability_zone)
    iops = (
        device.iops
        if device.iops is not None
        else (max(100, 3 * device.volume_size) if device.volume_type == "gp2" else None)
    )
    return Volume(
        ctx.ec2.ids.hex_id("vol"),
        ctx.account_id,
        plan.subnet.availability_zone,
        zone.zone_id if zone else plan.subnet.availability_zone_id,
        device.volume_size,
        device.volume_type,
        now,
        state="in-use",
        snapshot_id=device.snapshot_id or "",
        iops=iops,
        throughput=device.throughput,
        encrypted=device.encrypted,
        kms_key_id=default_kms_key(ctx.region, ctx.account_id) if device.encrypted else None,
        instance_id=instance_id,
        device=device.device_name,
        attach_state="attached",
        attach_time=now,
        delete_on_termination=device.delete_on_termination,
        tags=dict(plan.tags["volume"]),
    )
