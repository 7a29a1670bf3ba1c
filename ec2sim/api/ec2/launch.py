"""RunInstances: resolve the request into a `LaunchPlan`, then build each instance.

The plan looks up every resource the launch uses, once: the image, subnet, security groups,
key pair and instance profile, and the new volumes (the image's mappings merged with the
request's). It yields RunInstances' checks from them: the new instance (``instance/*``: type,
zone, profile, metadata options, tenancy, request tags), the image, the subnet and the new
network interface, each security group, each new volume and the key pair (those that don't
resolve: on the ARN the request names); passing an instance profile also needs iam:PassRole on
its role, and TagSpecifications need ec2:CreateTags with ec2:CreateAction = "RunInstances" on
each resource type they tag. It records the first error in AWS's order, raised once the caller
is authorized, before anything is created: a failed launch leaves no trace. Building an
instance allocates its address, primary network interface and EBS volumes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from ec2sim.api.authorization import Check, Plan
from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.authz import (
    Keys,
    arn,
    key_by_name,
    region_keys,
    resource_check,
    spec_tags,
    tag_on_create,
    unresolved,
    vpc_arn,
)
from ec2sim.api.ec2.common import fingerprint, idempotent_mismatch
from ec2sim.api.ec2.iam_profiles import check_profile, find_profile, pass_profile_roles
from ec2sim.api.ec2.instance_attributes import check_architecture, checked_user_data
from ec2sim.api.ec2.launch_interfaces import (
    InterfaceSpec,
    interface_checks,
    primary_subnet,
    resolve_interfaces,
)
from ec2sim.api.ec2.tagging import tags_for
from ec2sim.api.ec2.template_launch import TemplateUse, resolve_template, template_checks
from ec2sim.api.ec2.volumes import IOPS_LIMITS, checked_settings, usable_snapshot
from ec2sim.api.errors import AwsError
from ec2sim.iam.context_keys import request_tags
from ec2sim.store.ec2.images import Image, ImageBlockDevice, find_image
from ec2sim.store.ec2.instance_types import DEFAULT_INSTANCE_TYPE, is_instance_type, offered
from ec2sim.store.ec2.instances import Instance, default_metadata_options
from ec2sim.store.ec2.keypairs import KeyPair
from ec2sim.store.ec2.network import SecurityGroup, Subnet
from ec2sim.store.iam.entities import InstanceProfile
from ec2sim.store.resources import flag

if TYPE_CHECKING:
    from types_boto3_ec2.type_defs import RunInstancesRequestTypeDef

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
class LaunchPlan(Plan):
    """Everything a RunInstances request resolves to (what doesn't resolve stays None)."""

    req: RunInstancesRequestTypeDef
    image: Image | None = None
    subnet: Subnet | None = None
    groups: list[SecurityGroup] = field(default_factory=list)
    missing_groups: list[str] = field(default_factory=list)  # SecurityGroupIds that don't resolve
    key: KeyPair | None = None
    profile: InstanceProfile | None = None
    instance_type: str = DEFAULT_INSTANCE_TYPE
    count: int = 0
    devices: list[ImageBlockDevice] = field(default_factory=list)
    tags: dict[str, dict[str, str]] = field(default_factory=dict)
    metadata_options: dict[str, Any] = field(default_factory=dict)
    user_data: str | None = None
    fingerprint: str = ""
    earlier: list[Instance] = field(default_factory=list)  # what an earlier request, same ClientToken, made
    template: TemplateUse | None = None  # the LaunchTemplate the request names (merged into `req`)
    interfaces: list[InterfaceSpec] = field(default_factory=list)  # device index 0 first

    def attempt(self, step: Callable[[], object]) -> None:
        """Run one validation step; its error is the plan's unless an earlier step failed."""
        try:
            step()
        except AwsError as error:
            self.fail(error)

    @property
    def zone(self) -> str | None:
        return (
            self.subnet.availability_zone
            if self.subnet
            else (self.req.get("Placement") or {}).get("AvailabilityZone")
        )

    @property
    def system_tags(self) -> dict[str, str]:
        """The tags AWS adds to an instance (``aws:ec2launchtemplate:*``), not the caller's."""
        return self.template.system_tags if self.template is not None else {}

    def checks(self, ctx: RequestContext) -> Iterator[Check]:
        return template_checks(ctx, self.template, self._checks(ctx))

    def _checks(self, ctx: RequestContext) -> Iterator[Check]:
        req, subnet, zone = self.req, self.subnet, self.zone
        yield _new(ctx, "instance", self._instance_keys(), self.tags["instance"])
        if self.image is not None:
            yield resource_check(ctx, _ACTION, self.image)
        elif req.get("ImageId"):
            yield unresolved(ctx, _ACTION, "image", req["ImageId"])
        if req.get("NetworkInterfaces"):
            new_interface = lambda keys: _new(ctx, "network-interface", keys, self.tags["network-interface"])  # noqa: E731
            yield from interface_checks(ctx, _ACTION, self, new_interface)
        if subnet is None and req.get("SubnetId"):
            yield unresolved(ctx, _ACTION, "subnet", req["SubnetId"])
        if subnet is not None and not req.get("NetworkInterfaces"):
            yield resource_check(ctx, _ACTION, subnet)
            interface: Keys = {
                "ec2:Subnet": arn(ctx, "subnet", subnet.id),
                "ec2:Vpc": vpc_arn(ctx, subnet.vpc_id),
                "ec2:AvailabilityZone": subnet.availability_zone,
            }
            yield _new(ctx, "network-interface", interface, self.tags["network-interface"])
        for group in self.groups if not req.get("NetworkInterfaces") else ():
            yield resource_check(ctx, _ACTION, group)
        for group_id in self.missing_groups:
            yield unresolved(ctx, _ACTION, "security-group", group_id)
        for device in self.devices:
            keys = _device_keys(device)
            yield _new(
                ctx, "volume", {"ec2:AvailabilityZone": zone, **keys} if zone else keys, self.tags["volume"]
            )
        if req.get("KeyName"):
            key = self.key
            yield (
                resource_check(ctx, _ACTION, key)
                if key
                else unresolved(ctx, _ACTION, "key-pair", req["KeyName"])
            )
        yield from pass_profile_roles(ctx, self.profile)
        for kind, kind_tags in self.tags.items():
            if kind_tags:
                yield tag_on_create(ctx, arn(ctx, kind, "*"), kind_tags)

    def _instance_keys(self) -> Keys:
        req, options = self.req, self.metadata_options
        keys: Keys = {
            "ec2:InstanceType": req.get("InstanceType", DEFAULT_INSTANCE_TYPE),
            "ec2:Tenancy": (req.get("Placement") or {}).get("Tenancy", "default"),
            "ec2:EbsOptimized": flag(bool(req.get("EbsOptimized"))),
            "ec2:MetadataHttpTokens": options["HttpTokens"],
            "ec2:MetadataHttpEndpoint": options["HttpEndpoint"],
            "ec2:MetadataHttpPutResponseHopLimit": str(options["HttpPutResponseHopLimit"]),
            "ec2:InstanceMetadataTags": options["InstanceMetadataTags"],
        }
        if self.image is not None:
            keys["ec2:RootDeviceType"] = self.image.root_device_type
        if self.zone:
            keys["ec2:AvailabilityZone"] = self.zone
        if self.profile is not None:
            keys["ec2:InstanceProfile"] = self.profile.arn
        return keys


_ACTION = "ec2:RunInstances"


def _new(ctx: RequestContext, kind: str, keys: Keys, tags: dict[str, str]) -> Check:
    return Check(_ACTION, arn(ctx, kind, "*"), region_keys(ctx, {**keys, **request_tags(tags)}))


def _device_keys(device: ImageBlockDevice) -> Keys:
    keys: Keys = {"ec2:VolumeType": device.volume_type, "ec2:Encrypted": flag(device.encrypted)}
    if device.volume_size:
        keys["ec2:VolumeSize"] = str(device.volume_size)
    if device.iops is not None:
        keys["ec2:VolumeIops"] = str(device.iops)
    return keys


def _invalid(value: Any, parameter: str) -> AwsError:
    return AwsError("InvalidParameterValue", f"Value ({value}) for parameter {parameter} is invalid.")


def _check_enum(plan: LaunchPlan, name: str, value: Any) -> None:
    if value is not None and value not in _ENUMS[name]:
        plan.fail(_invalid(value, name[:1].lower() + name[1:]))


# Validation -----------------------------------------------------------------------


def _counts(req: RunInstancesRequestTypeDef) -> tuple[int, int]:
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


def _check_image(ctx: RequestContext, image_id: str | None, image: Image | None) -> Image:
    if not image_id:
        raise AwsError("MissingParameter", "The request must contain the parameter ImageId")
    if not _AMI_ID.fullmatch(image_id):
        raise AwsError("InvalidAMIID.Malformed", f'Invalid id: "{image_id}" (expecting "ami-...")')
    if image is None or not image.launchable_by(ctx.account_id):
        raise AwsError("InvalidAMIID.NotFound", f"The image id '[{image_id}]' does not exist")
    return image


_UNSUPPORTED = "The requested configuration is currently not supported. Please check the documentation for supported configurations."


def _instance_type(ctx: RequestContext, req: RunInstancesRequestTypeDef, image: Image) -> str:
    """A type of the catalogue, offered in the region, that runs the image's architecture."""
    name = req.get("InstanceType", DEFAULT_INSTANCE_TYPE)
    if not is_instance_type(name):
        raise AwsError("InvalidParameterValue", f"Invalid value '{name}' for InstanceType.")
    if not offered(ctx.region, name):
        raise AwsError("Unsupported", _UNSUPPORTED)
    check_architecture(name, image.architecture)
    return name


def _check_offered(ctx: RequestContext, instance_type: str, subnet: Subnet) -> None:
    """AWS's refusal of a type its launch zone doesn't offer, naming the zones that do."""
    zone = ctx.ec2.zone(subnet.availability_zone)
    if zone is None or offered(ctx.region, instance_type, zone.zone_id):
        return
    others = sorted(z.name for z in ctx.ec2.zones if offered(ctx.region, instance_type, z.zone_id))
    raise AwsError(
        "Unsupported",
        f"Your requested instance type ({instance_type}) is not supported in your requested Availability Zone "
        f"({zone.name}). Please retry your request by not specifying an Availability Zone or choosing "
        f"{', '.join(others)}.",
    )


def _find_subnet(ctx: RequestContext, req: RunInstancesRequestTypeDef) -> Subnet | None:
    """The request's subnet, else the default subnet of its zone, else of the first zone that offers
    the type (as EC2 places a launch that names no zone)."""
    if req.get("SubnetId"):
        return ctx.ec2.subnets.get(req["SubnetId"])
    zone_name = (req.get("Placement") or {}).get("AvailabilityZone")
    if zone_name is not None:
        return ctx.ec2.default_subnet(zone_name)
    name = req.get("InstanceType", DEFAULT_INSTANCE_TYPE)
    zone_names = [z.name for z in ctx.ec2.zones if offered(ctx.region, name, z.zone_id)]
    return next(filter(None, map(ctx.ec2.default_subnet, zone_names)), None) or ctx.ec2.default_subnet()


def _check_subnet(ctx: RequestContext, req: RunInstancesRequestTypeDef, subnet: Subnet | None) -> Subnet:
    zone_name = (req.get("Placement") or {}).get("AvailabilityZone")
    subnet_id = req.get("SubnetId")
    if subnet_id:
        if subnet is None:
            raise AwsError("InvalidSubnetID.NotFound", f"The subnet ID '{subnet_id}' does not exist")
        if zone_name and zone_name != subnet.availability_zone:
            raise AwsError("InvalidParameterValue", f"Invalid availability zone: [{zone_name}]")
        return subnet
    if zone_name and ctx.ec2.zone(zone_name) is None:
        raise AwsError("InvalidParameterValue", f"Invalid availability zone: [{zone_name}]")
    if not ctx.ec2.default_vpc_id:
        raise AwsError("VPCIdNotSpecified", "No default VPC for this user")
    if subnet is None:
        raise AwsError(
            "MissingInput",
            f"No subnets found for the default VPC '{ctx.ec2.default_vpc_id}'. Please specify a subnet.",
        )
    return subnet


def _resolve_groups(ctx: RequestContext, req: RunInstancesRequestTypeDef, plan: LaunchPlan) -> None:
    """SecurityGroupIds and SecurityGroups (names in the subnet's VPC), else the VPC's default group;
    validated in AWS's order once the subnet is."""
    ids = req.get("SecurityGroupIds") or []
    by_id = {group_id: ctx.ec2.security_groups.get(group_id) for group_id in ids}
    names = req.get("SecurityGroups") or []
    vpc_id = plan.subnet.vpc_id if plan.subnet else None
    in_vpc = {g.name: g for g in ctx.ec2.security_groups.where("vpc_id", vpc_id)} if vpc_id and names else {}
    groups = [g for g in by_id.values() if g is not None] + [in_vpc[n] for n in names if n in in_vpc]
    if not ids and not names and vpc_id:
        default = ctx.ec2.default_security_group(vpc_id)
        groups = [default] if default is not None else []
    plan.groups = list({g.id: g for g in groups}.values())
    plan.missing_groups = [group_id for group_id, group in by_id.items() if group is None]
    subnet = plan.subnet
    if plan.error is None and subnet is not None:
        plan.attempt(lambda: _check_groups(ids, by_id, names, in_vpc, subnet, ctx.ec2.default_vpc_id))


def _check_groups(
    ids: Sequence[str],
    by_id: dict[str, SecurityGroup | None],
    names: Sequence[str],
    in_vpc: dict[str, SecurityGroup],
    subnet: Subnet,
    default_vpc_id: str | None,
) -> None:
    for group_id in ids:
        if not group_id.startswith("sg-"):
            raise AwsError("InvalidGroupId.Malformed", f'Invalid id: "{group_id}" (expecting "sg-...")')
        if by_id[group_id] is None:
            raise AwsError("InvalidGroup.NotFound", f"The security group '{group_id}' does not exist")
    if names and subnet.vpc_id != default_vpc_id:
        raise AwsError(
            "InvalidParameterCombination", "The parameter groupName cannot be used with the parameter subnet"
        )
    for name in names:
        if name not in in_vpc:
            raise AwsError(
                "InvalidGroup.NotFound",
                f"The security group '{name}' does not exist in default VPC '{subnet.vpc_id}'",
            )
    for group in [g for g in by_id.values() if g is not None] + [in_vpc[n] for n in names]:
        if group.vpc_id != subnet.vpc_id:
            raise AwsError(
                "InvalidParameter",
                f"Security group {group.id} and subnet {subnet.id} belong to different networks.",
            )


def _metadata_options(
    req: RunInstancesRequestTypeDef, image: Image | None, plan: LaunchPlan
) -> dict[str, Any]:
    options = default_metadata_options(image.imds_support if image is not None else None)
    given: Mapping[str, Any] = req.get("MetadataOptions") or {}
    for name, value in given.items():
        if name == "HttpPutResponseHopLimit":
            if not 1 <= value <= 64:
                plan.fail(_invalid(value, "HttpPutResponseHopLimit"))
        else:
            _check_enum(plan, name, value)
        options[name] = value
    return options


def _block_devices(
    ctx: RequestContext, image: Image | None, mappings: Sequence[Mapping[str, Any]] | None, plan: LaunchPlan
) -> list[ImageBlockDevice]:
    """The image's EBS mappings with the request's merged over them (NoDevice drops one); a
    mapping that isn't valid is kept as the request wrote it (its volume is still checked)."""
    base_devices = image.block_devices if image is not None else ()
    devices = {d.device_name: d for d in base_devices if not d.no_device and d.virtual_name is None}
    for mapping in mappings or ():
        name = mapping.get("DeviceName")
        if not name:
            plan.fail(AwsError("InvalidBlockDeviceMapping", "The device name must be specified."))
            name = ""
        if "NoDevice" in mapping:
            if image is not None and name == image.root_device_name:
                plan.fail(
                    AwsError(
                        "InvalidBlockDeviceMapping",
                        f"The device '{name}' is the root device and cannot be suppressed.",
                    )
                )
            devices.pop(name, None)
            continue
        if "VirtualName" in mapping or "Ebs" not in mapping:
            continue  # instance store: not emulated as volumes
        base, ebs = devices.get(name), mapping["Ebs"]
        try:
            devices[name] = _merged_device(ctx, name, base, ebs)
        except AwsError as error:
            plan.fail(error)
            devices[name] = _as_written(name, base, ebs)
    return list(devices.values())


def _as_written(name: str, base: ImageBlockDevice | None, ebs: Mapping[str, Any]) -> ImageBlockDevice:
    """A mapping that didn't validate, as far as the request and the image say."""
    return ImageBlockDevice(
        name,
        volume_size=ebs.get("VolumeSize", base.volume_size if base else 0),
        volume_type=ebs.get("VolumeType", base.volume_type if base else "gp2"),
        encrypted=bool(ebs.get("Encrypted", base.encrypted if base else False)),
        iops=ebs.get("Iops", base.iops if base else None),
    )


def _snapshot_size(
    ctx: RequestContext, base: ImageBlockDevice | None, ebs: Mapping[str, Any]
) -> tuple[str | None, int | None]:
    """The device's snapshot and its size: the request's (which must be usable) or the image's."""

    if "SnapshotId" in ebs and not (base and ebs["SnapshotId"] == base.snapshot_id):
        snapshot = usable_snapshot(ctx, ebs["SnapshotId"])
        return snapshot.id, snapshot.volume_size
    return (base.snapshot_id, base.volume_size) if base else (None, None)


def _merged_device(
    ctx: RequestContext, name: str, base: ImageBlockDevice | None, ebs: Mapping[str, Any]
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
    same = (
        base if base is not None and base.volume_type == volume_type else None
    )  # its performance carries over
    iops, throughput = checked_settings(
        volume_type,
        size,
        ebs.get("Iops", same.iops if same and volume_type in IOPS_LIMITS else None),
        ebs.get("Throughput", same.throughput if same and volume_type == "gp3" else None),
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


def _by_client_token(ctx: RequestContext, token: str) -> list[Instance]:
    """Instances an earlier RunInstances with this ClientToken launched (same reservation)."""
    first = next(iter(ctx.ec2.instances.where("client_token", token)), None)
    return [] if first is None else list(ctx.ec2.instances.where("reservation_id", first.reservation_id))


def plan_launch(ctx: RequestContext, request: RunInstancesRequestTypeDef) -> LaunchPlan:
    """Resolve a RunInstances request completely (with its launch template's data merged in, see
    `template_launch`), before anything is created."""
    effective, template, template_error = resolve_template(ctx, request)
    req = cast("RunInstancesRequestTypeDef", effective)
    specs = req.get("TagSpecifications")
    plan = LaunchPlan(req, fingerprint=fingerprint(request), template=template)
    if template_error is not None:
        plan.fail(template_error)
    token = req.get("ClientToken")
    plan.attempt(lambda: check_client_token(token))
    plan.earlier = _by_client_token(ctx, token) if token and plan.error is None else []
    if plan.earlier and plan.earlier[0].request_fingerprint != plan.fingerprint:
        plan.fail(idempotent_mismatch())
    validating = not plan.earlier  # a replay is answered with what the first request made
    first_error = plan.error
    image_id = req.get("ImageId")
    plan.image = find_image(ctx.region, ctx.account_id, image_id, ctx.ec2.shared_images) if image_id else None
    plan.key = key_by_name(ctx, req["KeyName"]) if req.get("KeyName") is not None else None
    plan.subnet = _find_subnet(ctx, req)
    if req.get("NetworkInterfaces"):
        plan.subnet = primary_subnet(ctx, req) or plan.subnet
    plan.profile = find_profile(ctx, req.get("IamInstanceProfile"))
    if validating:
        _validate(ctx, req, plan)
    else:
        _resolve_groups(ctx, req, plan)
    plan.devices = _block_devices(ctx, plan.image, req.get("BlockDeviceMappings"), plan)
    plan.tags = {kind: spec_tags(req, kind) for kind in TAGGABLE}
    if plan.error is None:
        plan.attempt(lambda: plan.tags.update({kind: tags_for(specs, kind, TAGGABLE) for kind in TAGGABLE}))
    plan.metadata_options = _metadata_options(req, plan.image, plan)
    if plan.error is None:
        plan.attempt(lambda: setattr(plan, "user_data", checked_user_data(req.get("UserData"))))
    if not validating:
        plan.error = first_error  # a replay validates nothing more
    return plan


def _validate(ctx: RequestContext, req: RunInstancesRequestTypeDef, plan: LaunchPlan) -> None:
    """The checks before the block devices, in AWS's order (the first failing one is the error)."""
    counts: list[int] = []
    plan.attempt(lambda: counts.extend(_counts(req)))
    if counts:
        plan.attempt(lambda: counts.append(_quota(ctx, counts[0], counts[1])))
    image = plan.image
    if plan.error is None:
        plan.attempt(lambda: _check_image(ctx, req.get("ImageId"), image))
    if plan.error is None and image is not None:
        plan.attempt(lambda: setattr(plan, "instance_type", _instance_type(ctx, req, image)))
    if plan.error is None and req.get("KeyName") is not None and plan.key is None:
        plan.fail(AwsError("InvalidKeyPair.NotFound", f"The key pair '{req['KeyName']}' does not exist"))
    if plan.error is None:
        plan.attempt(lambda: _check_subnet(ctx, req, plan.subnet))
    launch_subnet = plan.subnet
    if plan.error is None and launch_subnet is not None:
        plan.attempt(lambda: _check_offered(ctx, plan.instance_type, launch_subnet))
    _resolve_groups(ctx, req, plan)
    subnet = plan.subnet
    if plan.error is None and subnet is not None and len(counts) == 3:
        free = subnet.available_ip_address_count
        if free < counts[0]:
            plan.fail(
                AwsError(
                    "InsufficientFreeAddressesInSubnet",
                    f"There are not enough free addresses in subnet '{subnet.id}' to satisfy the requested "
                    "number of instances.",
                )
            )
        plan.count = min(counts[2], free)
    _check_enum(plan, "InstanceInitiatedShutdownBehavior", req.get("InstanceInitiatedShutdownBehavior"))
    spec = req.get("IamInstanceProfile")
    if plan.error is None and spec is not None:
        plan.attempt(lambda: check_profile(ctx, spec, plan.profile))
    resolve_interfaces(ctx, req, plan)
