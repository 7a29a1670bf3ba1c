"""VPC endpoints: CreateVpcEndpoint, ModifyVpcEndpoint, DeleteVpcEndpoints.

Gateway endpoints (S3, DynamoDB) add a route to the service's AWS-managed prefix list in each of
their route tables; interface endpoints have a subnet per zone, security groups (the VPC's default
group when none is given) and private DNS (on unless turned off: it needs the VPC's DNS support
and DNS hostnames). Each endpoint has a policy (a resource-based policy, checked with IAM's
grammar; AWS's full-access default otherwise), which requests arriving through the endpoint must
satisfy (`ec2sim.api.ec2.endpoint_access`). Descriptions: `ec2sim.api.ec2.endpoint_views`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.authz import resource_check, unresolved
from ec2sim.api.ec2.endpoint_views import endpoint_item
from ec2sim.api.ec2.network_plans import NetPlan, earlier, missing, need, net_resolver, new_tags, token_fields
from ec2sim.api.errors import AwsError
from ec2sim.api.registry import ec2_action
from ec2sim.iam.policy.grammar import PolicyError, parse_policy
from ec2sim.store.ec2.endpoints import (
    DEFAULT_POLICY,
    GATEWAY,
    INTERFACE,
    VpcEndpoint,
    find_services,
    prefix_list_id,
    remove_endpoint_routes,
    set_endpoint_route,
    vpc_endpoints_of,
)
from ec2sim.store.ec2.managed_interfaces import close_endpoint_interfaces, sync_endpoint_interfaces
from ec2sim.store.ec2.network import Subnet, Vpc
from ec2sim.store.ec2.region import Ec2Region, Regions, region_item
from ec2sim.store.ec2.routing import RouteTable
from ec2sim.store.resources import ROUTE_TABLE, SECURITY_GROUP, SUBNET, VPC, VPC_ENDPOINT
from ec2sim.store.timeline import timeline_event

if TYPE_CHECKING:
    from types_boto3_ec2.type_defs import (
        CreateVpcEndpointRequestTypeDef,
        DeleteVpcEndpointsRequestTypeDef,
        ModifyVpcEndpointRequestTypeDef,
    )

ENDPOINT_TYPES = ("Gateway", "Interface", "GatewayLoadBalancer", "Resource", "ServiceNetwork")
IP_ADDRESS_TYPES = ("ipv4", "dualstack", "ipv6")
MAX_GATEWAY_ENDPOINTS = 20  # gateway endpoints per VPC, AWS's default quota
MAX_INTERFACE_ENDPOINTS = 50  # interface endpoints per VPC, AWS's default quota


def invalid(message: str) -> AwsError:
    return AwsError("InvalidParameter", message)


def _look_all(
    ctx: RequestContext, plan: NetPlan, table: Any, rtype: Any, ids: Sequence[str] | None, parameter: str
) -> list[Any]:
    """Each named resource (looked up, authorized on), then each must exist: its type's error."""
    found = [(i, plan.look(table, rtype, i)) for i in dict.fromkeys(ids or ())]
    return [need(item, rtype, i, parameter) for i, item in found]


def _in_vpc(vpc_id: str, items: list[Any], noun: str) -> None:
    for item in items:
        if item.vpc_id != vpc_id:
            # Assumed wording: AWS refuses resources of another VPC as an invalid parameter.
            raise invalid(f"The {noun} '{item.id}' does not belong to the VPC '{vpc_id}'.")


def _policy(text: str | None) -> str | None:
    """The request's policy, checked as a resource-based policy (InvalidPolicyDocument otherwise)."""
    if text is None:
        return None
    try:
        parse_policy(text, "resource")
    except PolicyError as error:
        raise AwsError("InvalidPolicyDocument", f"The Policy Document is not valid. {error}") from None
    return text


def _room(subnets: Sequence[Subnet]) -> None:
    """Each new subnet of an endpoint needs a free address for the endpoint's interface."""
    for subnet in subnets:
        if subnet.available_ip_address_count < 1:
            # Assumed code and wording (as CreateNatGateway answers a full subnet).
            raise AwsError(
                "InsufficientFreeAddressesInSubnet",
                f"Subnet {subnet.id} has insufficient free addresses to create this VPC endpoint",
            )


