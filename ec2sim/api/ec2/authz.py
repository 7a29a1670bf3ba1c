"""Which IAM checks each EC2 action makes: resource ARNs and their condition keys.

Follows the Service Authorization Reference ("Actions, resources, and condition
keys for Amazon EC2"): an action on existing resources is authorized once per
resource ARN, with that resource's keys (ec2:ResourceTag/* and aws:ResourceTag/*,
ec2:InstanceType, ec2:Vpc...); a resource being created is authorized on
``TYPE/*`` with the request's keys (aws:RequestTag/*, aws:TagKeys, ec2:VolumeSize...);
TagSpecifications also need ``ec2:CreateTags`` with ec2:CreateAction. Every check
carries ec2:Region. An id that doesn't resolve is checked on the ARN it names with
no resource keys (a caller allowed there gets the handler's NotFound). Actions
without resource-level permissions (every Describe*) keep the default check on
``*``. This module has the shared pieces and the instance, key pair,
security group and tag rules; RunInstances and instance profiles are in
`authz_launch`, volumes, snapshots and images in `authz_storage`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ec2sim.api.authorization import Check, authorizes
from ec2sim.api.context import RequestContext
from ec2sim.iam.context_keys import request_tags, resource_tags
from ec2sim.iam.policy.variables import ContextValue
from ec2sim.store.ec2.images import Image
from ec2sim.store.ec2.instances import Instance
from ec2sim.store.ec2.keypairs import KeyPair
from ec2sim.store.ec2.network import NetworkInterface, SecurityGroup, Subnet, Vpc
from ec2sim.store.ec2.snapshots import Snapshot
from ec2sim.store.ec2.volumes import Volume
from ec2sim.store.table import Resource

Keys = dict[str, ContextValue]

# Resource types whose ARNs carry no account (shareable across accounts).
_ACCOUNTLESS = frozenset({"image", "snapshot"})
AMAZON_ALIAS = "amazon"


def flag(value: bool) -> str:
    """Booleans as condition keys carry them."""
    return "true" if value else "false"


def arn(ctx: RequestContext, kind: str, name: str, region: str | None = None) -> str:
    """``arn:aws:ec2:REGION:ACCOUNT:KIND/NAME`` (no account for images and snapshots)."""
    account = "" if kind in _ACCOUNTLESS else ctx.account_id
    return f"arn:aws:ec2:{region or ctx.region}:{account}:{kind}/{name}"


def region_keys(ctx: RequestContext, extra: Keys | None = None) -> Keys:
    return {"ec2:Region": ctx.region, **(extra or {})}


def unresolved(ctx: RequestContext, action: str, kind: str, name: str, region: str | None = None) -> Check:
    """The check on a resource the request names but the caller can't see: its ARN, no resource keys."""
    return Check(action, arn(ctx, kind, name, region), region_keys(ctx))


def tagged(ctx: RequestContext, resource: Resource, keys: Keys) -> Keys:
    """`keys` plus ec2:Region and the resource's tags as ec2: and aws:ResourceTag/*.

    Only the owner's requests carry the owner's tags: tags on a shared image or snapshot are
    "available only for your AWS account and not to the other accounts sharing the resource"
    (EC2 API Reference, Tag), so they must not decide (or appear in the encoded message of)
    another account's request. Assumed: the other account's request sees no tags (ec2sim keeps
    no tags of its own for it)."""
    owner = getattr(resource, "owner_id", ctx.account_id)
    tags = resource_tags(resource.tags, "aws", "ec2") if owner == ctx.account_id else {}
    return {"ec2:Region": ctx.region, **keys, **tags}


# Existing resources: ARN and keys ------------------------------------------------------------


def instance_check(ctx: RequestContext, action: str, instance: Instance) -> Check:
    options = instance.metadata_options
    keys: Keys = {
        "ec2:InstanceID": instance.id,
        "ec2:InstanceType": instance.instance_type,
        "ec2:AvailabilityZone": instance.availability_zone,
        "ec2:Tenancy": instance.tenancy,
        "ec2:RootDeviceType": instance.root_device_type,
        "ec2:EbsOptimized": flag(instance.ebs_optimized),
        "ec2:MetadataHttpTokens": options["HttpTokens"],
        "ec2:MetadataHttpEndpoint": options["HttpEndpoint"],
        "ec2:MetadataHttpPutResponseHopLimit": str(options["HttpPutResponseHopLimit"]),
        "ec2:InstanceMetadataTags": options["InstanceMetadataTags"],
    }
    if instance.iam_profile is not None:
        keys["ec2:InstanceProfile"] = instance.iam_profile.profile_arn
    return Check(action, instance.arn, tagged(ctx, instance, keys))


