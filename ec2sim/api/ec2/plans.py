"""Plans of the operations on existing instances: each named instance looked up once.

The plan's checks are the instance's ARN and keys for each named id (an id that doesn't
resolve: its ARN, no keys); its error is what the handler would have raised for the ids
(a malformed one, else every missing one), after any validation the operation makes first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from ec2sim.api.authorization import Check, Plan
from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.authz import resource_check, unresolved
from ec2sim.api.ec2.instance_views import find_instances
from ec2sim.api.errors import AwsError
from ec2sim.store.ec2.instances import Instance

if TYPE_CHECKING:
    from types_boto3_ec2.type_defs import (
        ModifyInstanceAttributeRequestTypeDef,
        ModifyInstanceMetadataOptionsRequestTypeDef,
        RebootInstancesRequestTypeDef,
        StartInstancesRequestTypeDef,
        StopInstancesRequestTypeDef,
        TerminateInstancesRequestTypeDef,
    )

    InstanceIdsRequest = (
        StartInstancesRequestTypeDef
        | StopInstancesRequestTypeDef
        | TerminateInstancesRequestTypeDef
        | RebootInstancesRequestTypeDef
    )
    InstanceIdRequest = ModifyInstanceAttributeRequestTypeDef | ModifyInstanceMetadataOptionsRequestTypeDef

Req = TypeVar("Req", bound=Mapping[str, Any])  # an operation's request TypedDict


@dataclass
class InstancesPlan(Plan):
    found: dict[str, Instance | None]  # each named id once, in order
    instances: list[Instance] = field(default_factory=list)  # all of them, once resolved

    @property
    def instance(self) -> Instance:
        return self.instances[0]

    def checks(self, ctx: RequestContext) -> Iterator[Check]:
        yield from self.instance_checks(ctx, f"ec2:{ctx.action}")

    def instance_checks(self, ctx: RequestContext, action: str) -> Iterator[Check]:
        for instance_id, instance in self.found.items():
            if instance is not None:
                yield resource_check(ctx, action, instance)
            else:
                yield unresolved(ctx, action, "instance", instance_id)


def resolve_instances(ctx: RequestContext, ids: Sequence[str], plan: InstancesPlan) -> None:
    """Fill `plan` with the instances `ids` name, or record the handler's error for them."""
    plan.found = {i: ctx.ec2.instances.get(i) for i in dict.fromkeys(ids)}
    found = [i for i in plan.found.values() if i is not None]
    if len(found) == len(plan.found):
        plan.instances = found  # stored instances have well-formed ids
    else:
        try:
            find_instances(ctx, ids)  # raises the error for the malformed or missing ids
        except AwsError as error:
            plan.fail(error)


def instances_resolver(
    ids: Callable[[Req], Sequence[str]], first: Callable[[Req], None] | None = None
) -> Callable[[RequestContext, Req], InstancesPlan]:
    """A resolver of the instances `ids` names; `first`: validation AWS makes before looking."""

    def resolve(ctx: RequestContext, req: Req) -> InstancesPlan:
        plan = InstancesPlan({})
        if first is not None:
            try:
                first(req)
            except AwsError as error:
                plan.fail(error)
        resolve_instances(ctx, ids(req), plan)
        return plan

    return resolve


def _instance_ids(req: InstanceIdsRequest) -> Sequence[str]:
    return req.get("InstanceIds") or []


def _instance_id(req: InstanceIdRequest) -> Sequence[str]:
    return [req.get("InstanceId", "")]


plan_instances = instances_resolver(_instance_ids)
plan_instance = instances_resolver(_instance_id)  # one, by InstanceId
