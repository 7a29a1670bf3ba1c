"""Which IAM checks EC2 actions make: resource ARNs and their condition keys.

Follows the Service Authorization Reference ("Actions, resources, and condition
keys for Amazon EC2"; tests/test_authorization_data.py holds every action to it): an
action on existing resources is authorized once per resource ARN, with that resource's
keys (its descriptor's, `ec2sim.store.resources`, and ec2:ResourceTag/* and
aws:ResourceTag/*); a resource being created is authorized on ``TYPE/*`` with the
request's keys (aws:RequestTag/*, aws:TagKeys, ec2:VolumeSize...); TagSpecifications
also need ``ec2:CreateTags`` with ec2:CreateAction. Every check carries ec2:Region. An
id that doesn't resolve is checked on the ARN it names with no resource keys (a caller
allowed there gets the handler's NotFound). Actions without resource-level permissions
(every Describe*) register `NO_RESOURCES`.

This module has the shared pieces; the plans make their checks from them (`plans`,
`launch`, `iam_profiles`, `tagging`, `keypairs`, `group_plans`, `storage_plans`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ec2sim.api.authorization import Check
from ec2sim.api.context import RequestContext
from ec2sim.iam.context_keys import request_tags, resource_tags
from ec2sim.iam.policy.variables import ContextValue
from ec2sim.store.ec2.keypairs import KeyPair
from ec2sim.store.resources import EC2_TYPES
from ec2sim.store.table import Resource

Keys = dict[str, ContextValue]


def arn(ctx: RequestContext, kind: str, name: str, region: str | None = None) -> str:
    """The ARN of the EC2 resource `name` of type `kind` in the caller's account (its descriptor's)."""
    return EC2_TYPES[kind].arn(region or ctx.region, ctx.account_id, name)


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


def resource_check(ctx: RequestContext, action: str, resource: Resource) -> Check:
    """The check on a stored resource: its descriptor's ARN and condition keys, and its tags."""
    rtype = EC2_TYPES[resource.resource_type]
    keys = rtype.condition_keys(resource, ctx.region, ctx.account_id)
    return Check(
        action, rtype.resource_arn(resource, ctx.region, ctx.account_id), tagged(ctx, resource, keys)
    )


def vpc_arn(ctx: RequestContext, vpc_id: str) -> str:
    return arn(ctx, "vpc", vpc_id)


# Resources being created ----------------------------------------------------------------------


def spec_tags(req: Mapping[str, Any], resource_type: str) -> dict[str, str]:
    """The tags TagSpecifications give `resource_type` (unvalidated: the handler validates)."""
    tags: dict[str, str] = {}
    for spec in req.get("TagSpecifications") or ():
        if spec.get("ResourceType") == resource_type:
            tags.update({t.get("Key", ""): t.get("Value", "") for t in spec.get("Tags") or ()})
    return tags


def creating(
    ctx: RequestContext,
    action: str,
    kind: str,
    req: Mapping[str, Any],
    keys: Keys | None = None,
    name: str = "*",
) -> Iterator[Check]:
    """The check on a new ``KIND/*`` (or ``KIND/name``, for a type named by the request, like a key
    pair) with the request's tags, then ec2:CreateTags if it tags it."""
    tags = spec_tags(req, kind)
    resource = arn(ctx, kind, name)
    yield Check(action, resource, region_keys(ctx, {**(keys or {}), **request_tags(tags)}))
    if tags:
        yield tag_on_create(ctx, resource, tags)


def tag_on_create(ctx: RequestContext, resource: str, tags: dict[str, str]) -> Check:
    """AWS authorizes tags given at creation as ec2:CreateTags with ec2:CreateAction = the operation."""
    return Check(
        "ec2:CreateTags", resource, region_keys(ctx, {"ec2:CreateAction": ctx.action, **request_tags(tags)})
    )


# Key pairs -------------------------------------------------------------------------------------


def key_by_name(ctx: RequestContext, name: str) -> KeyPair | None:
    return next(iter(ctx.ec2.key_pairs.where("name", name)), None)