def _one_per_zone(subnets: Sequence[Subnet]) -> None:
    zones: set[str] = set()
    for subnet in subnets:
        if subnet.availability_zone in zones:
            raise AwsError(
                "DuplicateSubnetsInSameZone",
                f"Found another VPC endpoint subnet in the availability zone of {subnet.id}. VPC endpoint "
                "subnets should be in different availability zones supported by the VPC endpoint service.",
            )
        zones.add(subnet.availability_zone)


def _route_free(region: Ec2Region, table: RouteTable, destination: str) -> None:
    if table.route(destination) is not None:
        raise AwsError(
            "RouteAlreadyExists",
            f"route table {table.id} already has a route with destination-prefix-list-id {destination}",
        )


def _private_dns(region: Ec2Region, vpc: Vpc, service_name: str, dns_name: str, skip: str = "") -> None:
    """Private DNS needs the VPC's DNS support and hostnames, and no other endpoint of the service
    in the VPC with private DNS (AWS's wording for both)."""
    if not (vpc.enable_dns_support and vpc.enable_dns_hostnames):
        raise invalid(
            "Enabling private DNS requires both enableDnsSupport and enableDnsHostnames "
            f"VPC attributes set to true for {vpc.id}"
        )
    for other in vpc_endpoints_of(region, vpc.id):
        if other.id != skip and other.service_name == service_name and other.private_dns_enabled:
            raise invalid(
                f"private-dns-enabled cannot be set because there is already a conflicting DNS domain "
                f"for {dns_name} in the VPC {vpc.id}"
            )


# CreateVpcEndpoint ----------------------------------------------------------------------------


def _new_endpoint(ctx: RequestContext, req: CreateVpcEndpointRequestTypeDef, plan: NetPlan) -> None:
    region = ctx.ec2
    vpc_id, name = req.get("VpcId"), req.get("ServiceName")
    found_vpc = plan.look(region.vpcs, VPC, vpc_id)
    tables = _look_all(ctx, plan, region.route_tables, ROUTE_TABLE, req.get("RouteTableIds"), "RouteTableId")
    subnets = _look_all(ctx, plan, region.subnets, SUBNET, req.get("SubnetIds"), "SubnetId")
    groups = _look_all(
        ctx, plan, region.security_groups, SECURITY_GROUP, req.get("SecurityGroupIds"), "SecurityGroupId"
    )
    vpc = plan.values["vpc"] = need(found_vpc, VPC, vpc_id, "VpcId")
    if not name:
        raise missing("ServiceName")
    kind = req.get("VpcEndpointType", GATEWAY)
    if kind not in ENDPOINT_TYPES:
        raise AwsError(
            "InvalidParameterValue",
            f"Value ({kind}) for parameter VpcEndpointType is invalid. Valid values: {', '.join(ENDPOINT_TYPES)}",
        )
    plan.create_keys = {
        "ec2:VpceServiceName": name,
        "ec2:VpceServiceOwner": "amazon",
        "ec2:VpceServiceRegion": ctx.region,
        "ec2:VpceMultiRegion": "false",
    }
    new_tags(plan, "vpc-endpoint")
    if earlier(plan, region.vpc_endpoints) is not None:
        return
    offered = find_services(ctx.region, name)
    if not offered:
        raise AwsError("InvalidServiceName", f"The Vpc Endpoint Service '{name}' does not exist")
    service = next((s for s in offered if s.service_type == kind), None)
    if service is None:
        types = ", ".join(s.service_type for s in offered)
        raise invalid(f"Endpoint type ({kind}) does not match available service types ([{types}]).")
    address_type = req.get("IpAddressType", "ipv4")
    if address_type not in IP_ADDRESS_TYPES or (address_type != "ipv4" and not service.ipv6):
        raise invalid(f"The VPC endpoint service {name} does not support the IP address type {address_type}.")
    plan.values["policy"] = _policy(req.get("PolicyDocument")) or DEFAULT_POLICY
    same_kind = [e for e in vpc_endpoints_of(region, vpc.id) if e.endpoint_type == kind]
    if len(same_kind) >= (MAX_GATEWAY_ENDPOINTS if kind == GATEWAY else MAX_INTERFACE_ENDPOINTS):
        # Assumed code and wording: AWS's quota of endpoints of a type per VPC.
        raise AwsError("VpcEndpointLimitExceeded", "The maximum number of VPC endpoints has been reached.")
    if kind == GATEWAY:
        if subnets or groups or req.get("PrivateDnsEnabled"):
            # Assumed wording: gateway endpoints take route tables only.
            raise invalid(
                "Gateway endpoints take RouteTableIds only: no subnets, security groups or private DNS."
            )
        _in_vpc(vpc.id, tables, "route table")
        destination = prefix_list_id(ctx.region, name)
        for table in tables:
            _route_free(region, table, destination)
    else:
        if tables:
            raise invalid("Route tables are not supported for Interface endpoints.")  # assumed wording
        _in_vpc(vpc.id, subnets, "subnet")
        _in_vpc(vpc.id, groups, "security group")
        _one_per_zone(subnets)
        _room(subnets)
        if not groups:
            default = region.default_security_group(vpc.id)
            groups = [default] if default is not None else []
        if req.get("PrivateDnsEnabled", True) and service.private_dns_name:
            _private_dns(region, vpc, name, service.private_dns_name)
    plan.values.update(
        service=service, tables=tables, subnets=subnets, groups=groups, address_type=address_type
    )


