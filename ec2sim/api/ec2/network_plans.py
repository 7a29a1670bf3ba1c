"""The plan every gateway and routing operation resolves: what it names, looked up once, and checks.

A `NetPlan` records each resource the request names (its descriptor's ARN and keys when it resolves,
the ARN it names otherwise) and the resource type it creates (``TYPE/*`` with the request's tags,
ec2:CreateTags for TagSpecifications), as the Service Authorization Reference lists them for
the action. Resolvers look every named id up first (`NetPlan.look`), then validate in AWS's order
(`need` raises the type's Malformed or NotFound); `net_resolver` records the first error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ec2sim.api.authorization import Check, Plan
from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.authz import Keys, creating, resource_check, unresolved
from ec2sim.api.ec2.common import fingerprint, replayed
from ec2sim.api.ec2.tagging import tags_for
from ec2sim.api.errors import AwsError
from ec2sim.store.resources import VPC, ResourceType
from ec2sim.store.table import Resource, Table

R = TypeVar("R", bound=Resource)
Req = TypeVar("Req", bound=Mapping[str, Any])

# Id prefix → the code AWS answers for an id of the wrong shape.
_MALFORMED = {
    "igw": "InvalidInternetGatewayId.Malformed",
    "eigw": "InvalidEgressOnlyInternetGatewayId.Malformed",
    "nat": "InvalidNatGatewayId.Malformed",
    "rtb": "InvalidRouteTableId.Malformed",
    "acl": "InvalidNetworkAclId.Malformed",
    "dopt": "InvalidDhcpOptionsId.Malformed",
}


def missing(parameter: str) -> AwsError:
    return AwsError("MissingParameter", f"The request must contain the parameter {parameter}")


def check_id(resource_id: str, prefix: str) -> None:
    """An id of one of this family's types must have its prefix (and something after it)."""
    code = _MALFORMED.get(prefix)
    if code is not None and (not resource_id.startswith(f"{prefix}-") or len(resource_id) <= len(prefix) + 1):
        raise AwsError(code, f'Invalid id: "{resource_id}" (expecting "{prefix}-...")')


@dataclass
class NetPlan(Plan):
    req: Mapping[str, Any]
    creates: str = ""  # the resource type it creates, authorized on TYPE/*
    create_keys: Keys = field(default_factory=dict)
    named: dict[tuple[str, str], Resource | None] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)  # what the resolver found or validated

    def checks(self, ctx: RequestContext) -> Iterator[Check]:
        action = f"ec2:{ctx.action}"
        if self.creates:
            yield from creating(ctx, action, self.creates, self.req, self.create_keys)
        for (kind, name), resource in self.named.items():
            yield (
                resource_check(ctx, action, resource)
                if resource is not None
                else unresolved(ctx, action, kind, name)
            )
        if not self.creates and not self.named:
            yield Check(action)  # nothing the request names resolves to a resource: on "*"

    def look(
        self, table: Table[R], rtype: ResourceType, resource_id: str | None, checked: bool = True
    ) -> R | None:
        """The resource `resource_id` names (None: absent); `checked`: authorized on it."""
        found = table.get(resource_id) if resource_id else None
        if checked and resource_id:
            self.named[(rtype.name, resource_id)] = found
        return found

    def __getitem__(self, name: str) -> Any:
        return self.values[name]


def need(found: R | None, rtype: ResourceType, resource_id: str | None, parameter: str) -> R:
    """`found`, else AWS's error for `resource_id`: missing, malformed, or its type's NotFound."""
    if not resource_id:
        raise missing(parameter)
    check_id(resource_id, rtype.prefixes[0])
    if found is None:
        raise AwsError(*rtype.not_found_message(resource_id))
    return found


def new_tags(plan: NetPlan, kind: str) -> None:
    plan.tags = tags_for(plan.req.get("TagSpecifications"), kind, (kind,))


def net_resolver(
    step: Callable[[RequestContext, Req, NetPlan], None], creates: str = ""
) -> Callable[[RequestContext, Req], NetPlan]:
    """A resolver running `step` (look-ups, then validation in AWS's order) on a new plan."""

    def resolve(ctx: RequestContext, req: Req) -> NetPlan:
        plan = NetPlan(req, creates)
        try:
            step(ctx, req, plan)
        except AwsError as error:
            plan.fail(error)
        return plan

    return resolve


def earlier(plan: NetPlan, table: Table[Any]) -> Any:
    """What an earlier request with the request's ClientToken made (a retry answers it again), as
    ``plan["earlier"]``; the same token with other arguments is AWS's IdempotentParameterMismatch."""
    found = replayed(table, plan.req)
    plan.values["earlier"] = found
    return found


def plan_in_vpc(
    ctx: RequestContext, plan: NetPlan, table: Table[Any], kind: str, quota: AwsError, limit: int
) -> None:
    """CreateRouteTable, CreateNetworkAcl: the request's VPC as ``plan["vpc"]``, the new resource's
    tags, and (unless the request is a retry) the VPC's quota of `kind`, refused with `quota`."""
    vpc_id = plan.req.get("VpcId")
    vpc = plan.values["vpc"] = need(plan.look(ctx.ec2.vpcs, VPC, vpc_id), VPC, vpc_id, "vpcId")
    new_tags(plan, kind)
    if earlier(plan, table) is None and sum(1 for _ in table.where("vpc_id", vpc.id)) >= limit:
        raise quota


def token_fields(req: Mapping[str, Any]) -> dict[str, Any]:
    """A new resource's ClientToken and the fingerprint of the request that made it."""
    token = req.get("ClientToken")
    return {"client_token": token, "request_fingerprint": fingerprint(req) if token else ""}
