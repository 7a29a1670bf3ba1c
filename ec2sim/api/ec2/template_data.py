"""Launch template data: what EC2 checks when a version is written, how a version shows it, and
the data GetLaunchTemplateData derives from an instance.

EC2 stores a version's parameters without requiring what they name to exist: CreateLaunchTemplate
and CreateLaunchTemplateVersion answer "If the launch template contains parameters or parameter
combinations that are not valid, an error code and an error message are returned for each issue
that's found" in their ``Warning`` (EC2 API Reference). So the image, key pair, security groups,
subnets, snapshots, instance profile and instance type a version names are checked here and
reported as warnings (codes and messages as RunInstances words them); only malformed input the
parameters' own rules refuse (enumerations, the hop limit, the tag specifications) fails the call.
Assumed: the checks are the ones RunInstances makes on the same parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.authz import key_by_name
from ec2sim.api.ec2.iam_profiles import find_profile
from ec2sim.api.ec2.tagging import tags_for
from ec2sim.api.ec2.volumes import usable_snapshot
from ec2sim.api.errors import AwsError
from ec2sim.api.models import service_model
from ec2sim.api.shapes import Shape
from ec2sim.store.ec2.images import find_image
from ec2sim.store.ec2.instance_types import is_instance_type
from ec2sim.store.ec2.instances import Instance

# Resource types a version's TagSpecifications may tag (LaunchTemplateTagSpecificationRequest).
TEMPLATE_TAGGABLE = (
    "instance",
    "volume",
    "network-interface",
    "spot-instances-request",
    "elastic-gpu",
)
_ENUMS = {
    "InstanceInitiatedShutdownBehavior": ("stop", "terminate"),
    "HttpTokens": ("optional", "required"),
    "HttpEndpoint": ("enabled", "disabled"),
    "HttpProtocolIpv6": ("enabled", "disabled"),
    "InstanceMetadataTags": ("enabled", "disabled"),
}


def _invalid(value: Any, parameter: str) -> AwsError:
    return AwsError("InvalidParameterValue", f"Value ({value}) for parameter {parameter} is invalid.")


def check_data(data: Mapping[str, Any]) -> None:
    """The errors a version's data fails on (not warnings): present, enumerations and bounds, tags."""
    if not data:
        raise AwsError(
            "MissingParameter",
            "No launch template data was provided. Launch template data is required to create a launch template.",
        )
    behaviour = data.get("InstanceInitiatedShutdownBehavior")
    options: Mapping[str, Any] = data.get("MetadataOptions") or {}
    for name, value in [("InstanceInitiatedShutdownBehavior", behaviour), *options.items()]:
        if name == "HttpPutResponseHopLimit":
            if not 1 <= value <= 64:
                raise _invalid(value, "HttpPutResponseHopLimit")
        elif value is not None and name in _ENUMS and value not in _ENUMS[name]:
            raise _invalid(value, name[:1].lower() + name[1:])
    for kind in TEMPLATE_TAGGABLE:
        tags_for(data.get("TagSpecifications"), kind, TEMPLATE_TAGGABLE)
    profile = data.get("IamInstanceProfile") or {}
    if profile.get("Arn") is not None and profile.get("Name") is not None:
        raise AwsError(
            "InvalidParameterCombination",
            "The parameter 'iamInstanceProfile.name' may not be used in combination with 'iamInstanceProfile.arn'",
        )


def warnings(ctx: RequestContext, data: Mapping[str, Any]) -> list[dict[str, str]]:
    """What RunInstances would refuse in the data, as ``ValidationError`` items (code, message)."""
    found: list[tuple[str, str]] = []
    image_id = data.get("ImageId")
    image = find_image(ctx.region, ctx.account_id, image_id, ctx.ec2.shared_images) if image_id else None
    if image_id and image is None and not image_id.startswith("resolve:ssm:"):
        found.append(("InvalidAMIID.NotFound", f"The image id '[{image_id}]' does not exist"))
    instance_type = data.get("InstanceType")
    if instance_type and not is_instance_type(instance_type):
        found.append(("InvalidParameterValue", f"Invalid value '{instance_type}' for InstanceType."))
    key = data.get("KeyName")
    if key and key_by_name(ctx, key) is None:
        found.append(("InvalidKeyPair.NotFound", f"The key pair '{key}' does not exist"))
    interfaces = data.get("NetworkInterfaces") or []
    group_ids = [
        *(data.get("SecurityGroupIds") or []),
        *(g for i in interfaces for g in i.get("Groups") or []),
    ]
    for group_id in dict.fromkeys(group_ids):
        if ctx.ec2.security_groups.get(group_id) is None:
            found.append(("InvalidGroup.NotFound", f"The security group '{group_id}' does not exist"))
    for subnet_id in dict.fromkeys(i["SubnetId"] for i in interfaces if i.get("SubnetId")):
        if ctx.ec2.subnets.get(subnet_id) is None:
            found.append(("InvalidSubnetID.NotFound", f"The subnet ID '{subnet_id}' does not exist"))
    for mapping in data.get("BlockDeviceMappings") or []:
        snapshot_id = (mapping.get("Ebs") or {}).get("SnapshotId")
        try:
            if snapshot_id and not (image is not None and snapshot_id in image.snapshot_ids):
                usable_snapshot(ctx, snapshot_id)  # the image's own snapshots come with it
        except AwsError as error:
            found.append((error.code, error.message))
    profile = data.get("IamInstanceProfile")
    if profile and find_profile(ctx, profile) is None:
        named = profile.get("Arn") or profile.get("Name")
        found.append(
            ("InvalidParameterValue", f"Value ({named}) for parameter iamInstanceProfile is invalid.")
        )
    return [{"Code": code, "Message": message} for code, message in found]