@ec2_action("CreateVpcEndpoint", resolve=net_resolver(_new_endpoint, "vpc-endpoint"))
def create_vpc_endpoint(
    ctx: RequestContext, req: CreateVpcEndpointRequestTypeDef, plan: NetPlan
) -> dict[str, Any]:
    region = ctx.ec2
    endpoint = plan["earlier"]
    if endpoint is None:
        service = plan["service"]
        interface = service.service_type == INTERFACE
        endpoint = VpcEndpoint(
            region.ids.hex_id("vpce"),
            ctx.account_id,
            plan["vpc"].id,
            service.name,
            service.service_type,
            ctx.now,
            policy=plan["policy"],
            route_table_ids=[t.id for t in plan["tables"]],
            subnet_ids=[s.id for s in plan["subnets"]],
            group_ids=[g.id for g in plan["groups"]],
            private_dns_enabled=bool(
                interface and service.private_dns_name and req.get("PrivateDnsEnabled", True)
            ),
            ip_address_type=plan["address_type"],
            state="pending" if interface else "available",
            tags=plan.tags,
            **token_fields(req),
        )
        region.add_endpoint(endpoint)
        for table in plan["tables"]:
            set_endpoint_route(region, endpoint, table, present=True)
        if interface:
            sync_endpoint_interfaces(region, endpoint)
            region.timeline.schedule(ctx.now, "vpc-endpoint.settle", ctx.account_id, ctx.region, endpoint.id)
    return {"VpcEndpoint": endpoint_item(ctx, endpoint), "ClientToken": req.get("ClientToken")}


@timeline_event("vpc-endpoint.settle")
def _settle(store: Regions, when: datetime, account_id: str, name: str, endpoint_id: str) -> None:
    """An interface endpoint: pending → available; deleting → gone."""
    found = region_item(store, account_id, name, "vpc_endpoints", endpoint_id)
    if found is None:
        return
    region, endpoint = found
    if endpoint.state == "pending":
        region.vpc_endpoints.update(endpoint, state="available")
    elif endpoint.state == "deleting":
        close_endpoint_interfaces(region, endpoint)
        region.remove_endpoint(endpoint.id)


# ModifyVpcEndpoint ----------------------------------------------------------------------------


