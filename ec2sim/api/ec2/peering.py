"""VPC peering connections: create, accept, reject, delete, describe, and peering options.

Plans, checks and validation live in `peering_plans`; the record and its lifecycle on the
timeline in `ec2sim.store.ec2.peering`.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from ec2sim.api.authorization import NO_RESOURCES
from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.common import tag_list
from ec2sim.api.ec2.filters import FilterSet
from ec2sim.api.ec2.paging import paginate
from ec2sim.api.ec2.peering_plans import (
    NewPeeringPlan,
    PeeringPlan,
    bad_transition,
    check_active_quota,
    find,
    handle,
    is_accepter,
    is_requester,
    not_permitted,
    peering_resolver,
    plan_create,
)
from ec2sim.api.errors import AwsError
from ec2sim.api.registry import ec2_action
from ec2sim.store.ec2 import peering
from ec2sim.store.ec2.network import Vpc
from ec2sim.store.ec2.peering import (
    ACTIVE,
    DAYS_2,
    EXPIRES_AFTER,
    HOURS_2,
    INITIATING,
    OPTION_NAMES,
    PENDING,
    PROVISIONING,
    REJECTED,
    PeeringSide,
    VpcPeeringConnection,
)
from ec2sim.store.resources import VPC_PEERING_CONNECTION
from ec2sim.store.table import Resource, touch

if TYPE_CHECKING:
    from types_boto3_ec2.type_defs import (
        AcceptVpcPeeringConnectionRequestTypeDef,
        CreateVpcPeeringConnectionRequestTypeDef,
        DeleteVpcPeeringConnectionRequestTypeDef,
        DescribeVpcPeeringConnectionsRequestTypeDef,
        ModifyVpcPeeringConnectionOptionsRequestTypeDef,
        RejectVpcPeeringConnectionRequestTypeDef,
    )

# Until accepted, the accepter's side shows only its owner, VPC and region (as EC2 does).
_UNACCEPTED = frozenset({INITIATING, PENDING, peering.FAILED, peering.EXPIRED, REJECTED})


def _side(vpc: Vpc | None, owner_id: str, region: str, vpc_id: str) -> PeeringSide:
    side = PeeringSide(owner_id, region, vpc_id)
    if vpc is not None:
        side.cidr_block = vpc.cidr_block
        side.cidr_blocks = [a.cidr_block for a in vpc.cidr_associations]
        side.ipv6_cidr_blocks = [a.cidr_block for a in vpc.ipv6_associations]
    return side


def _shown(connection: VpcPeeringConnection, side: PeeringSide) -> bool:
    """Whether a side's blocks are shown: the requester's always, the accepter's once accepted."""
    return side is connection.requester or connection.status not in _UNACCEPTED


def _side_item(connection: VpcPeeringConnection, side: PeeringSide) -> dict[str, Any]:
    item: dict[str, Any] = {"OwnerId": side.owner_id, "VpcId": side.vpc_id, "Region": side.region}
    if _shown(connection, side):
        item["CidrBlock"] = side.cidr_block or None
        item["CidrBlockSet"] = [{"CidrBlock": b} for b in side.cidr_blocks] or None
        item["Ipv6CidrBlockSet"] = [{"Ipv6CidrBlock": b} for b in side.ipv6_cidr_blocks] or None
    if side.options:
        item["PeeringOptions"] = dict(side.options)
    return item


def _expiration(connection: VpcPeeringConnection) -> datetime | None:
    """When an unaccepted request expires (shown only while it waits)."""
    return connection.expiration_time if connection.status in (INITIATING, PENDING) else None


def peering_item(ctx: RequestContext, connection: VpcPeeringConnection) -> dict[str, Any]:
    """A connection as the caller's account-region sees it (its own tags)."""
    return {
        "AccepterVpcInfo": _side_item(connection, connection.accepter),
        "ExpirationTime": _expiration(connection),
        "RequesterVpcInfo": _side_item(connection, connection.requester),
        "Status": {"Code": connection.status, "Message": connection.message},
        "Tags": tag_list(handle(ctx, connection).tags) or None,
        "VpcPeeringConnectionId": connection.id,
    }