# The response shape --------------------------------------------------------------------------


def fit(value: Any, shape: Shape) -> Any:
    """`value` (in a request shape) with only what `shape` (its response shape) has: members the
    response shape lacks are dropped, so the model-driven renderer can write it."""
    if shape.type_name == "structure" and isinstance(value, Mapping):
        members = shape.members
        return {k: fit(v, members[k]) for k, v in value.items() if k in members and v is not None}
    if shape.type_name == "list" and isinstance(value, list):
        return [fit(item, shape.member) for item in value]
    return value


def response_data(data: Mapping[str, Any]) -> dict[str, Any]:
    """A version's data as ``ResponseLaunchTemplateData``."""
    fitted: dict[str, Any] = fit(data, service_model("ec2").shape_for("ResponseLaunchTemplateData"))
    return fitted


# From an instance ----------------------------------------------------------------------------


def _block_devices(ctx: RequestContext, instance: Instance) -> list[dict[str, Any]]:
    mappings = []
    for device in instance.block_devices:
        volume = ctx.ec2.volumes.get(device.volume_id)
        ebs: dict[str, Any] = {"DeleteOnTermination": device.delete_on_termination}
        if volume is not None:
            ebs.update(
                Encrypted=volume.encrypted,
                SnapshotId=volume.snapshot_id or None,
                VolumeSize=volume.size,
                VolumeType=volume.volume_type,
                Iops=volume.iops,
                Throughput=volume.throughput,
            )
        mappings.append(
            {"DeviceName": device.device_name, "Ebs": {k: v for k, v in ebs.items() if v is not None}}
        )
    return mappings


def instance_data(ctx: RequestContext, instance: Instance) -> dict[str, Any]:
    """The launch parameters of an instance, as GetLaunchTemplateData gives them."""
    interface: dict[str, Any] = {
        "AssociatePublicIpAddress": instance.public_ip_address is not None,
        "DeleteOnTermination": True,
        "Description": "",
        "DeviceIndex": 0,
        "Groups": list(instance.group_ids),
        "InterfaceType": "interface",
        "Ipv6Addresses": [],
        "PrivateIpAddresses": [{"Primary": True, "PrivateIpAddress": instance.private_ip_address}],
        "SubnetId": instance.subnet_id,
        "NetworkCardIndex": 0,
    }
    options = {k: v for k, v in instance.metadata_options.items() if k != "State"}
    data: dict[str, Any] = {
        "EbsOptimized": instance.ebs_optimized,
        "BlockDeviceMappings": _block_devices(ctx, instance),
        "NetworkInterfaces": [interface],
        "ImageId": instance.image_id,
        "InstanceType": instance.instance_type,
        "KeyName": instance.key_name,
        "Monitoring": {"Enabled": instance.monitoring == "enabled"},
        "Placement": {
            "AvailabilityZone": instance.availability_zone,
            "GroupName": "",
            "Tenancy": instance.tenancy,
        },
        "KernelId": instance.kernel_id,
        "RamDiskId": instance.ramdisk_id,
        "DisableApiTermination": instance.disable_api_termination,
        "DisableApiStop": instance.disable_api_stop,
        "InstanceInitiatedShutdownBehavior": instance.shutdown_behavior,
        "UserData": instance.user_data,
        "CpuOptions": {"CoreCount": instance.cpu_core_count, "ThreadsPerCore": instance.cpu_threads_per_core},
        "CapacityReservationSpecification": {
            "CapacityReservationPreference": instance.capacity_reservation_preference
        },
        "HibernationOptions": {"Configured": instance.hibernation_configured},
        "MetadataOptions": options,
        "EnclaveOptions": {"Enabled": instance.enclave_enabled},
        "MaintenanceOptions": {"AutoRecovery": instance.auto_recovery},
        "PrivateDnsNameOptions": {
            "HostnameType": instance.hostname_type,
            "EnableResourceNameDnsARecord": False,
            "EnableResourceNameDnsAAAARecord": False,
        },
    }
    if instance.iam_profile is not None:
        data["IamInstanceProfile"] = {"Arn": instance.iam_profile.profile_arn}
    tags = {k: v for k, v in instance.tags.items() if not k.startswith("aws:")}
    if tags:
        tag_list = [{"Key": k, "Value": v} for k, v in tags.items()]
        data["TagSpecifications"] = [{"ResourceType": "instance", "Tags": tag_list}]
    return {k: v for k, v in data.items() if v is not None}