def _changes(ctx: RequestContext, req: ModifyVpcEndpointRequestTypeDef, plan: NetPlan) -> None:
    region = ctx.ec2
    endpoint_id = req.get("VpcEndpointId")
    found = plan.look(region.vpc_endpoints, VPC_ENDPOINT, endpoint_id)
    params: Mapping[str, Any] = plan.req
    named = {
        key: _look_all(ctx, plan, getattr(region, rtype.table), rtype, params.get(key), key[:-1])
        for key, rtype in (
            ("AddRouteTableIds", ROUTE_TABLE),
            ("RemoveRouteTableIds", ROUTE_TABLE),
            ("AddSubnetIds", SUBNET),
            ("RemoveSubnetIds", SUBNET),
            ("AddSecurityGroupIds", SECURITY_GROUP),
            ("RemoveSecurityGroupIds", SECURITY_GROUP),
        )
    }
    endpoint = plan.values["endpoint"] = need(found, VPC_ENDPOINT, endpoint_id, "VpcEndpointId")
    if endpoint.state not in ("pending", "available"):
        raise AwsError("IncorrectState", f"The VPC endpoint {endpoint.id} is in state {endpoint.state}.")
    if req.get("ResetPolicy") and req.get("PolicyDocument") is not None:
        # Assumed wording: a policy and a reset to the default contradict each other.
        raise AwsError(
            "InvalidParameterCombination", "PolicyDocument and ResetPolicy cannot be used together."
        )
    plan.values["policy"] = DEFAULT_POLICY if req.get("ResetPolicy") else _policy(req.get("PolicyDocument"))
    gateway = endpoint.endpoint_type == GATEWAY
    interface_keys = ("AddSubnetIds", "RemoveSubnetIds", "AddSecurityGroupIds", "RemoveSecurityGroupIds")
    if gateway and (any(named[k] for k in interface_keys) or req.get("PrivateDnsEnabled") is not None):
        raise invalid(
            "Gateway endpoints take RouteTableIds only: no subnets, security groups or private DNS."
        )
    if not gateway and (named["AddRouteTableIds"] or named["RemoveRouteTableIds"]):
        raise invalid("Route tables are not supported for Interface endpoints.")
    for key, current, noun in (
        ("RouteTableIds", endpoint.route_table_ids, "route table"),
        ("SubnetIds", endpoint.subnet_ids, "subnet"),
        ("SecurityGroupIds", endpoint.group_ids, "security group"),
    ):
        _in_vpc(endpoint.vpc_id, named[f"Add{key}"], noun)
        for item in named[f"Remove{key}"]:
            if item.id not in current:
                # Assumed wording: removing what the endpoint doesn't have.
                raise invalid(
                    f"The {noun} '{item.id}' is not associated with the VPC endpoint {endpoint.id}."
                )
        removed = {i.id for i in named[f"Remove{key}"]}
        plan.values[key] = [i for i in current if i not in removed] + [
            i.id for i in named[f"Add{key}"] if i.id not in current and i.id not in removed
        ]
    destination = prefix_list_id(ctx.region, endpoint.service_name) if gateway else ""
    for table in named["AddRouteTableIds"]:
        if table.id not in endpoint.route_table_ids:
            _route_free(region, table, destination)
    if not gateway:
        subnets = [region.subnets.get(i) for i in plan["SubnetIds"]]
        _one_per_zone([s for s in subnets if s is not None])
        _room([s for s in named["AddSubnetIds"] if s.id not in endpoint.subnet_ids])
        if not plan["SecurityGroupIds"]:
            raise invalid("A VPC endpoint must have at least one security group.")  # assumed wording
        private = req.get("PrivateDnsEnabled")
        service = next(
            s for s in find_services(ctx.region, endpoint.service_name) if s.service_type == INTERFACE
        )
        if private and not endpoint.private_dns_enabled and service.private_dns_name:
            vpc = region.vpcs.get(endpoint.vpc_id)
            assert vpc is not None
            _private_dns(region, vpc, endpoint.service_name, service.private_dns_name, skip=endpoint.id)


