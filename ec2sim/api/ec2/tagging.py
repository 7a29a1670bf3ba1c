"""Tags on every EC2 resource: CreateTags, DeleteTags, DescribeTags and TagSpecifications."""

from __future__ import annotations

from typing import Any

from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.filters import FilterSet
from ec2sim.api.ec2.paging import paginate
from ec2sim.api.errors import AwsError
from ec2sim.api.registry import ec2_action
from ec2sim.store.ec2.region import Ec2Region
from ec2sim.store.table import Resource

MAX_TAGS = 50

# Resource id prefix → (resource type, not-found error code, noun in the message).
_ID_KINDS: dict[str, tuple[str, str, str]] = {
    "i": ("instance", "InvalidInstanceID.NotFound", "instance ID"),
    "vpc": ("vpc", "InvalidVpcID.NotFound", "vpc ID"),
    "subnet": ("subnet", "InvalidSubnetID.NotFound", "subnet ID"),
    "sg": ("security-group", "InvalidGroup.NotFound", "security group"),
    "eni": ("network-interface", "InvalidNetworkInterfaceID.NotFound", "networkInterface ID"),
    "vol": ("volume", "InvalidVolume.NotFound", "volume"),
    "key": ("key-pair", "InvalidKeyPair.NotFound", "key pair"),
    "ami": ("image", "InvalidAMIID.NotFound", "image id"),
    "snap": ("snapshot", "InvalidSnapshot.NotFound", "snapshot"),
    "sgr": ("security-group-rule", "InvalidSecurityGroupRuleId.NotFound", "security group rule ID"),
}


def require_keys(tags: list[dict[str, Any]], wire: str) -> None:
    """Every tag names its Key (`wire` is the list's wire name, ``Tag``): a Value alone names no tag."""
    for index, tag in enumerate(tags, 1):
        if "Key" not in tag:
            raise AwsError("MissingParameter", f"The request must contain the parameter {wire}.{index}.Key")


def validate_tags(tags: list[dict[str, Any]], wire: str = "Tag") -> dict[str, str]:
    """Tags as a dict, with EC2's rules on reserved prefixes and lengths."""
    require_keys(tags, wire)
    result: dict[str, str] = {}
    for tag in tags:
        key, value = tag.get("Key"), tag.get("Value", "")
        if not key:
            raise AwsError(
                "InvalidParameterValue",
                "Value ( '' ) for parameter Tag key is invalid. Tag key cannot be null or empty.",
            )
        if key.lower().startswith("aws:"):
            raise AwsError(
                "InvalidParameterValue", "Tag keys starting with 'aws:' are reserved for internal use"
            )
        if not 1 <= len(key) <= 128:
            raise AwsError(
                "InvalidParameterValue", f"Tag key exceeds the maximum length of 128 characters: {key}"
            )
        if len(value) > 256:
            raise AwsError(
                "InvalidParameterValue", f"Tag value exceeds the maximum length of 256 characters: {value}"
            )
        result[key] = value
    if len(result) > MAX_TAGS:
        raise AwsError("TagLimitExceeded", "The maximum number of Tags for a resource has been reached.")
    return result


def tags_for(
    specs: list[dict[str, Any]] | None, resource_type: str, allowed: tuple[str, ...]
) -> dict[str, str]:
    """The tags TagSpecifications give `resource_type`; other types must be in `allowed`."""
    result: dict[str, str] = {}
    for index, spec in enumerate(specs or (), 1):
        kind = spec.get("ResourceType")
        if kind not in allowed:
            raise AwsError(
                "InvalidParameterValue",
                f"'{kind}' is not a valid taggable resource type for this operation.",
            )
        if kind == resource_type:
            result.update(validate_tags(spec.get("Tags", []), f"TagSpecification.{index}.Tag"))
    return result


def _resource_type(resource_id: str) -> str:
    prefix = resource_id.partition("-")[0]
    return _ID_KINDS[prefix][0] if prefix in _ID_KINDS else ""


def find_resource(region: Ec2Region, resource_id: str) -> Resource:
    prefix, dash, rest = resource_id.partition("-")
    if not dash or prefix not in _ID_KINDS or not rest:
        raise AwsError("InvalidID", f"The ID '{resource_id}' is not valid")
    found = region.resources.get(resource_id)
    if found is None:
        _, code, noun = _ID_KINDS[prefix]
        raise AwsError(code, f"The {noun} '{resource_id}' does not exist")
    return found


@ec2_action("CreateTags")
def create_tags(ctx: RequestContext, req: dict[str, Any]) -> None:
    tags = validate_tags(req["Tags"])
    resources = [find_resource(ctx.ec2, rid) for rid in req["Resources"]]
    for resource in resources:
        if len(set(resource.tags) | set(tags)) > MAX_TAGS:
            raise AwsError("TagLimitExceeded", "The maximum number of Tags for a resource has been reached.")
    for resource in resources:
        ctx.ec2.set_tags(resource, tags)


@ec2_action("DeleteTags")
def delete_tags(ctx: RequestContext, req: dict[str, Any]) -> None:
    tags = req.get("Tags")
    require_keys(tags or [], "Tag")
    resources = [find_resource(ctx.ec2, rid) for rid in req["Resources"]]
    for resource in resources:
        keys = {t["Key"]: t.get("Value") for t in tags} if tags else dict.fromkeys(resource.tags)
        ctx.ec2.delete_tags(resource, keys)


_TAG_FILTERS = FilterSet(
    {
        "resource-id": lambda t: t["ResourceId"],
        "resource-type": lambda t: t["ResourceType"],
        "key": lambda t: t["Key"],
        "value": lambda t: t["Value"],
    },
    tags=False,
)


@ec2_action("DescribeTags")
def describe_tags(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    ids = _TAG_FILTERS.values(req.get("Filters"), "resource-id")
    resources = (
        [r for r in map(ctx.ec2.resources.get, dict.fromkeys(ids)) if r is not None]
        if ids is not None
        else list(ctx.ec2.resources.values())
    )
    items = [
        {"ResourceId": r.id, "ResourceType": _resource_type(r.id), "Key": k, "Value": v}
        for r in resources
        for k, v in r.tags.items()
    ]
    items = _TAG_FILTERS.apply(items, req.get("Filters"))
    page, token = paginate(items, req)
    return {"Tags": list(page), "NextToken": token}