def volume_check(ctx: RequestContext, action: str, volume: Volume) -> Check:
    keys: Keys = {
        "ec2:VolumeID": volume.id,
        "ec2:AvailabilityZone": volume.availability_zone,
        "ec2:Encrypted": flag(volume.encrypted),
        "ec2:VolumeType": volume.volume_type,
        "ec2:VolumeSize": str(volume.size),
    }
    if volume.iops is not None:
        keys["ec2:VolumeIops"] = str(volume.iops)
    if volume.throughput is not None:
        keys["ec2:VolumeThroughput"] = str(volume.throughput)
    if volume.snapshot_id:
        keys["ec2:ParentSnapshot"] = arn(ctx, "snapshot", volume.snapshot_id)
    return Check(action, arn(ctx, "volume", volume.id), tagged(ctx, volume, keys))


def snapshot_check(ctx: RequestContext, action: str, snapshot: Snapshot) -> Check:
    keys: Keys = {
        "ec2:SnapshotID": snapshot.id,
        "ec2:Owner": owner_key(snapshot.owner_id, snapshot.owner_alias),
        "ec2:Encrypted": flag(snapshot.encrypted),
        "ec2:VolumeSize": str(snapshot.volume_size),
        "ec2:SnapshotTime": snapshot.start_time.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "ec2:ParentVolume": f"arn:aws:ec2:{snapshot.region}:{snapshot.owner_id}:volume/{snapshot.volume_id}",
    }
    return Check(action, arn(ctx, "snapshot", snapshot.id, snapshot.region), tagged(ctx, snapshot, keys))


def image_check(ctx: RequestContext, action: str, image: Image) -> Check:
    keys: Keys = {
        "ec2:ImageID": image.id,
        "ec2:Owner": owner_key(image.owner_id, image.image_owner_alias),
        "ec2:Public": flag(image.public),
        "ec2:ImageType": image.image_type,
        "ec2:RootDeviceType": image.root_device_type,
    }
    return Check(action, arn(ctx, "image", image.id, image.region), tagged(ctx, image, keys))


def owner_key(owner_id: str, alias: str | None) -> str:
    """ec2:Owner: "amazon" for Amazon's images and snapshots, else the owner's account id."""
    return AMAZON_ALIAS if alias == AMAZON_ALIAS else owner_id


def vpc_arn(ctx: RequestContext, vpc_id: str) -> str:
    return arn(ctx, "vpc", vpc_id)


def subnet_check(ctx: RequestContext, action: str, subnet: Subnet) -> Check:
    keys: Keys = {
        "ec2:SubnetID": subnet.id,
        "ec2:Vpc": vpc_arn(ctx, subnet.vpc_id),
        "ec2:AvailabilityZone": subnet.availability_zone,
    }
    return Check(action, arn(ctx, "subnet", subnet.id), tagged(ctx, subnet, keys))


def group_check(ctx: RequestContext, action: str, group: SecurityGroup) -> Check:
    keys: Keys = {"ec2:SecurityGroupID": group.id, "ec2:Vpc": vpc_arn(ctx, group.vpc_id)}
    return Check(action, arn(ctx, "security-group", group.id), tagged(ctx, group, keys))


def vpc_check(ctx: RequestContext, action: str, vpc: Vpc) -> Check:
    keys: Keys = {"ec2:VpcID": vpc.id, "ec2:Tenancy": vpc.instance_tenancy}
    return Check(action, vpc_arn(ctx, vpc.id), tagged(ctx, vpc, keys))


def key_pair_check(ctx: RequestContext, action: str, key: KeyPair) -> Check:
    keys: Keys = {"ec2:KeyPairName": key.name, "ec2:KeyPairType": key.key_type}
    return Check(action, arn(ctx, "key-pair", key.name), tagged(ctx, key, keys))


