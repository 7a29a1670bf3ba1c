"""VPC peering connections: finding them from either side, validation, and the checks.

A connection is one server-wide record (`ec2sim.store.ec2.peering`); each side acts on it through
its own handle: the requester's region holds the record, the accepter's a `PeeringView` with its
own tags. So a check names the connection in the caller's own account and region (its ARN and
tags), with ec2:RequesterVpc and ec2:AccepterVpc naming both VPCs where they live.

Authorization (Service Authorization Reference, VPC Peering Guide "Identity and access
management"): CreateVpcPeeringConnection on the requester VPC ("the VPC resource for the
CreateVpcPeeringConnection action is always the requester VPC") and on
``vpc-peering-connection/*`` with both VPC keys and the request's tags; AcceptVpcPeeringConnection
in the accepter's account, on its VPC and the connection; Reject, Delete and
ModifyVpcPeeringConnectionOptions on the connection.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ec2sim.api.authorization import Check, Plan
from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.authz import Keys, creating, resource_check, unresolved
from ec2sim.api.ec2.tagging import tags_for
from ec2sim.api.errors import AwsError
from ec2sim.store.ec2.geography import is_valid_region
from ec2sim.store.ec2.network import SecurityGroup, SecurityGroupRule, Vpc
from ec2sim.store.ec2.peering import ACTIVE, LIVE, PROVISIONING, WAITING, PeeringView, VpcPeeringConnection
from ec2sim.store.resources import VPC, VPC_PEERING_CONNECTION
from ec2sim.store.table import Resource

KIND = VPC_PEERING_CONNECTION.name
# Amazon VPC quotas (defaults): requests waiting for acceptance per account and region, and active
# connections per VPC.
MAX_OUTSTANDING = 25
MAX_ACTIVE = 50


def check_id(connection_id: str) -> None:
    if not connection_id.startswith("pcx-"):
        raise AwsError(
            "InvalidVpcPeeringConnectionId.Malformed", f'Invalid id: "{connection_id}" (expecting "pcx-...")'
        )


def not_found(connection_id: str) -> AwsError:
    return AwsError(*VPC_PEERING_CONNECTION.not_found_message(connection_id))


def handle(ctx: RequestContext, connection: VpcPeeringConnection) -> Resource:
    """The caller's handle on a connection it sees: the record (requester), else the accepter's
    view (one made for reading when its region keeps none)."""
    requester = connection.requester
    if (requester.owner_id, requester.region) == (ctx.account_id, ctx.region):
        return connection
    view = ctx.ec2.resources.get(connection.id)
    if isinstance(view, PeeringView):
        return view
    return PeeringView(
        connection.id, owner_id=ctx.account_id, connection=connection, tags=connection.accepter_tags
    )


def find(ctx: RequestContext, connection_id: str) -> VpcPeeringConnection:
    """A connection the caller's account-region sees now (else its NotFound)."""
    check_id(connection_id)
    connection = ctx.ec2.peerings.get(connection_id)
    if connection is None or not connection.visible_to(ctx.account_id, ctx.region, ctx.now):
        raise not_found(connection_id)
    return connection


def is_accepter(ctx: RequestContext, connection: VpcPeeringConnection) -> bool:
    accepter = connection.accepter
    return (accepter.owner_id, accepter.region) == (ctx.account_id, ctx.region)


def is_requester(ctx: RequestContext, connection: VpcPeeringConnection) -> bool:
    requester = connection.requester
    return (requester.owner_id, requester.region) == (ctx.account_id, ctx.region)


def not_permitted(message: str) -> AwsError:
    return AwsError("OperationNotPermitted", message)


def bad_transition(connection: VpcPeeringConnection, target: str) -> AwsError:
    """Assumed wording: EC2's InvalidStateTransition for a connection not in a state the action
    takes."""
    return AwsError(
        "InvalidStateTransition",
        f"Invalid state transition for {connection.id}, attempted to transition from {connection.status} "
        f"to {target}",
    )


# Existing connections ---------------------------------------------------------------------------


