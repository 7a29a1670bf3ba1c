"""CloudTrail's LookupEvents (JSON protocol, `ec2sim.api.json_protocol`): the caller's account's
events from the server's trail (`ec2sim.cloudtrail`). cloudtrail:LookupEvents has no resource-level
permissions: it is checked on ``*``. CloudTrail's other operations answer ``Unsupported``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ec2sim.api.authorization import NO_RESOURCES
from ec2sim.api.context import RequestContext
from ec2sim.api.registry import action
from ec2sim.cloudtrail.lookup import lookup, parse_query

if TYPE_CHECKING:
    from ec2sim.api.model_types import LookupEventsRequestTypeDef


@action("cloudtrail", "LookupEvents", NO_RESOURCES)
def lookup_events(ctx: RequestContext, req: LookupEventsRequestTypeDef) -> dict[str, Any]:
    return lookup(ctx.store, parse_query(ctx.principal.account_id, req))
