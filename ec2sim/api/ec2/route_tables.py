"""Route tables: create, delete, describe, and their associations (subnets, gateways, main).

Every VPC has a main route table (`ec2sim.store.ec2.routing.create_vpc_network`); a subnet
without an explicit association uses it. An association is a row of its own (``rtbassoc-``):
AssociateRouteTable makes one for a subnet or an internet gateway (an edge association),
ReplaceRouteTableAssociation moves one (the main one included) to another table of the VPC,
DisassociateRouteTable removes one (never the main one).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ec2sim.api.authorization import NO_RESOURCES
from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.common import dependency_violation, tag_list
from ec2sim.api.ec2.filters import FilterSet
from ec2sim.api.ec2.network_plans import (
    NetPlan,
    missing,
    need,
    net_resolver,
    plan_in_vpc,
    token_fields,
)
from ec2sim.api.ec2.routes import route_item, route_state
from ec2sim.api.ec2.vpcs import describe_resources
from ec2sim.api.errors import AwsError
from ec2sim.api.registry import ec2_action
from ec2sim.store.ec2.endpoints import route_table_deleted
from ec2sim.store.ec2.region import Ec2Region
from ec2sim.store.ec2.routing import RouteTable, RouteTableAssociation, new_route_table
from ec2sim.store.resources import INTERNET_GATEWAY, ROUTE_TABLE, SUBNET

if TYPE_CHECKING:
    from types_boto3_ec2.type_defs import (
        AssociateRouteTableRequestTypeDef,
        CreateRouteTableRequestTypeDef,
        DeleteRouteTableRequestTypeDef,
        DescribeRouteTablesRequestTypeDef,
        DisassociateRouteTableRequestTypeDef,
        ReplaceRouteTableAssociationRequestTypeDef,
    )

    AssociationRequest = DisassociateRouteTableRequestTypeDef | ReplaceRouteTableAssociationRequestTypeDef

MAX_ROUTE_TABLES = 200  # per VPC, AWS's default quota
_ASSOCIATED = {"State": "associated"}


def _conflict(table_id: str) -> AwsError:
    return AwsError(
        "Resource.AlreadyAssociated",
        f"the specified association for route table {table_id} conflicts with an existing association",
    )


def _different(table_id: str, other: str) -> AwsError:
    return AwsError(
        "InvalidParameterValue", f"Route table {table_id} and {other} belong to different networks"
    )


# Create / delete ------------------------------------------------------------------------------


def _plan_create(ctx: RequestContext, req: CreateRouteTableRequestTypeDef, plan: NetPlan) -> None:
    quota = AwsError("RouteTableLimitExceeded", "The maximum number of route tables has been reached.")
    plan_in_vpc(ctx, plan, ctx.ec2.route_tables, "route-table", quota, MAX_ROUTE_TABLES)


def _plan_delete(ctx: RequestContext, req: DeleteRouteTableRequestTypeDef, plan: NetPlan) -> None:
    table_id = req.get("RouteTableId")
    table = plan.values["table"] = need(
        plan.look(ctx.ec2.route_tables, ROUTE_TABLE, table_id), ROUTE_TABLE, table_id, "routeTableId"
    )
    if any(ctx.ec2.route_table_associations.where("route_table_id", table.id)):
        raise dependency_violation("routeTable", table.id)


@ec2_action("CreateRouteTable", resolve=net_resolver(_plan_create, "route-table"))
def create_route_table(
    ctx: RequestContext, req: CreateRouteTableRequestTypeDef, plan: NetPlan
) -> dict[str, Any]:
    token = req.get("ClientToken")
    table = plan["earlier"]
    if table is None:
        fields = token_fields(req)
        table = new_route_table(ctx.ec2, plan["vpc"], fields["client_token"], fields["request_fingerprint"])
        ctx.ec2.set_tags(table, plan.tags)
    return {"RouteTable": route_table_item(ctx, table), "ClientToken": token}


@ec2_action("DeleteRouteTable", resolve=net_resolver(_plan_delete))
def delete_route_table(ctx: RequestContext, req: DeleteRouteTableRequestTypeDef, plan: NetPlan) -> None:
    route_table_deleted(ctx.ec2, plan["table"])  # gateway endpoints keep going, without the table
    ctx.ec2.route_tables.remove(plan["table"].id)


# Associations ---------------------------------------------------------------------------------


def _plan_associate(ctx: RequestContext, req: AssociateRouteTableRequestTypeDef, plan: NetPlan) -> None:
    region = ctx.ec2
    table_id, subnet_id, gateway_id = req.get("RouteTableId"), req.get("SubnetId"), req.get("GatewayId")
    found = plan.look(region.route_tables, ROUTE_TABLE, table_id)
    subnet = plan.look(region.subnets, SUBNET, subnet_id)
    gateway = plan.look(region.internet_gateways, INTERNET_GATEWAY, gateway_id)
    table = plan.values["table"] = need(found, ROUTE_TABLE, table_id, "routeTableId")
    if not subnet_id and not gateway_id:
        raise missing("subnetId or gatewayId")
    if subnet_id and gateway_id:
        # Assumed wording: a route table association is with a subnet or a gateway, not both.
        raise AwsError("InvalidParameterCombination", "Only one of subnetId or gatewayId may be specified")
    if subnet_id:
        subnet = need(subnet, SUBNET, subnet_id, "subnetId")
        if subnet.vpc_id != table.vpc_id:
            raise _different(table.id, f"subnet {subnet.id}")
        if any(region.route_table_associations.where("subnet_id", subnet.id)):
            raise _conflict(table.id)
    else:
        gateway = need(gateway, INTERNET_GATEWAY, gateway_id, "gatewayId")
        if gateway.vpc_id != table.vpc_id:
            raise _different(table.id, f"gateway {gateway.id}")
        if any(region.route_table_associations.where("gateway_id", gateway.id)):
            raise _conflict(table.id)


def _association(ctx: RequestContext, req: AssociationRequest, plan: NetPlan) -> RouteTableAssociation:
    """The association a request names; authorized on its route table and subnet or gateway."""
    region = ctx.ec2
    association_id = req.get("AssociationId")
    if not association_id:
        raise missing("associationId")
    found = region.route_table_associations.get(association_id)
    if found is not None:
        plan.look(
            region.route_tables,
            ROUTE_TABLE,
            found.route_table_id,
            checked=ctx.action != "ReplaceRouteTableAssociation",
        )
        plan.look(region.subnets, SUBNET, found.subnet_id)
        plan.look(region.internet_gateways, INTERNET_GATEWAY, found.gateway_id)
    if found is None:
        raise AwsError(
            "InvalidAssociationID.NotFound", f"The association ID '{association_id}' does not exist"
        )
    plan.values["association"] = found
    return found


def _plan_disassociate(ctx: RequestContext, req: DisassociateRouteTableRequestTypeDef, plan: NetPlan) -> None:
    association = _association(ctx, req, plan)
    if association.main:
        raise AwsError(
            "InvalidParameterValue", f"cannot disassociate the main route table association {association.id}"
        )


def _plan_replace(
    ctx: RequestContext, req: ReplaceRouteTableAssociationRequestTypeDef, plan: NetPlan
) -> None:
    table_id = req.get("RouteTableId")
    found = plan.look(ctx.ec2.route_tables, ROUTE_TABLE, table_id)
    association = _association(ctx, req, plan)
    table = plan.values["table"] = need(found, ROUTE_TABLE, table_id, "routeTableId")
    current = ctx.ec2.route_tables.get(association.route_table_id)
    if current is not None and current.vpc_id != table.vpc_id:
        raise _different(table.id, f"association {association.id}")


@ec2_action("AssociateRouteTable", resolve=net_resolver(_plan_associate))
def associate_route_table(
    ctx: RequestContext, req: AssociateRouteTableRequestTypeDef, plan: NetPlan
) -> dict[str, Any]:
    association = RouteTableAssociation(
        ctx.ec2.ids.hex_id("rtbassoc"),
        plan["table"].id,
        subnet_id=req.get("SubnetId") or "",
        gateway_id=req.get("GatewayId") or "",
    )
    ctx.ec2.route_table_associations.add(association)
    return {"AssociationId": association.id, "AssociationState": _ASSOCIATED}


@ec2_action("DisassociateRouteTable", resolve=net_resolver(_plan_disassociate))
def disassociate_route_table(
    ctx: RequestContext, req: DisassociateRouteTableRequestTypeDef, plan: NetPlan
) -> None:
    ctx.ec2.route_table_associations.remove(plan["association"].id)


@ec2_action("ReplaceRouteTableAssociation", resolve=net_resolver(_plan_replace))
def replace_route_table_association(
    ctx: RequestContext, req: ReplaceRouteTableAssociationRequestTypeDef, plan: NetPlan
) -> dict[str, Any]:
    """The association moves to the new table under a new id (as AWS gives it)."""
    old: RouteTableAssociation = plan["association"]
    region = ctx.ec2
    region.route_table_associations.remove(old.id)
    new = RouteTableAssociation(
        region.ids.hex_id("rtbassoc"), plan["table"].id, old.subnet_id, old.gateway_id, old.main_vpc_id
    )
    region.route_table_associations.add(new)
    return {"NewAssociationId": new.id, "AssociationState": _ASSOCIATED}


# Describe -------------------------------------------------------------------------------------


def _associations(region: Ec2Region, table: RouteTable) -> list[RouteTableAssociation]:
    return list(region.route_table_associations.where("route_table_id", table.id))


def _association_item(association: RouteTableAssociation) -> dict[str, Any]:
    return {
        "Main": association.main,
        "RouteTableAssociationId": association.id,
        "RouteTableId": association.route_table_id,
        "SubnetId": association.subnet_id or None,
        "GatewayId": association.gateway_id or None,
        "AssociationState": _ASSOCIATED,
    }


def route_table_item(ctx: RequestContext, table: RouteTable) -> dict[str, Any]:
    return {
        "RouteTableId": table.id,
        "VpcId": table.vpc_id,
        "OwnerId": table.owner_id,
        "Routes": [route_item(ctx, table, r) for r in table.routes],
        "Associations": [_association_item(a) for a in _associations(ctx.ec2, table)],
        "PropagatingVgws": [],
        "Tags": tag_list(table.tags),
    }


def _filters(ctx: RequestContext) -> FilterSet:
    """The documented filters (several need the region: associations, route states)."""
    region = ctx.ec2

    def associations(t: RouteTable) -> list[RouteTableAssociation]:
        return _associations(region, t)

    def targets(kind: str) -> Any:
        return lambda t: [r.target for r in t.routes if r.target_kind == kind]

    def destinations(kind: str) -> Any:
        return lambda t: [r.destination for r in t.routes if r.destination_kind == kind]

    return FilterSet(
        {
            "association.gateway-id": lambda t: [a.gateway_id for a in associations(t) if a.gateway_id],
            "association.route-table-association-id": lambda t: [a.id for a in associations(t)],
            "association.route-table-id": lambda t: [a.route_table_id for a in associations(t)],
            "association.subnet-id": lambda t: [a.subnet_id for a in associations(t) if a.subnet_id],
            "association.main": lambda t: [a.main for a in associations(t)] or [False],
            "owner-id": lambda t: t.owner_id,
            "route.destination-cidr-block": destinations("DestinationCidrBlock"),
            "route.destination-ipv6-cidr-block": destinations("DestinationIpv6CidrBlock"),
            "route.destination-prefix-list-id": destinations("DestinationPrefixListId"),
            "route.egress-only-internet-gateway-id": targets("EgressOnlyInternetGatewayId"),
            "route.gateway-id": targets("GatewayId"),
            "route.instance-id": targets("InstanceId"),
            "route.nat-gateway-id": targets("NatGatewayId"),
            "route.transit-gateway-id": targets("TransitGatewayId"),
            "route.vpc-peering-connection-id": targets("VpcPeeringConnectionId"),
            "route.origin": lambda t: [r.origin for r in t.routes],
            "route.state": lambda t: [route_state(region, t, r) for r in t.routes],
            "vpc-id": lambda t: t.vpc_id,
        },
        ROUTE_TABLE,
    )


@ec2_action("DescribeRouteTables", resolve=NO_RESOURCES)
def describe_route_tables(ctx: RequestContext, req: DescribeRouteTablesRequestTypeDef) -> dict[str, Any]:
    page, token = describe_resources(
        ctx.ec2.route_tables, req, "RouteTableIds", _filters(ctx), ("vpc-id", "vpc_id")
    )
    return {"RouteTables": [route_table_item(ctx, t) for t in page], "NextToken": token}
