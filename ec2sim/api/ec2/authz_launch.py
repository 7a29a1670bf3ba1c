"""The checks of RunInstances and of instance profile associations.

RunInstances is authorized on the new instance (``instance/*``: type, zone,
profile, metadata options, tenancy, request tags), the image, the subnet, the
new network interface, each security group, each new volume and the key pair,
resolved the way `launch.py` resolves them (those the caller can't see: on the ARN
the request names); passing an instance profile also needs iam:PassRole on its
role, and TagSpecifications need ec2:CreateTags with ec2:CreateAction =
"RunInstances" on each resource type they tag.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from ec2sim.api.authorization import Check, authorizes
from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.authz import (
    Keys,
    arn,
    flag,
    group_check,
    image_check,
    instance_check,
    instance_checks,
    key_by_name,
    key_pair_check,
    region_keys,
    spec_tags,
    subnet_check,
    tag_on_create,
    unresolved,
    vpc_arn,
)
from ec2sim.api.iam.authz import pass_role
from ec2sim.iam.context_keys import request_tags
from ec2sim.store.ec2.images import Image, find_image
from ec2sim.store.ec2.instance_types import DEFAULT_INSTANCE_TYPE
from ec2sim.store.ec2.instances import default_metadata_options
from ec2sim.store.ec2.network import SecurityGroup, Subnet
from ec2sim.store.iam.entities import InstanceProfile

_ACTION = "ec2:RunInstances"


def _profile(ctx: RequestContext, spec: dict[str, Any] | None) -> InstanceProfile | None:
    """The instance profile ``IamInstanceProfile={"Name"|"Arn": ...}`` names, if it exists."""
    return ctx.iam.find_instance_profile(spec.get("Arn") or spec.get("Name") or "") if spec else None


def pass_profile_roles(ctx: RequestContext, spec: dict[str, Any] | None) -> list[Check]:
    """iam:PassRole on the role of the instance profile a request hands to EC2."""
    profile = _profile(ctx, spec)
    return [pass_role(ctx, name, "ec2.amazonaws.com") for name in profile.role_names] if profile else []


def _subnet(ctx: RequestContext, req: dict[str, Any]) -> Subnet | None:
    """The subnet launch.py picks: SubnetId, else the default subnet of the zone (or the first)."""
    if req.get("SubnetId"):
        return ctx.ec2.subnets.get(req["SubnetId"])
    return ctx.ec2.default_subnet((req.get("Placement") or {}).get("AvailabilityZone"))


def _groups(ctx: RequestContext, req: dict[str, Any], vpc_id: str | None) -> list[SecurityGroup]:
    """SecurityGroupIds and SecurityGroups (names in the subnet's VPC), else the VPC's default group."""
    groups = [g for g in map(ctx.ec2.security_groups.get, req.get("SecurityGroupIds") or ()) if g is not None]
    names = set(req.get("SecurityGroups") or ())
    if names and vpc_id:
        groups += [g for g in ctx.ec2.security_groups.where("vpc_id", vpc_id) if g.name in names]
    if not req.get("SecurityGroupIds") and not names and vpc_id:
        default = ctx.ec2.default_security_group(vpc_id)
        groups = [default] if default is not None else []
    return list({g.id: g for g in groups}.values())


def _instance_keys(ctx: RequestContext, req: dict[str, Any], image: Image | None, zone: str | None) -> Keys:
    imds_support = image.imds_support if image is not None else None
    options = {**default_metadata_options(imds_support), **(req.get("MetadataOptions") or {})}
    keys: Keys = {
        "ec2:InstanceType": req.get("InstanceType", DEFAULT_INSTANCE_TYPE),
        "ec2:Tenancy": (req.get("Placement") or {}).get("Tenancy", "default"),
        "ec2:EbsOptimized": flag(bool(req.get("EbsOptimized"))),
        "ec2:MetadataHttpTokens": options["HttpTokens"],
        "ec2:MetadataHttpEndpoint": options["HttpEndpoint"],
        "ec2:MetadataHttpPutResponseHopLimit": str(options["HttpPutResponseHopLimit"]),
        "ec2:InstanceMetadataTags": options["InstanceMetadataTags"],
    }
    if image is not None:
        keys["ec2:RootDeviceType"] = image.root_device_type
    if zone:
        keys["ec2:AvailabilityZone"] = zone
    profile = _profile(ctx, req.get("IamInstanceProfile"))
    if profile is not None:
        keys["ec2:InstanceProfile"] = profile.arn
    return keys


def _volume_keys(image: Image | None, mappings: list[dict[str, Any]] | None) -> list[Keys]:
    """The keys of each new EBS volume: the image's devices with the request's mappings over them."""
    devices: dict[str, dict[str, Any]] = {}
    for device in image.block_devices if image is not None else ():
        if not device.no_device and device.virtual_name is None:
            devices[device.device_name] = {
                "VolumeType": device.volume_type,
                "VolumeSize": device.volume_size,
                "Encrypted": device.encrypted,
                "Iops": device.iops,
            }
    for mapping in mappings or ():
        name = mapping.get("DeviceName", "")
        if "NoDevice" in mapping:
            devices.pop(name, None)
        elif "Ebs" in mapping and "VirtualName" not in mapping:
            devices[name] = {"VolumeType": "gp2", **devices.get(name, {}), **mapping["Ebs"]}
    keys = []
    for settings in devices.values():
        volume: Keys = {
            "ec2:VolumeType": settings.get("VolumeType", "gp2"),
            "ec2:Encrypted": flag(bool(settings.get("Encrypted"))),
        }
        if settings.get("VolumeSize") is not None:
            volume["ec2:VolumeSize"] = str(settings["VolumeSize"])
        if settings.get("Iops") is not None:
            volume["ec2:VolumeIops"] = str(settings["Iops"])
        keys.append(volume)
    return keys


def _new(ctx: RequestContext, kind: str, keys: Keys, tags: dict[str, str]) -> Check:
    return Check(_ACTION, arn(ctx, kind, "*"), region_keys(ctx, {**keys, **request_tags(tags)}))


@authorizes("ec2", "RunInstances")
def _run_instances_checks(ctx: RequestContext, req: dict[str, Any]) -> Iterator[Check]:
    image = find_image(ctx.region, ctx.account_id, req.get("ImageId") or "", ctx.ec2.shared_images)
    subnet = _subnet(ctx, req)
    zone = subnet.availability_zone if subnet else (req.get("Placement") or {}).get("AvailabilityZone")
    tags = {kind: spec_tags(req, kind) for kind in ("instance", "volume", "network-interface")}
    yield _new(ctx, "instance", _instance_keys(ctx, req, image, zone), tags["instance"])
    if image is not None:
        yield image_check(ctx, _ACTION, image)
    elif req.get("ImageId"):
        yield unresolved(ctx, _ACTION, "image", req["ImageId"])
    if subnet is None and req.get("SubnetId"):
        yield unresolved(ctx, _ACTION, "subnet", req["SubnetId"])
    if subnet is not None:
        yield subnet_check(ctx, _ACTION, subnet)
        interface: Keys = {
            "ec2:Subnet": arn(ctx, "subnet", subnet.id),
            "ec2:Vpc": vpc_arn(ctx, subnet.vpc_id),
            "ec2:AvailabilityZone": subnet.availability_zone,
        }
        yield _new(ctx, "network-interface", interface, tags["network-interface"])
    for group in _groups(ctx, req, subnet.vpc_id if subnet else None):
        yield group_check(ctx, _ACTION, group)
    for group_id in req.get("SecurityGroupIds") or ():
        if ctx.ec2.security_groups.get(group_id) is None:
            yield unresolved(ctx, _ACTION, "security-group", group_id)
    for volume in _volume_keys(image, req.get("BlockDeviceMappings")):
        yield _new(
            ctx, "volume", {"ec2:AvailabilityZone": zone, **volume} if zone else volume, tags["volume"]
        )
    if req.get("KeyName"):
        key = key_by_name(ctx, req["KeyName"])
        yield (
            key_pair_check(ctx, _ACTION, key) if key else unresolved(ctx, _ACTION, "key-pair", req["KeyName"])
        )
    yield from pass_profile_roles(ctx, req.get("IamInstanceProfile"))
    for kind, kind_tags in tags.items():
        if kind_tags:
            yield tag_on_create(ctx, arn(ctx, kind, "*"), kind_tags)


# Instance profile associations ------------------------------------------------------------------


@authorizes("ec2", "AssociateIamInstanceProfile")
def _associate_checks(ctx: RequestContext, req: dict[str, Any]) -> Iterable[Check]:
    checks = list(instance_checks(ctx, "ec2:AssociateIamInstanceProfile", [req.get("InstanceId", "")]))
    return checks + pass_profile_roles(ctx, req.get("IamInstanceProfile"))


@authorizes("ec2", "ReplaceIamInstanceProfileAssociation", "DisassociateIamInstanceProfile")
def _association_checks(ctx: RequestContext, req: dict[str, Any]) -> Iterable[Check]:
    """On the instance that holds the association; replacing also passes the new profile's role."""
    instance = ctx.ec2.iam_associations.get(req.get("AssociationId", ""))
    checks = (
        [instance_check(ctx, f"ec2:{ctx.action}", instance)] if instance else [Check(f"ec2:{ctx.action}")]
    )
    return checks + pass_profile_roles(ctx, req.get("IamInstanceProfile"))
