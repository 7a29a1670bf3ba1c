"""Tags on every EC2 resource: CreateTags, DeleteTags, DescribeTags and TagSpecifications."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ec2sim.api.authorization import NO_RESOURCES, Check, Plan
from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.authz import resource_check, unresolved
from ec2sim.api.ec2.filters import FilterSet
from ec2sim.api.ec2.paging import paginate
from ec2sim.api.errors import AwsError
from ec2sim.api.registry import ec2_action
from ec2sim.iam.context_keys import request_tags
from ec2sim.store.resources import UNKNOWN, by_id
from ec2sim.store.table import Resource

if TYPE_CHECKING:
    # types-boto3 names these two inputs Client…, the client method's own (the same model shape).
    from types_boto3_ec2.type_defs import ClientCreateTagsRequestTypeDef as CreateTagsRequestTypeDef
    from types_boto3_ec2.type_defs import ClientDeleteTagsRequestTypeDef as DeleteTagsRequestTypeDef
    from types_boto3_ec2.type_defs import DescribeTagsRequestTypeDef

MAX_TAGS = 50


def require_keys(tags: Sequence[Mapping[str, Any]], wire: str) -> None:
    """Every tag names its Key (`wire` is the list's wire name, ``Tag``): a Value alone names no tag."""
    for index, tag in enumerate(tags, 1):
        if "Key" not in tag:
            raise AwsError("MissingParameter", f"The request must contain the parameter {wire}.{index}.Key")


def validate_tags(tags: Sequence[Mapping[str, Any]], wire: str = "Tag") -> dict[str, str]:
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
    specs: Sequence[Mapping[str, Any]] | None, resource_type: str, allowed: tuple[str, ...]
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
    rtype = by_id(resource_id)
    return rtype.name if rtype is not None else ""


@dataclass
class TagPlan(Plan):
    """The resources CreateTags or DeleteTags names (each once, looked up once) and the tags."""

    found: dict[str, Resource | None]
    given: dict[str, str]  # the request's tags, unvalidated (their keys are condition keys)
    tags: Sequence[Mapping[str, Any]] | None = None
    resources: list[Resource] = field(default_factory=list)

    def checks(self, ctx: RequestContext) -> Iterator[Check]:
        """One check per resource: its own keys, plus the tags being set or removed."""
        action = f"ec2:{ctx.action}"
        for resource_id, resource in self.found.items():
            if resource is None:
                check = unresolved(ctx, action, (by_id(resource_id) or UNKNOWN).name, resource_id)
            else:
                check = resource_check(ctx, action, resource)
            if ctx.action == "CreateTags":
                extra = request_tags(self.given)
            else:
                extra = {"aws:TagKeys": list(self.given or (resource.tags if resource else ()))}
            yield Check(action, check.resource, {**check.context, **extra})


def _found(resource_id: str, resource: Resource | None) -> Resource:
    """The resource an id names, or AWS's error: an id of no taggable type, else its NotFound."""
    prefix, dash, rest = resource_id.partition("-")
    rtype = by_id(resource_id)
    if not dash or rtype is None or not rest:
        raise AwsError("InvalidID", f"The ID '{resource_id}' is not valid")
    if resource is None:
        raise AwsError(*rtype.not_found_message(resource_id))
    return resource


def plan_tags(ctx: RequestContext, req: CreateTagsRequestTypeDef | DeleteTagsRequestTypeDef) -> TagPlan:
    tags = req.get("Tags")
    ids = req.get("Resources") or []
    plan = TagPlan(
        {rid: ctx.ec2.resources.get(rid) for rid in dict.fromkeys(ids)},
        {t.get("Key", ""): t.get("Value", "") for t in tags or ()},
        tags,
    )
    try:
        if ctx.action == "CreateTags":
            plan.given = validate_tags(tags or [])
        else:
            require_keys(tags or [], "Tag")
        plan.resources = [_found(rid, resource) for rid, resource in plan.found.items()]
    except AwsError as error:
        plan.fail(error)
    return plan


@ec2_action("CreateTags", resolve=plan_tags)
def create_tags(ctx: RequestContext, req: CreateTagsRequestTypeDef, plan: TagPlan) -> None:
    for resource in plan.resources:
        if len(set(resource.tags) | set(plan.given)) > MAX_TAGS:
            raise AwsError("TagLimitExceeded", "The maximum number of Tags for a resource has been reached.")
    for resource in plan.resources:
        ctx.ec2.set_tags(resource, plan.given)


@ec2_action("DeleteTags", resolve=plan_tags)
def delete_tags(ctx: RequestContext, req: DeleteTagsRequestTypeDef, plan: TagPlan) -> None:
    for resource in plan.resources:
        keys = {t["Key"]: t.get("Value") for t in plan.tags} if plan.tags else dict.fromkeys(resource.tags)
        ctx.ec2.delete_tags(resource, keys)


_TAG_FILTERS = FilterSet(
    {
        "resource-id": lambda t: t["ResourceId"],
        "resource-type": lambda t: t["ResourceType"],
        "key": lambda t: t["Key"],
        "value": lambda t: t["Value"],
    }
)


@ec2_action("DescribeTags", resolve=NO_RESOURCES)
def describe_tags(ctx: RequestContext, req: DescribeTagsRequestTypeDef) -> dict[str, Any]:
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
