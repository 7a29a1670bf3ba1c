"""Routes: CreateRoute, ReplaceRoute, DeleteRoute, and how a route looks (its state).

A route has one destination (an IPv4 or IPv6 CIDR, or a prefix list) and one target. Targets are
checked as AWS checks them: they exist and belong to the route table's VPC (an internet gateway
attached to it, a NAT gateway, egress-only gateway, network interface or instance in it, a VPC
peering connection the VPC is a side of). Transit, local and carrier gateways, Gateway Load
Balancer endpoints and core networks don't exist here: a route to one is their type's NotFound.
A route whose target has gone (a detached gateway, a deleted NAT gateway, a stopped or
terminated instance, a peering connection not active...) is a ``blackhole``, as AWS shows it.
Gateway VPC endpoints' routes (to their service's prefix list) belong to the endpoint: only
ModifyVpcEndpoint and DeleteVpcEndpoints change them.
"""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING, Any

from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.network_plans import NetPlan, missing, need, net_resolver
from ec2sim.api.errors import AwsError
from ec2sim.api.registry import ec2_action
from ec2sim.store.ec2.peering import ACTIVE, LIVE, VpcPeeringConnection
from ec2sim.store.ec2.region import Ec2Region
from ec2sim.store.ec2.routing import LOCAL, Route, RouteTable, set_routes
from ec2sim.store.resources import (
    EGRESS_ONLY_INTERNET_GATEWAY,
    INSTANCE,
    INTERNET_GATEWAY,
    NAT_GATEWAY,
    NETWORK_INTERFACE,
    ROUTE_TABLE,
    VPC_PEERING_CONNECTION,
)

if TYPE_CHECKING:
    from types_boto3_ec2.type_defs import (
        CreateRouteRequestTypeDef,
        DeleteRouteRequestTypeDef,
        ReplaceRouteRequestTypeDef,
    )

    RouteRequest = CreateRouteRequestTypeDef | ReplaceRouteRequestTypeDef | DeleteRouteRequestTypeDef

MAX_ROUTES = 50  # non-propagated routes per route table, AWS's default quota
DESTINATIONS = {
    "DestinationCidrBlock": "destinationCidrBlock",
    "DestinationIpv6CidrBlock": "destinationIpv6CidrBlock",
    "DestinationPrefixListId": "destinationPrefixListId",
}
# Targets of no emulated type: (NotFound code, noun in its message).
_ABSENT_TARGETS = {
    "TransitGatewayId": ("InvalidTransitGatewayID.NotFound", "transitGateway"),
    "LocalGatewayId": ("InvalidLocalGatewayID.NotFound", "localGateway"),
    "CarrierGatewayId": ("InvalidCarrierGatewayID.NotFound", "carrierGateway"),
    "VpcEndpointId": ("InvalidVpcEndpointId.NotFound", "vpcEndpoint"),
    "CoreNetworkArn": ("InvalidCoreNetworkArn.NotFound", "coreNetwork"),
    "OdbNetworkArn": ("InvalidOdbNetworkArn.NotFound", "odbNetwork"),
}
TARGETS = (
    "GatewayId",
    "NatGatewayId",
    "EgressOnlyInternetGatewayId",
    "NetworkInterfaceId",
    "InstanceId",
    "VpcPeeringConnectionId",
    *_ABSENT_TARGETS,
)
_PEERING = re.compile(r"pcx-[0-9a-f]{8,17}")
_PREFIX_LIST = re.compile(r"pl-[0-9a-f]{8,17}")


# Validation -----------------------------------------------------------------------------------


def destination(req: RouteRequest) -> tuple[str, str]:
    """The request's one destination (its member name and canonical value)."""
    given = [(k, req.get(k)) for k in DESTINATIONS if req.get(k) is not None]
    if not given:
        raise missing("destinationCidrBlock or destinationIpv6CidrBlock or destinationPrefixListId")
    if len(given) > 1:
        raise AwsError(
            "InvalidParameterCombination",
            "Only one of destinationCidrBlock, destinationIpv6CidrBlock or destinationPrefixListId may be specified",
        )
    kind, raw = given[0]
    value = str(raw)
    if kind == "DestinationPrefixListId":
        if not _PREFIX_LIST.fullmatch(value):
            raise AwsError("InvalidPrefixListId.Malformed", f'Invalid id: "{value}" (expecting "pl-...")')
        return kind, value
    return kind, cidr(value, 6 if kind == "DestinationIpv6CidrBlock" else 4, DESTINATIONS[kind])


def cidr(value: str, version: int, parameter: str) -> str:
    """A CIDR of IP `version` in canonical form (host bits cleared), else AWS's InvalidParameterValue."""
    try:
        network = ipaddress.ip_network(value, strict=False) if "/" in value else None
    except ValueError:
        network = None
    if network is None or network.version != version:
        raise AwsError(
            "InvalidParameterValue",
            f"Value ({value}) for parameter {parameter} is invalid. This is not a valid CIDR block.",
        )
    return str(network)


