"""A plan over the existing resources a request names (Elastic IPs, network interfaces, instances),
and finding them by id with EC2's Malformed and NotFound errors."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ec2sim.api.authorization import Check, Plan
from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.authz import Keys, resource_check, unresolved
from ec2sim.api.errors import AwsError
from ec2sim.store.ec2.addresses import Address
from ec2sim.store.ec2.instances import Instance
from ec2sim.store.ec2.network import NetworkInterface
from ec2sim.store.resources import ELASTIC_IP, INSTANCE, NETWORK_INTERFACE, ResourceType
from ec2sim.store.table import Resource, Table

R = TypeVar("R", bound=Resource)
_MALFORMED = {
    "network-interface": "InvalidNetworkInterfaceID.Malformed",
    "elastic-ip": "InvalidAllocationID.Malformed",
    "instance": "InvalidInstanceID.Malformed",
}


@dataclass
class NamedPlan(Plan):
    """Checks ``ec2:ACTION`` on each named resource (its ARN and keys), or, where one doesn't resolve,
    on the ARN the request names; `keys` adds condition keys (ec2:Attribute...) to the checks on the
    Elastic IP or interface the request acts on."""

    named: list[tuple[str, str, Resource | None]] = field(default_factory=list)
    keys: Keys = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)  # what the handler needs besides

    def name(self, kind: str, name: str, resource: Resource | None) -> None:
        self.named.append((kind, name, resource))

    def attempt(self, step: Callable[[], object]) -> Any:
        """Run a look-up or validation; its error becomes the plan's (the first one wins)."""
        try:
            return step()
        except AwsError as error:
            self.fail(error)
            return None

    def checks(self, ctx: RequestContext) -> Iterator[Check]:
        action = f"ec2:{ctx.action}"
        for kind, name, resource in self.named:
            check = (
                resource_check(ctx, action, resource)
                if resource is not None
                else unresolved(ctx, action, kind, name)
            )
            keyed = self.keys and kind in ("elastic-ip", "network-interface")
            yield Check(check.action, check.resource, {**check.context, **self.keys}) if keyed else check


def find(table: Table[R], rtype: ResourceType, resource_id: str) -> R:
    """One resource by id: malformed ids and unknown ones as EC2 words them."""
    prefix = rtype.prefixes[0]
    if not re.fullmatch(rf"{prefix}-[0-9a-f]{{8}}([0-9a-f]{{9}})?", resource_id or ""):
        raise AwsError(_MALFORMED[rtype.name], f'Invalid id: "{resource_id}" (expecting "{prefix}-...")')
    item = table.get(resource_id)
    if item is None:
        raise AwsError(*rtype.not_found_message(resource_id))
    return item


def find_interface(ctx: RequestContext, interface_id: str, permission: str = "") -> NetworkInterface:
    """One of the caller's interfaces or, with `permission` (INSTANCE-ATTACH, EIP-ASSOCIATE),
    another account's on which its owner granted the caller that permission (in the caller's
    region). Any other account's is answered as one that doesn't exist."""
    try:
        return find(ctx.ec2.network_interfaces, NETWORK_INTERFACE, interface_id)
    except AwsError:
        region, account = ctx.region, ctx.account_id
        shared = (
            ctx.ec2.interfaces.permitted(interface_id, region, account, permission) if permission else None
        )
        if shared is None:
            raise
        return shared


def find_address(ctx: RequestContext, allocation_id: str) -> Address:
    return find(ctx.ec2.addresses, ELASTIC_IP, allocation_id)


def find_instance(ctx: RequestContext, instance_id: str) -> Instance:
    return find(ctx.ec2.instances, INSTANCE, instance_id)


def resolve(plan: NamedPlan, kind: str, name: str, look: Callable[[], R | None]) -> R | None:
    """Look a named resource up (recording its error) and name it for the checks."""
    found: R | None = plan.attempt(look)
    plan.name(kind, name, found)
    return found