@ec2_action("ModifyVpcEndpoint", resolve=net_resolver(_changes))
def modify_vpc_endpoint(
    ctx: RequestContext, req: ModifyVpcEndpointRequestTypeDef, plan: NetPlan
) -> dict[str, Any]:
    region = ctx.ec2
    endpoint: VpcEndpoint = plan["endpoint"]
    before = set(endpoint.route_table_ids)
    after = plan["RouteTableIds"]
    for table_id in before ^ set(after):
        table = region.route_tables.get(table_id)
        if table is not None:
            set_endpoint_route(region, endpoint, table, present=table_id in after)
    changes: dict[str, Any] = {
        "route_table_ids": after,
        "subnet_ids": plan["SubnetIds"],
        "group_ids": plan["SecurityGroupIds"],
    }
    if plan["policy"] is not None:
        changes["policy"] = plan["policy"]
    if req.get("PrivateDnsEnabled") is not None and endpoint.endpoint_type == INTERFACE:
        service = next(
            s for s in find_services(ctx.region, endpoint.service_name) if s.service_type == INTERFACE
        )
        changes["private_dns_enabled"] = bool(req.get("PrivateDnsEnabled") and service.private_dns_name)
    region.vpc_endpoints.update(endpoint, **changes)
    if endpoint.endpoint_type == INTERFACE:
        sync_endpoint_interfaces(region, endpoint)
    return {"Return": True}


# DeleteVpcEndpoints ---------------------------------------------------------------------------


def _deletable(ctx: RequestContext, req: DeleteVpcEndpointsRequestTypeDef, plan: NetPlan) -> None:
    ids = req.get("VpcEndpointIds")
    if not ids:
        raise missing("VpcEndpointId")
    plan.values["ids"] = list(dict.fromkeys(ids))


class _DeletePlan(NetPlan):
    def checks(self, ctx: RequestContext) -> Any:
        """Each endpoint named: its own ARN and keys when it exists, the ARN it names otherwise."""
        action = f"ec2:{ctx.action}"
        for endpoint_id in self.values.get("ids", ()):
            found = ctx.ec2.vpc_endpoints.get(endpoint_id)
            yield (
                resource_check(ctx, action, found)
                if found is not None
                else unresolved(ctx, action, "vpc-endpoint", endpoint_id)
            )


def _resolve_delete(ctx: RequestContext, req: DeleteVpcEndpointsRequestTypeDef) -> NetPlan:
    plan = _DeletePlan(req)
    try:
        _deletable(ctx, req, plan)
    except AwsError as error:
        plan.fail(error)
    return plan


def _unsuccessful(endpoint_id: str, code: str, message: str) -> dict[str, Any]:
    return {"ResourceId": endpoint_id, "Error": {"Code": code, "Message": message}}


@ec2_action("DeleteVpcEndpoints", resolve=_resolve_delete)
def delete_vpc_endpoints(
    ctx: RequestContext, req: DeleteVpcEndpointsRequestTypeDef, plan: NetPlan
) -> dict[str, Any]:
    """Each endpoint is deleted or answered as an Unsuccessful item (malformed, unknown, already
    deleting), as AWS answers: the call itself succeeds."""
    region = ctx.ec2
    unsuccessful = []
    for endpoint_id in plan["ids"]:
        endpoint = region.vpc_endpoints.get(endpoint_id)
        if not endpoint_id.startswith("vpce-") or len(endpoint_id) <= 5:
            unsuccessful.append(
                _unsuccessful(endpoint_id, "InvalidVpcEndpointId.Malformed", f'Invalid id: "{endpoint_id}"')
            )
        elif endpoint is None or endpoint.state == "deleting":
            unsuccessful.append(_unsuccessful(endpoint_id, *VPC_ENDPOINT.not_found_message(endpoint_id)))
        else:
            remove_endpoint_routes(region, endpoint)
            if endpoint.endpoint_type == GATEWAY:
                region.remove_endpoint(endpoint.id)
            else:
                region.vpc_endpoints.update(endpoint, state="deleting")
                region.timeline.schedule(
                    ctx.now, "vpc-endpoint.settle", ctx.account_id, ctx.region, endpoint.id
                )
    return {"Unsuccessful": unsuccessful}