def _target(req: RouteRequest) -> tuple[str, str]:
    given = [(k, str(req.get(k))) for k in TARGETS if req.get(k)]
    if req.get("LocalTarget"):
        given.append(("GatewayId", LOCAL))
    if not given:
        raise missing(
            "gatewayId, natGatewayId, egressOnlyInternetGatewayId, networkInterfaceId, instanceId, "
            "vpcPeeringConnectionId, transitGatewayId, localGatewayId, carrierGatewayId or vpcEndpointId"
        )
    if len(given) > 1:
        # Assumed wording: AWS takes exactly one target per route.
        raise AwsError("InvalidParameterCombination", "More than one target specified for the route")
    return given[0]


def _different(table: RouteTable, target: str) -> AwsError:
    return AwsError(
        "InvalidParameterValue",
        f"route table {table.id} and network gateway {target} belong to different networks",
    )


def check_target(
    region: Ec2Region, table: RouteTable, kind: str, target: str, replacing: Route | None
) -> None:
    """The target exists and belongs to the table's VPC; AWS's error otherwise."""
    if kind == "VpcEndpointId" and target in region.vpc_endpoints:
        # Assumed wording: only Gateway Load Balancer endpoints (not emulated) are route targets.
        raise AwsError(
            "InvalidParameterValue", f"The VPC endpoint {target} is not a Gateway Load Balancer endpoint."
        )
    if kind in _ABSENT_TARGETS:
        code, noun = _ABSENT_TARGETS[kind]
        raise AwsError(code, f"The {noun} ID '{target}' does not exist")
    if kind == "VpcPeeringConnectionId":
        if not _PEERING.fullmatch(target):
            raise AwsError(
                "InvalidVpcPeeringConnectionId.Malformed", f'Invalid id: "{target}" (expecting "pcx-...")'
            )
        if _peering_side(region, table, target) is None:
            raise AwsError(*VPC_PEERING_CONNECTION.not_found_message(target))
        return
    if kind == "GatewayId":
        if target == LOCAL:
            if replacing is None or replacing.origin != "CreateRouteTable":
                raise AwsError(
                    "InvalidParameterValue", "The local target can only be used with the local route"
                )
            return
        if not target.startswith("igw-"):
            raise AwsError("InvalidGatewayID.NotFound", f"The gateway ID '{target}' does not exist")
        gateway = need(region.internet_gateways.get(target), INTERNET_GATEWAY, target, "gatewayId")
        if gateway.vpc_id != table.vpc_id:
            raise _different(table, target)
        return
    rtype = {
        "NatGatewayId": NAT_GATEWAY,
        "EgressOnlyInternetGatewayId": EGRESS_ONLY_INTERNET_GATEWAY,
        "NetworkInterfaceId": NETWORK_INTERFACE,
        "InstanceId": INSTANCE,
    }[kind]
    found: Any = getattr(region, rtype.table).get(target)
    if found is None or (kind == "NatGatewayId" and not found.live):
        raise AwsError(*rtype.not_found_message(target))
    if kind == "InstanceId":
        vpc_ids = {i.vpc_id for i in region.network_interfaces.where("instance_id", target)}
        if table.vpc_id not in vpc_ids:
            raise _different(table, target)
    elif found.vpc_id != table.vpc_id:
        raise _different(table, target)


def _peering_side(region: Ec2Region, table: RouteTable, connection_id: str) -> VpcPeeringConnection | None:
    """The peering connection, if it is not over and the table's VPC is one of its sides."""
    connection = region.peerings.get(connection_id)
    if connection is None or connection.status not in LIVE:
        return None
    sides = connection.sides_of(region.account_id, region.name)
    return connection if any(s.vpc_id == table.vpc_id for s in sides) else None


def _endpoint_route(table: RouteTable, route: Route) -> None:
    """A gateway endpoint's route is the endpoint's to change (assumed wording)."""
    if route.target.startswith("vpce-"):
        raise AwsError(
            "InvalidParameterValue",
            f"route {route.destination} in route table {table.id} belongs to VPC endpoint {route.target}; "
            "use ModifyVpcEndpoint",
        )


def _check_kinds(destination_kind: str, target_kind: str) -> None:
    if target_kind == "EgressOnlyInternetGatewayId" and destination_kind == "DestinationCidrBlock":
        # Assumed wording: an egress-only internet gateway only routes IPv6 traffic.
        raise AwsError(
            "InvalidParameterValue", "Egress only internet gateways only support IPv6 destinations"
        )


# Plans ----------------------------------------------------------------------------------------


def _table(ctx: RequestContext, req: RouteRequest, plan: NetPlan) -> RouteTable:
    table_id = req.get("RouteTableId")
    found = plan.look(ctx.ec2.route_tables, ROUTE_TABLE, table_id)
    table = plan.values["table"] = need(found, ROUTE_TABLE, table_id, "routeTableId")
    return table