def interface_check(ctx: RequestContext, action: str, interface: NetworkInterface) -> Check:
    keys: Keys = {
        "ec2:NetworkInterfaceID": interface.id,
        "ec2:AvailabilityZone": interface.availability_zone,
        "ec2:Subnet": arn(ctx, "subnet", interface.subnet_id),
        "ec2:Vpc": vpc_arn(ctx, interface.vpc_id),
    }
    return Check(action, arn(ctx, "network-interface", interface.id), tagged(ctx, interface, keys))


def resource_check(ctx: RequestContext, action: str, resource: Resource) -> Check:
    """The check on any stored resource, by its kind."""
    builder = _CHECKS.get(type(resource))
    if builder is not None:
        return builder(ctx, action, resource)
    return Check(action, arn(ctx, resource.resource_type, resource.id), tagged(ctx, resource, {}))


_CHECKS: dict[type, Callable[[RequestContext, str, Any], Check]] = {
    Instance: instance_check,
    Volume: volume_check,
    Snapshot: snapshot_check,
    Image: image_check,
    Subnet: subnet_check,
    SecurityGroup: group_check,
    Vpc: vpc_check,
    KeyPair: key_pair_check,
    NetworkInterface: interface_check,
}


# Resources being created ----------------------------------------------------------------------


def spec_tags(req: dict[str, Any], resource_type: str) -> dict[str, str]:
    """The tags TagSpecifications give `resource_type` (unvalidated: the handler validates)."""
    tags: dict[str, str] = {}
    for spec in req.get("TagSpecifications") or ():
        if spec.get("ResourceType") == resource_type:
            tags.update({t.get("Key", ""): t.get("Value", "") for t in spec.get("Tags") or ()})
    return tags


def creating(
    ctx: RequestContext, action: str, kind: str, req: dict[str, Any], keys: Keys | None = None
) -> Iterator[Check]:
    """The check on a new ``KIND/*`` with the request's tags, then ec2:CreateTags if it tags it."""
    tags = spec_tags(req, kind)
    resource = arn(ctx, kind, "*")
    yield Check(action, resource, region_keys(ctx, {**(keys or {}), **request_tags(tags)}))
    if tags:
        yield tag_on_create(ctx, resource, tags)


def tag_on_create(ctx: RequestContext, resource: str, tags: dict[str, str]) -> Check:
    """AWS authorizes tags given at creation as ec2:CreateTags with ec2:CreateAction = the operation."""
    return Check(
        "ec2:CreateTags", resource, region_keys(ctx, {"ec2:CreateAction": ctx.action, **request_tags(tags)})
    )


# Instances -------------------------------------------------------------------------------------


def instance_checks(ctx: RequestContext, action: str, ids: Iterable[str]) -> Iterator[Check]:
    """One check per instance id (each once)."""
    for instance_id in dict.fromkeys(ids):
        instance = ctx.ec2.instances.get(instance_id)
        if instance is not None:
            yield instance_check(ctx, action, instance)
        else:
            yield unresolved(ctx, action, "instance", instance_id)


@authorizes("ec2", "StartInstances", "StopInstances", "RebootInstances", "TerminateInstances")
def _instance_state_checks(ctx: RequestContext, req: dict[str, Any]) -> Iterable[Check]:
    return instance_checks(ctx, f"ec2:{ctx.action}", req.get("InstanceIds") or ())


@authorizes(
    "ec2",
    "ModifyInstanceAttribute",
    "ResetInstanceAttribute",
    "DescribeInstanceAttribute",
    "ModifyInstanceMetadataOptions",
)
def _instance_attribute_checks(ctx: RequestContext, req: dict[str, Any]) -> Iterable[Check]:
    return instance_checks(ctx, f"ec2:{ctx.action}", [req.get("InstanceId", "")])


# Key pairs -------------------------------------------------------------------------------------


def key_by_name(ctx: RequestContext, name: str) -> KeyPair | None:
    return next(iter(ctx.ec2.key_pairs.where("name", name)), None)


@authorizes("ec2", "CreateKeyPair", "ImportKeyPair")
def _new_key_checks(ctx: RequestContext, req: dict[str, Any]) -> Iterable[Check]:
    keys: Keys = {"ec2:KeyPairName": req.get("KeyName", "")}
    if ctx.action == "CreateKeyPair":
        keys["ec2:KeyPairType"] = req.get("KeyType", "rsa")
    tags = spec_tags(req, "key-pair")
    resource = arn(ctx, "key-pair", req.get("KeyName", ""))
    yield Check(f"ec2:{ctx.action}", resource, region_keys(ctx, {**keys, **request_tags(tags)}))
    if tags:
        yield tag_on_create(ctx, resource, tags)