@ec2_action("CreateVpcPeeringConnection", resolve=plan_create)
def create_vpc_peering_connection(
    ctx: RequestContext, req: CreateVpcPeeringConnectionRequestTypeDef, plan: NewPeeringPlan
) -> dict[str, Any]:
    assert plan.vpc is not None
    connection = VpcPeeringConnection(
        ctx.ec2.ids.hex_id("pcx"),
        owner_id=ctx.account_id,
        requester=_side(plan.vpc, ctx.account_id, ctx.region, plan.vpc.id),
        accepter=_side(plan.peer_vpc, plan.peer_owner, plan.peer_region, plan.peer_vpc_id),
        message=f"Initiating Request to {plan.peer_owner}",
        created=ctx.now,
        expiration_time=ctx.now + EXPIRES_AFTER,
    )
    ctx.ec2.add_peering(connection)
    if plan.tags:
        ctx.ec2.set_tags(connection, plan.tags)
    timeline = ctx.ec2.timeline
    if plan.fails:
        timeline.schedule(ctx.now, "peering.failed", connection.id)
    else:
        timeline.schedule(ctx.now, "peering.pending", connection.id)
        timeline.schedule(ctx.now + EXPIRES_AFTER, "peering.expire", connection.id)
    return {"VpcPeeringConnection": peering_item(ctx, connection)}


# Accept, reject, delete ------------------------------------------------------------------------


def _acceptable(ctx: RequestContext, req: Any, plan: PeeringPlan) -> None:
    connection = plan.connection
    assert connection is not None
    if not is_accepter(ctx, connection):
        accepter = connection.accepter
        if accepter.owner_id == ctx.account_id:
            # Assumed wording (as EC2 answers an accept sent to the requester's region).
            raise not_permitted(
                f"Incorrect region ({ctx.region}) specified for this request. VPC peering connection "
                f"{connection.id} must be accepted in region {accepter.region}"
            )
        raise not_permitted(f"User {ctx.account_id} cannot accept peering {connection.id}")
    if connection.status != PENDING:
        raise bad_transition(connection, PROVISIONING)
    check_active_quota(ctx, connection)


@ec2_action("AcceptVpcPeeringConnection", resolve=peering_resolver(_acceptable, with_vpc=True))
def accept_vpc_peering_connection(
    ctx: RequestContext, req: AcceptVpcPeeringConnectionRequestTypeDef, plan: PeeringPlan
) -> dict[str, Any]:
    connection = plan.connection
    assert connection is not None
    accepter = connection.accepter
    fresh = _side(plan.vpc, accepter.owner_id, accepter.region, accepter.vpc_id)
    accepter.cidr_block, accepter.cidr_blocks = fresh.cidr_block, fresh.cidr_blocks
    accepter.ipv6_cidr_blocks = fresh.ipv6_cidr_blocks
    peering.set_status(connection, PROVISIONING, "Provisioning")
    peering.activate_at(ctx.store, connection, ctx.now)
    return {"VpcPeeringConnection": peering_item(ctx, connection)}


def _rejectable(ctx: RequestContext, req: Any, plan: PeeringPlan) -> None:
    connection = plan.connection
    assert connection is not None
    if not is_accepter(ctx, connection):
        raise not_permitted(f"User {ctx.account_id} cannot reject peering {connection.id}")
    if connection.status != PENDING:
        raise bad_transition(connection, REJECTED)


@ec2_action("RejectVpcPeeringConnection", resolve=peering_resolver(_rejectable))
def reject_vpc_peering_connection(
    ctx: RequestContext, req: RejectVpcPeeringConnectionRequestTypeDef, plan: PeeringPlan
) -> dict[str, Any]:
    connection = plan.connection
    assert connection is not None
    # Visible to the requester for 2 days, to the accepter for 2 hours (VPC Peering Guide).
    peering.end(ctx.store, connection, REJECTED, f"Rejected by {ctx.account_id}", ctx.now, DAYS_2, HOURS_2)
    return {"Return": True}


def _deletable(ctx: RequestContext, req: Any, plan: PeeringPlan) -> None:
    """Either side deletes an active connection; only the requester one still pending."""
    connection = plan.connection
    assert connection is not None
    if connection.status in (INITIATING, PENDING) and not is_requester(ctx, connection):
        raise not_permitted(
            f"User {ctx.account_id} cannot delete peering {connection.id} in state {connection.status}"
        )
    if connection.status not in (INITIATING, PENDING, PROVISIONING, ACTIVE):
        raise bad_transition(connection, peering.DELETED)