def _text(kind: str, value: str) -> str:
    return {
        "DestinationCidrBlock": "destination-cidr-block",
        "DestinationIpv6CidrBlock": "destination-ipv6-cidr-block",
    }.get(kind, "destination-prefix-list-id") + f" {value}"


def _plan_create(ctx: RequestContext, req: CreateRouteRequestTypeDef, plan: NetPlan) -> None:
    table = _table(ctx, req, plan)
    kind, value = destination(req)
    target_kind, target = _target(req)
    _check_kinds(kind, target_kind)
    check_target(ctx.ec2, table, target_kind, target, None)
    if table.route(value) is not None:
        raise AwsError("RouteAlreadyExists", f"The route identified by {value} already exists.")
    if len(table.routes) >= MAX_ROUTES:
        raise AwsError("RouteLimitExceeded", "The maximum number of routes has been reached.")
    plan.values["route"] = Route(kind, value, target_kind, target)


def _plan_replace(ctx: RequestContext, req: ReplaceRouteRequestTypeDef, plan: NetPlan) -> None:
    table = _table(ctx, req, plan)
    kind, value = destination(req)
    target_kind, target = _target(req)
    current = table.route(value)
    if current is None:
        raise AwsError(
            "InvalidRoute.NotFound",
            f"There is no route defined for '{value}' in the route table. Use CreateRoute instead.",
        )
    _endpoint_route(table, current)
    _check_kinds(kind, target_kind)
    check_target(ctx.ec2, table, target_kind, target, current)
    plan.values["route"] = Route(kind, value, target_kind, target, current.origin)


def _plan_delete(ctx: RequestContext, req: DeleteRouteRequestTypeDef, plan: NetPlan) -> None:
    table = _table(ctx, req, plan)
    kind, value = destination(req)
    current = table.route(value)
    if current is None:
        raise AwsError(
            "InvalidRoute.NotFound", f"no route with {_text(kind, value)} in route table {table.id}"
        )
    if current.origin == "CreateRouteTable":
        raise AwsError(
            "InvalidParameterValue", f"cannot remove local route {value} in route table {table.id}"
        )
    _endpoint_route(table, current)
    plan.values["route"] = current


@ec2_action("CreateRoute", resolve=net_resolver(_plan_create))
def create_route(ctx: RequestContext, req: CreateRouteRequestTypeDef, plan: NetPlan) -> dict[str, Any]:
    table: RouteTable = plan["table"]
    set_routes(ctx.ec2, table, [*table.routes, plan["route"]])
    return {"Return": True}


@ec2_action("ReplaceRoute", resolve=net_resolver(_plan_replace))
def replace_route(ctx: RequestContext, req: ReplaceRouteRequestTypeDef, plan: NetPlan) -> None:
    table: RouteTable = plan["table"]
    new: Route = plan["route"]
    set_routes(ctx.ec2, table, [new if r.destination == new.destination else r for r in table.routes])


@ec2_action("DeleteRoute", resolve=net_resolver(_plan_delete))
def delete_route(ctx: RequestContext, req: DeleteRouteRequestTypeDef, plan: NetPlan) -> None:
    table: RouteTable = plan["table"]
    set_routes(ctx.ec2, table, [r for r in table.routes if r is not plan["route"]])


# Views ----------------------------------------------------------------------------------------


def route_state(region: Ec2Region, table: RouteTable, route: Route) -> str:
    """``active``, or ``blackhole`` when the target has gone (or stopped, for an instance)."""
    kind, target = route.target_kind, route.target
    if kind == "GatewayId" and target.startswith("vpce-"):
        alive = target in region.vpc_endpoints
    elif kind == "GatewayId":
        gateway = region.internet_gateways.get(target)
        alive = target == LOCAL or (gateway is not None and gateway.vpc_id == table.vpc_id)
    elif kind == "NatGatewayId":
        nat = region.nat_gateways.get(target)
        alive = nat is not None and nat.live
    elif kind == "EgressOnlyInternetGatewayId":
        alive = target in region.egress_only_internet_gateways
    elif kind == "NetworkInterfaceId":
        alive = target in region.network_interfaces
    elif kind == "InstanceId":
        instance = region.instances.get(target)
        alive = instance is not None and instance.state in ("pending", "running")
    else:  # a VPC peering connection: routes through it only once it is active
        connection = _peering_side(region, table, target)
        alive = connection is not None and connection.status == ACTIVE
    return "active" if alive else "blackhole"


def route_item(ctx: RequestContext, table: RouteTable, route: Route) -> dict[str, Any]:
    item: dict[str, Any] = {
        route.destination_kind: route.destination,
        route.target_kind: route.target,
        "Origin": route.origin,
        "State": route_state(ctx.ec2, table, route),
    }
    if route.target_kind == "InstanceId":
        item["InstanceOwnerId"] = ctx.account_id
        interfaces = ctx.ec2.network_interfaces.where("instance_id", route.target)
        item["NetworkInterfaceId"] = next((i.id for i in interfaces if i.device_index == 0), None)
    return item