@dataclass
class PeeringPlan(Plan):
    """The connection an Accept, Reject, Delete or Modify…Options request names, seen by the
    caller; Accept also names the caller's (accepter) VPC."""

    named: str
    connection: VpcPeeringConnection | None = None
    vpc: Vpc | None = None
    with_vpc: bool = False  # AcceptVpcPeeringConnection: the accepter VPC is checked too
    values: dict[str, Any] = field(default_factory=dict)

    def checks(self, ctx: RequestContext) -> Iterator[Check]:
        action = f"ec2:{ctx.action}"
        if self.with_vpc:
            yield resource_check(ctx, action, self.vpc) if self.vpc else unresolved(ctx, action, "vpc", "*")
        if self.connection is None:
            yield unresolved(ctx, action, KIND, self.named or "*")
        else:
            yield resource_check(ctx, action, handle(ctx, self.connection))


Step = Callable[[RequestContext, Any, PeeringPlan], None]


def peering_resolver(step: Step, with_vpc: bool = False) -> Callable[[RequestContext, Any], PeeringPlan]:
    """The resolver of an operation on the connection ``VpcPeeringConnectionId`` names, then `step`."""

    def resolve(ctx: RequestContext, req: Any) -> PeeringPlan:
        plan = PeeringPlan(str(req.get("VpcPeeringConnectionId") or ""), with_vpc=with_vpc)
        try:
            plan.connection = find(ctx, plan.named)
            if with_vpc and is_accepter(ctx, plan.connection):
                plan.vpc = ctx.ec2.vpcs.get(plan.connection.accepter.vpc_id)
            step(ctx, req, plan)
        except AwsError as error:
            plan.fail(error)
        return plan

    return resolve


# New connections -------------------------------------------------------------------------------


@dataclass
class NewPeeringPlan(Plan):
    req: Mapping[str, Any]
    vpc_id: str
    vpc: Vpc | None = None
    peer_owner: str = ""
    peer_region: str = ""
    peer_vpc_id: str = ""
    peer_vpc: Vpc | None = None  # None: the request fails (no such VPC where it says)
    fails: bool = False
    tags: dict[str, str] = field(default_factory=dict)

    def checks(self, ctx: RequestContext) -> Iterator[Check]:
        action = "ec2:CreateVpcPeeringConnection"
        yield (
            resource_check(ctx, action, self.vpc) if self.vpc else unresolved(ctx, action, "vpc", self.vpc_id)
        )
        keys: Keys = {
            "ec2:RequesterVpc": VPC.arn(ctx.region, ctx.account_id, self.vpc_id),
            "ec2:AccepterVpc": VPC.arn(
                self.peer_region or ctx.region, self.peer_owner or ctx.account_id, self.peer_vpc_id or "*"
            ),
        }
        yield from creating(ctx, action, KIND, self.req, keys)


def _networks(vpc: Vpc) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [
        *vpc.networks(),
        *(ipaddress.IPv6Network(a.cidr_block) for a in vpc.ipv6_associations),
    ]


def overlap(one: Vpc, other: Vpc) -> bool:
    """Whether any IPv4 or IPv6 block of the two VPCs overlap (VPC Peering Guide, limitations)."""
    theirs = _networks(other)
    return any(n.version == o.version and n.overlaps(o) for n in _networks(one) for o in theirs)


def plan_create(ctx: RequestContext, req: Any) -> NewPeeringPlan:
    vpc_id = str(req.get("VpcId") or "")
    plan = NewPeeringPlan(req, vpc_id or "*", ctx.ec2.vpcs.get(vpc_id))
    plan.peer_owner = str(req.get("PeerOwnerId") or ctx.account_id)
    plan.peer_region = str(req.get("PeerRegion") or ctx.region)
    plan.peer_vpc_id = str(req.get("PeerVpcId") or "")
    try:
        _validate_create(ctx, req, plan)
    except AwsError as error:
        plan.fail(error)
    return plan