@ec2_action("DeleteVpcPeeringConnection", resolve=peering_resolver(_deletable))
def delete_vpc_peering_connection(
    ctx: RequestContext, req: DeleteVpcPeeringConnectionRequestTypeDef, plan: PeeringPlan
) -> dict[str, Any]:
    assert plan.connection is not None
    peering.delete(ctx.store, plan.connection, ctx.account_id, ctx.now)
    return {"Return": True}


# Options ----------------------------------------------------------------------------------------

_SIDES = {"RequesterPeeringConnectionOptions": "requester", "AccepterPeeringConnectionOptions": "accepter"}


def _modifiable(ctx: RequestContext, req: Any, plan: PeeringPlan) -> None:
    connection = plan.connection
    assert connection is not None
    given = {member: req[member] for member in _SIDES if req.get(member) is not None}
    if not given:
        # Assumed wording: a request that changes no side's options.
        raise AwsError(
            "MissingParameter",
            "The request must contain the parameter AccepterPeeringConnectionOptions or "
            "RequesterPeeringConnectionOptions",
        )
    if connection.status != ACTIVE:
        raise not_permitted(
            f"Peering {connection.id} is not active. Peering options can be added only to active peerings."
        )
    for member, options in given.items():
        side = getattr(connection, _SIDES[member])
        if (side.owner_id, side.region) != (ctx.account_id, ctx.region):
            # Each owner modifies its own side, in its own region (assumed wording).
            raise not_permitted(
                f"User {ctx.account_id} cannot modify {_SIDES[member]} peering options of {connection.id}"
            )
        plan.values[member] = {k: bool(options[k]) for k in OPTION_NAMES if options.get(k) is not None}


@ec2_action("ModifyVpcPeeringConnectionOptions", resolve=peering_resolver(_modifiable))
def modify_vpc_peering_connection_options(
    ctx: RequestContext, req: ModifyVpcPeeringConnectionOptionsRequestTypeDef, plan: PeeringPlan
) -> dict[str, Any]:
    connection = plan.connection
    assert connection is not None
    result: dict[str, Any] = {}
    for member, changes in plan.values.items():
        side = getattr(connection, _SIDES[member])
        side.options.update(changes)
        result[member] = dict(side.options)
    touch(connection)
    return result


# Describe ---------------------------------------------------------------------------------------


def _blocks(side_of: str) -> Any:
    def extract(h: Any) -> list[str]:
        connection = h.connection
        side = getattr(connection, side_of)
        return [*side.cidr_blocks, *side.ipv6_cidr_blocks] if _shown(connection, side) else []

    return extract


_FILTERS = FilterSet(
    {
        "accepter-vpc-info.cidr-block": _blocks("accepter"),
        "accepter-vpc-info.owner-id": lambda h: h.connection.accepter.owner_id,
        "accepter-vpc-info.vpc-id": lambda h: h.connection.accepter.vpc_id,
        "expiration-time": lambda h: _expiration(h.connection),
        "requester-vpc-info.cidr-block": _blocks("requester"),
        "requester-vpc-info.owner-id": lambda h: h.connection.requester.owner_id,
        "requester-vpc-info.vpc-id": lambda h: h.connection.requester.vpc_id,
        "status-code": lambda h: h.connection.status,
        "status-message": lambda h: h.connection.message,
    },
    VPC_PEERING_CONNECTION,
)


@ec2_action("DescribeVpcPeeringConnections", resolve=NO_RESOURCES)
def describe_vpc_peering_connections(
    ctx: RequestContext, req: DescribeVpcPeeringConnectionsRequestTypeDef
) -> dict[str, Any]:
    asked = req.get("VpcPeeringConnectionIds")
    connections: list[VpcPeeringConnection]
    if asked:
        connections = [find(ctx, connection_id) for connection_id in dict.fromkeys(asked)]
    else:
        ids = _FILTERS.ids(req.get("Filters"))
        found = (
            [ctx.ec2.peerings.get(i) for i in dict.fromkeys(ids)]
            if ids is not None
            else list(ctx.ec2.peerings.seen_by(ctx.account_id, ctx.region))
        )
        connections = [
            c for c in found if c is not None and c.visible_to(ctx.account_id, ctx.region, ctx.now)
        ]
    handles: list[Resource] = [handle(ctx, c) for c in connections]
    page, token = paginate(_FILTERS.apply(handles, req.get("Filters")), req)
    items = [peering_item(ctx, h.connection) for h in page]  # type: ignore[attr-defined]
    return {"VpcPeeringConnections": items, "NextToken": token}
