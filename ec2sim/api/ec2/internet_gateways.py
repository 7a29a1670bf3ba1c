"""Internet gateways (create, attach, detach, delete, describe) and egress-only internet gateways.

A VPC has at most one internet gateway and a gateway at most one VPC. Detaching one from a VPC
where addresses are mapped to the internet (instances' public addresses, public NAT gateways) is a
DependencyViolation, as AWS words it; routes through a detached gateway become blackholes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ec2sim.api.authorization import NO_RESOURCES
from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.common import dependency_violation, tag_list
from ec2sim.api.ec2.filters import FilterSet
from ec2sim.api.ec2.network_plans import (
    NetPlan,
    earlier,
    need,
    net_resolver,
    new_tags,
    token_fields,
)
from ec2sim.api.ec2.vpcs import describe_resources
from ec2sim.api.errors import AwsError
from ec2sim.api.registry import ec2_action
from ec2sim.store.ec2.gateways import EgressOnlyInternetGateway, InternetGateway
from ec2sim.store.ec2.region import Ec2Region
from ec2sim.store.resources import EGRESS_ONLY_INTERNET_GATEWAY, INTERNET_GATEWAY, VPC

if TYPE_CHECKING:
    from types_boto3_ec2.type_defs import (
        AttachInternetGatewayRequestTypeDef,
        CreateEgressOnlyInternetGatewayRequestTypeDef,
        CreateInternetGatewayRequestTypeDef,
        DeleteEgressOnlyInternetGatewayRequestTypeDef,
        DeleteInternetGatewayRequestTypeDef,
        DescribeEgressOnlyInternetGatewaysRequestTypeDef,
        DescribeInternetGatewaysRequestTypeDef,
        DetachInternetGatewayRequestTypeDef,
    )

    GatewayVpcRequest = AttachInternetGatewayRequestTypeDef | DetachInternetGatewayRequestTypeDef

MAX_INTERNET_GATEWAYS = 5  # per region, AWS's default quota


# Internet gateways ------------------------------------------------------------------------------


def _new_gateway(ctx: RequestContext, req: CreateInternetGatewayRequestTypeDef, plan: NetPlan) -> None:
    new_tags(plan, "internet-gateway")
    if len(ctx.ec2.internet_gateways) >= MAX_INTERNET_GATEWAYS:
        raise AwsError(
            "InternetGatewayLimitExceeded", "The maximum number of internet gateways has been reached."
        )


def _gateway_and_vpc(ctx: RequestContext, req: GatewayVpcRequest, plan: NetPlan) -> None:
    region = ctx.ec2
    gateway_id, vpc_id = req.get("InternetGatewayId"), req.get("VpcId")
    found_gateway = plan.look(region.internet_gateways, INTERNET_GATEWAY, gateway_id)
    found_vpc = plan.look(region.vpcs, VPC, vpc_id)
    gateway = plan.values["gateway"] = need(found_gateway, INTERNET_GATEWAY, gateway_id, "internetGatewayId")
    vpc = plan.values["vpc"] = need(found_vpc, VPC, vpc_id, "vpcId")
    if ctx.action == "AttachInternetGateway":
        if gateway.vpc_id:
            raise AwsError(
                "Resource.AlreadyAssociated",
                f"resource {gateway.id} is already attached to network {gateway.vpc_id}",
            )
        if any(region.internet_gateways.where("vpc_id", vpc.id)):
            raise AwsError(
                "Resource.AlreadyAssociated", f"Network {vpc.id} already has an internet gateway attached"
            )
        return
    if gateway.vpc_id != vpc.id:
        raise AwsError("Gateway.NotAttached", f"resource {gateway.id} is not attached to network {vpc.id}")
    if _maps_public_addresses(region, vpc.id):
        raise AwsError(
            "DependencyViolation",
            f"Network {vpc.id} has some mapped public address(es). "
            "Please unmap those public address(es) before detaching the gateway.",
        )


def _maps_public_addresses(region: Ec2Region, vpc_id: str) -> bool:
    """Whether an instance of the VPC has a public address, an interface there an Elastic IP, or a
    public NAT gateway lives there."""
    for interface in region.network_interfaces.where("vpc_id", vpc_id):
        instance = region.instances.get(interface.instance_id) if interface.instance_id else None
        if instance is not None and instance.public_ip_address:
            return True
        if any(region.addresses.where("network_interface_id", interface.id)):
            return True
    return any(n.live and n.public_ip for n in region.nat_gateways.where("vpc_id", vpc_id))


def _deletable_gateway(ctx: RequestContext, req: DeleteInternetGatewayRequestTypeDef, plan: NetPlan) -> None:
    gateway_id = req.get("InternetGatewayId")
    found = plan.look(ctx.ec2.internet_gateways, INTERNET_GATEWAY, gateway_id)
    gateway = plan.values["gateway"] = need(found, INTERNET_GATEWAY, gateway_id, "internetGatewayId")
    if gateway.vpc_id:
        raise dependency_violation("internetGateway", gateway.id)


def _gateway_item(gateway: InternetGateway) -> dict[str, Any]:
    return {
        "InternetGatewayId": gateway.id,
        "OwnerId": gateway.owner_id,
        # AWS shows an attached internet gateway's attachment as "available".
        "Attachments": [{"State": "available", "VpcId": gateway.vpc_id}] if gateway.vpc_id else [],
        "Tags": tag_list(gateway.tags),
    }


@ec2_action("CreateInternetGateway", resolve=net_resolver(_new_gateway, "internet-gateway"))
def create_internet_gateway(
    ctx: RequestContext, req: CreateInternetGatewayRequestTypeDef, plan: NetPlan
) -> dict[str, Any]:
    gateway = InternetGateway(ctx.ec2.ids.hex_id("igw"), ctx.account_id, tags=plan.tags)
    return {"InternetGateway": _gateway_item(ctx.ec2.internet_gateways.add(gateway))}


@ec2_action("AttachInternetGateway", resolve=net_resolver(_gateway_and_vpc))
def attach_internet_gateway(
    ctx: RequestContext, req: AttachInternetGatewayRequestTypeDef, plan: NetPlan
) -> None:
    ctx.ec2.internet_gateways.update(plan["gateway"], vpc_id=plan["vpc"].id)


@ec2_action("DetachInternetGateway", resolve=net_resolver(_gateway_and_vpc))
def detach_internet_gateway(
    ctx: RequestContext, req: DetachInternetGatewayRequestTypeDef, plan: NetPlan
) -> None:
    ctx.ec2.internet_gateways.update(plan["gateway"], vpc_id="")


@ec2_action("DeleteInternetGateway", resolve=net_resolver(_deletable_gateway))
def delete_internet_gateway(
    ctx: RequestContext, req: DeleteInternetGatewayRequestTypeDef, plan: NetPlan
) -> None:
    ctx.ec2.internet_gateways.remove(plan["gateway"].id)


_GATEWAY_FILTERS = FilterSet(
    {
        "attachment.state": lambda g: "available" if g.vpc_id else None,
        "attachment.vpc-id": lambda g: g.vpc_id or None,
        "owner-id": lambda g: g.owner_id,
    },
    INTERNET_GATEWAY,
)


@ec2_action("DescribeInternetGateways", resolve=NO_RESOURCES)
def describe_internet_gateways(
    ctx: RequestContext, req: DescribeInternetGatewaysRequestTypeDef
) -> dict[str, Any]:
    page, token = describe_resources(
        ctx.ec2.internet_gateways,
        req,
        "InternetGatewayIds",
        _GATEWAY_FILTERS,
        ("attachment.vpc-id", "vpc_id"),
    )
    return {"InternetGateways": [_gateway_item(g) for g in page], "NextToken": token}


# Egress-only internet gateways ------------------------------------------------------------------


def _new_egress_only(
    ctx: RequestContext, req: CreateEgressOnlyInternetGatewayRequestTypeDef, plan: NetPlan
) -> None:
    vpc_id = req.get("VpcId")
    plan.values["vpc"] = need(plan.look(ctx.ec2.vpcs, VPC, vpc_id), VPC, vpc_id, "vpcId")
    new_tags(plan, "egress-only-internet-gateway")
    earlier(plan, ctx.ec2.egress_only_internet_gateways)


def _egress_only(
    ctx: RequestContext, req: DeleteEgressOnlyInternetGatewayRequestTypeDef, plan: NetPlan
) -> None:
    gateway_id = req.get("EgressOnlyInternetGatewayId")
    table = ctx.ec2.egress_only_internet_gateways
    found = plan.look(table, EGRESS_ONLY_INTERNET_GATEWAY, gateway_id)
    plan.values["gateway"] = need(
        found, EGRESS_ONLY_INTERNET_GATEWAY, gateway_id, "egressOnlyInternetGatewayId"
    )


def _egress_only_item(gateway: EgressOnlyInternetGateway) -> dict[str, Any]:
    return {
        "EgressOnlyInternetGatewayId": gateway.id,
        "Attachments": [{"State": "attached", "VpcId": gateway.vpc_id}],
        "Tags": tag_list(gateway.tags),
    }


@ec2_action(
    "CreateEgressOnlyInternetGateway", resolve=net_resolver(_new_egress_only, "egress-only-internet-gateway")
)
def create_egress_only_internet_gateway(
    ctx: RequestContext, req: CreateEgressOnlyInternetGatewayRequestTypeDef, plan: NetPlan
) -> dict[str, Any]:
    table = ctx.ec2.egress_only_internet_gateways
    gateway = plan["earlier"]
    if gateway is None:
        gateway = EgressOnlyInternetGateway(
            ctx.ec2.ids.hex_id("eigw"), ctx.account_id, plan["vpc"].id, **token_fields(req), tags=plan.tags
        )
        table.add(gateway)
    return {"EgressOnlyInternetGateway": _egress_only_item(gateway), "ClientToken": req.get("ClientToken")}


@ec2_action("DeleteEgressOnlyInternetGateway", resolve=net_resolver(_egress_only))
def delete_egress_only_internet_gateway(
    ctx: RequestContext, req: DeleteEgressOnlyInternetGatewayRequestTypeDef, plan: NetPlan
) -> dict[str, Any]:
    ctx.ec2.egress_only_internet_gateways.remove(plan["gateway"].id)
    return {"ReturnCode": True}


_EGRESS_ONLY_FILTERS = FilterSet({}, EGRESS_ONLY_INTERNET_GATEWAY)


@ec2_action("DescribeEgressOnlyInternetGateways", resolve=NO_RESOURCES)
def describe_egress_only_internet_gateways(
    ctx: RequestContext, req: DescribeEgressOnlyInternetGatewaysRequestTypeDef
) -> dict[str, Any]:
    page, token = describe_resources(
        ctx.ec2.egress_only_internet_gateways, req, "EgressOnlyInternetGatewayIds", _EGRESS_ONLY_FILTERS
    )
    return {"EgressOnlyInternetGateways": [_egress_only_item(g) for g in page], "NextToken": token}