def _validate_create(ctx: RequestContext, req: Any, plan: NewPeeringPlan) -> None:
    if plan.vpc is None:
        raise AwsError(*VPC.not_found_message(plan.vpc_id))
    if not plan.peer_vpc_id:
        # Assumed: EC2 asks for the peer VPC as for any missing parameter (the model leaves it optional).
        raise AwsError("MissingParameter", "The request must contain the parameter peerVpcId")
    if not is_valid_region(plan.peer_region):
        raise AwsError(
            "InvalidParameterValue", f"Value ({plan.peer_region}) for parameter peerRegion is invalid."
        )
    peer_key = (plan.peer_owner, plan.peer_region, plan.peer_vpc_id)
    if peer_key == (ctx.account_id, ctx.region, plan.vpc.id):
        # Assumed wording: a VPC can't be peered with itself.
        raise AwsError(
            "InvalidParameterValue", f"The requester VPC and the accepter VPC are the same: {plan.vpc.id}"
        )
    for existing in ctx.ec2.peerings.of_vpc(plan.vpc.id):
        sides = {(s.owner_id, s.region, s.vpc_id) for s in (existing.requester, existing.accepter)}
        if existing.status in LIVE and peer_key in sides:
            # "You cannot have more than one VPC peering connection between the same two VPCs at
            # the same time" (VPC Peering Guide); EC2's error code, assumed message.
            raise AwsError(
                "VpcPeeringConnectionAlreadyExists",
                f"A VPC peering connection already exists between {plan.vpc.id} and {plan.peer_vpc_id}: "
                f"{existing.id}",
            )
    waiting = [
        c
        for c in ctx.ec2.peerings.seen_by(ctx.account_id, ctx.region)
        if c.status in WAITING and is_requester(ctx, c)
    ]
    if len(waiting) >= MAX_OUTSTANDING:
        # The code EC2 documents; assumed message (its description in the error code list).
        raise AwsError(
            "OutstandingVpcPeeringConnectionLimitExceeded",
            "You've reached the limit on the number of VPC peering connection requests that you can create "
            "for the specified VPC.",
        )
    plan.tags = tags_for(req.get("TagSpecifications"), KIND, (KIND,))
    region = ctx.store.find_region(plan.peer_owner, plan.peer_region)
    plan.peer_vpc = region.vpcs.get(plan.peer_vpc_id) if region is not None else None
    # A peer VPC that doesn't exist (or isn't the named owner's) or overlapping blocks: the
    # connection is created, then fails (EC2 API Reference, CreateVpcPeeringConnection).
    plan.fails = plan.peer_vpc is None or overlap(plan.vpc, plan.peer_vpc)


# Security group rules referencing a peer VPC's group ------------------------------------------


def peered(ctx: RequestContext, vpc_id: str, other_vpc_id: str) -> bool:
    """Whether an active peering connection joins the two VPCs (through the per-VPC index)."""
    return any(
        c.status == ACTIVE and {c.requester.vpc_id, c.accepter.vpc_id} == {vpc_id, other_vpc_id}
        for c in ctx.ec2.peerings.of_vpc(vpc_id)
    )


def check_references(ctx: RequestContext, group: SecurityGroup, rules: Iterable[SecurityGroupRule]) -> None:
    """New rules of `group` may reference a group of its own VPC, or of a VPC peered with it by an
    active connection in the same region (the caller's group, or another account's named with its
    UserId); a group elsewhere is refused as EC2 refuses "two resources that belong to different
    networks". Another account's group this server doesn't know stays taken as given."""
    for rule in rules:
        if rule.referenced_group_id is None:
            continue
        owner = rule.referenced_user_id or ctx.account_id
        region = ctx.ec2 if owner == ctx.account_id else ctx.store.find_region(owner, ctx.region)
        referenced = region.security_groups.get(rule.referenced_group_id) if region is not None else None
        if referenced is None or referenced.vpc_id == group.vpc_id:
            continue
        if not peered(ctx, group.vpc_id, referenced.vpc_id):
            raise AwsError(
                "InvalidGroup.NotFound", "You have specified two resources that belong to different networks."
            )


def check_active_quota(ctx: RequestContext, connection: VpcPeeringConnection) -> None:
    """Accepting may not take either VPC past its active connections (the code EC2 documents;
    assumed message)."""
    for vpc_id in (connection.requester.vpc_id, connection.accepter.vpc_id):
        active = [c for c in ctx.ec2.peerings.of_vpc(vpc_id) if c.status in (PROVISIONING, ACTIVE)]
        if len(active) >= MAX_ACTIVE:
            raise AwsError(
                "ActiveVpcPeeringConnectionPerVpcLimitExceeded",
                "You've reached the limit on the number of active VPC peering connections you can have "
                f"for the specified VPC: {vpc_id}",
            )