@authorizes("ec2", "DeleteKeyPair")
def _delete_key_checks(ctx: RequestContext, req: dict[str, Any]) -> Iterable[Check]:
    key = (
        ctx.ec2.key_pairs.get(req["KeyPairId"])
        if req.get("KeyPairId")
        else key_by_name(ctx, req.get("KeyName", ""))
    )
    if key is not None:
        return [key_pair_check(ctx, "ec2:DeleteKeyPair", key)]
    name = req.get("KeyName")  # deleting an absent key by name succeeds: still authorized on its ARN
    return [unresolved(ctx, "ec2:DeleteKeyPair", "key-pair", name or req.get("KeyPairId") or "*")]


# Security groups -----------------------------------------------------------------------------


@authorizes("ec2", "CreateSecurityGroup")
def _create_group_checks(ctx: RequestContext, req: dict[str, Any]) -> Iterable[Check]:
    vpc_id = req.get("VpcId") or ctx.ec2.default_vpc_id
    yield from creating(
        ctx, "ec2:CreateSecurityGroup", "security-group", req, {"ec2:Vpc": vpc_arn(ctx, vpc_id)}
    )
    vpc = ctx.ec2.vpcs.get(vpc_id)
    if vpc is not None:
        yield vpc_check(ctx, "ec2:CreateSecurityGroup", vpc)


def target_group(ctx: RequestContext, req: dict[str, Any]) -> SecurityGroup | None:
    """The group a request names: GroupId, else GroupName in the default VPC."""
    if req.get("GroupId"):
        return ctx.ec2.security_groups.get(req["GroupId"])
    name = req.get("GroupName")
    candidates = ctx.ec2.security_groups.where("vpc_id", ctx.ec2.default_vpc_id)
    return next((g for g in candidates if g.name == name), None) if name else None


@authorizes(
    "ec2",
    "DeleteSecurityGroup",
    "AuthorizeSecurityGroupIngress",
    "AuthorizeSecurityGroupEgress",
    "RevokeSecurityGroupIngress",
    "RevokeSecurityGroupEgress",
)
def _group_checks(ctx: RequestContext, req: dict[str, Any]) -> Iterable[Check]:
    group, action = target_group(ctx, req), f"ec2:{ctx.action}"
    if group is None:
        yield unresolved(ctx, action, "security-group", req.get("GroupId") or req.get("GroupName") or "*")
        return
    yield group_check(ctx, action, group)
    tags = spec_tags(req, "security-group-rule")
    if tags and ctx.action.startswith("Authorize"):
        yield tag_on_create(ctx, arn(ctx, "security-group-rule", "*"), tags)


# Tags ------------------------------------------------------------------------------------------

# Resource id prefix → resource type, for ARNs of ids that don't resolve.
_ID_TYPES = {
    "i": "instance",
    "vol": "volume",
    "snap": "snapshot",
    "ami": "image",
    "sg": "security-group",
    "subnet": "subnet",
    "vpc": "vpc",
    "eni": "network-interface",
    "key": "key-pair",
    "sgr": "security-group-rule",
}


@authorizes("ec2", "CreateTags", "DeleteTags")
def _tag_checks(ctx: RequestContext, req: dict[str, Any]) -> Iterable[Check]:
    """One check per resource: its own keys, plus the tags being set or removed."""
    given = {t.get("Key", ""): t.get("Value", "") for t in req.get("Tags") or ()}
    action = f"ec2:{ctx.action}"
    for resource_id in dict.fromkeys(req.get("Resources") or ()):
        resource = ctx.ec2.resources.get(resource_id)
        if resource is None:
            check = unresolved(ctx, action, _ID_TYPES.get(resource_id.partition("-")[0], "*"), resource_id)
        else:
            check = resource_check(ctx, action, resource)
        if ctx.action == "CreateTags":
            extra = request_tags(given)
        else:
            extra = {"aws:TagKeys": list(given or (resource.tags if resource else ()))}
        yield Check(action, check.resource, {**check.context, **extra})
