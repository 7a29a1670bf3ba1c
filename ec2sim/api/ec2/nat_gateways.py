"""NAT gateways: create (public, with an Elastic IP allocation, or private), delete, describe.

States move over emulated time: pending → available (or failed, with AWS's failure code and
message: a public gateway in a VPC without an attached internet gateway, or an Elastic IP that is
associated elsewhere) and deleting → deleted; a deleted or failed gateway stays visible for an hour.

Each gateway has a requester-managed network interface in its subnet (`managed_interfaces`), made
with it and deleted when it is deleted or fails. A public gateway's AllocationId names one of the
account's Elastic IPs (InvalidAllocationID.NotFound otherwise) and shows its address. The address is
associated with the gateway's interface while the gateway is available, as DescribeAddresses and
DescribeNetworkInterfaces show it (the user can't release, disassociate or move it meanwhile:
`ec2sim.api.ec2.addresses`), and comes free when the gateway is deleted.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ec2sim.api.authorization import NO_RESOURCES
from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.authz import vpc_arn
from ec2sim.api.ec2.common import tag_list
from ec2sim.api.ec2.filters import FilterSet
from ec2sim.api.ec2.network_plans import NetPlan, earlier, missing, need, net_resolver, new_tags, token_fields
from ec2sim.api.ec2.vpcs import describe_resources
from ec2sim.api.errors import AwsError
from ec2sim.api.registry import ec2_action
from ec2sim.store.ec2.addresses import Address
from ec2sim.store.ec2.gateways import NatGateway
from ec2sim.store.ec2.lifecycle import UNASSOCIATED
from ec2sim.store.ec2.managed_interfaces import close_interface, nat_interface
from ec2sim.store.ec2.network import derived_id
from ec2sim.store.ec2.region import Ec2Region, Regions, region_item
from ec2sim.store.resources import ELASTIC_IP, NAT_GATEWAY, SUBNET
from ec2sim.store.timeline import timeline_event

if TYPE_CHECKING:
    from types_boto3_ec2.type_defs import (
        CreateNatGatewayRequestTypeDef,
        DeleteNatGatewayRequestTypeDef,
        DescribeNatGatewaysRequestTypeDef,
    )

DELETED_RETENTION_SECONDS = 3600  # how long a deleted NAT gateway stays in DescribeNatGateways
CONNECTIVITY_TYPES = ("public", "private")
MAX_PER_ZONE = 5  # NAT gateways per availability zone, AWS's default quota


def _new_nat(ctx: RequestContext, req: CreateNatGatewayRequestTypeDef, plan: NetPlan) -> None:
    region = ctx.ec2
    subnet_id, allocation_id = req.get("SubnetId"), req.get("AllocationId")
    found = plan.look(region.subnets, SUBNET, subnet_id)
    address = plan.look(region.addresses, ELASTIC_IP, allocation_id)
    connectivity = req.get("ConnectivityType", "public")
    if connectivity not in CONNECTIVITY_TYPES:
        raise AwsError(
            "InvalidParameterValue",
            f"Value ({connectivity}) for parameter ConnectivityType is invalid. Valid values: public, private",
        )
    subnet = plan.values["subnet"] = need(found, SUBNET, subnet_id, "SubnetId")
    if earlier(plan, region.nat_gateways) is not None:
        return
    plan.create_keys = {"ec2:Vpc": vpc_arn(ctx, subnet.vpc_id)}
    if connectivity == "public" and not allocation_id:
        raise missing("AllocationId")
    if connectivity == "private" and allocation_id:
        raise AwsError(
            "InvalidParameterCombination", "AllocationId is not supported for a private NAT gateway."
        )
    if allocation_id and not allocation_id.startswith("eipalloc-"):
        raise AwsError(
            "InvalidAllocationID.Malformed", f'Invalid id: "{allocation_id}" (expecting "eipalloc-...")'
        )
    if allocation_id and address is None:
        raise AwsError(*ELASTIC_IP.not_found_message(allocation_id))
    plan.values["address"] = address
    if subnet.available_ip_address_count < 1:
        raise AwsError(
            "InsufficientFreeAddressesInSubnet",
            "Subnet has insufficient free addresses to create this NAT gateway",
        )
    new_tags(plan, "natgateway")
    zone = region.nat_gateways.where("availability_zone", subnet.availability_zone)
    if sum(1 for n in zone if n.live) >= MAX_PER_ZONE:
        raise AwsError("NatGatewayLimitExceeded", "The maximum number of NAT gateways has been reached.")
    plan.values["connectivity"] = connectivity


def _nat_item(nat: NatGateway) -> dict[str, Any]:
    return {
        "NatGatewayId": nat.id,
        "VpcId": nat.vpc_id,
        "SubnetId": nat.subnet_id,
        "State": nat.state,
        "ConnectivityType": nat.connectivity_type,
        "CreateTime": nat.create_time,
        "DeleteTime": nat.delete_time,
        "NatGatewayAddresses": [
            {
                "AllocationId": nat.allocation_id,
                "NetworkInterfaceId": nat.network_interface_id,
                "PrivateIp": nat.private_ip,
                "PublicIp": nat.public_ip,
                "AssociationId": nat.association_id,
                "IsPrimary": True,
                "Status": "succeeded" if nat.state in ("pending", "available") else "disassociating",
            }
        ],
        "AvailabilityMode": "zonal",
        "FailureCode": nat.failure_code or None,
        "FailureMessage": nat.failure_message or None,
        "Tags": tag_list(nat.tags),
    }


@ec2_action("CreateNatGateway", resolve=net_resolver(_new_nat, "natgateway"))
def create_nat_gateway(
    ctx: RequestContext, req: CreateNatGatewayRequestTypeDef, plan: NetPlan
) -> dict[str, Any]:
    region = ctx.ec2
    token = req.get("ClientToken")
    nat = plan["earlier"]
    if nat is None:
        subnet = plan["subnet"]
        address: Address | None = plan["address"]
        allocation_id = address.id if address is not None else None
        nat_id = region.ids.hex_id("nat")
        interface = nat_interface(region, subnet, nat_id)
        nat = NatGateway(
            nat_id,
            ctx.account_id,
            subnet.vpc_id,
            subnet.id,
            plan["connectivity"],
            interface.private_ip_address,
            interface.id,
            ctx.now,
            subnet.availability_zone,
            allocation_id=allocation_id,
            public_ip=address.public_ip if address is not None else None,
            association_id=derived_id("eipassoc", nat_id) if allocation_id else None,
            tags=plan.tags,
            **token_fields(req),
        )
        region.nat_gateways.add(nat)
        region.timeline.schedule(ctx.now, "nat-gateway.settle", ctx.account_id, ctx.region, nat.id)
    return {"NatGateway": _nat_item(nat), "ClientToken": token}


def _failure(region: Ec2Region, nat: NatGateway) -> tuple[str, str] | None:
    """Why a new gateway can't come up (AWS's FailureCode and FailureMessage), if it can't."""
    if nat.connectivity_type == "public" and not any(region.internet_gateways.where("vpc_id", nat.vpc_id)):
        return "Gateway.NotAttached", f"Network {nat.vpc_id} has no Internet gateway attached"
    address = region.addresses.get(nat.allocation_id) if nat.allocation_id else None
    if nat.allocation_id and address is None:  # released while the gateway was pending
        return ELASTIC_IP.not_found_message(nat.allocation_id)
    if address is not None and address.association_id:
        return "Resource.AlreadyAssociated", f"Elastic IP address {nat.allocation_id} is already associated"
    return None


def _hold(region: Ec2Region, nat: NatGateway) -> None:
    """The gateway's Elastic IP, associated with its interface (as DescribeAddresses shows it)."""
    address = region.addresses.get(nat.allocation_id) if nat.allocation_id else None
    if address is not None:
        region.addresses.update(
            address,
            association_id=nat.association_id,
            network_interface_id=nat.network_interface_id,
            private_ip_address=nat.private_ip,
        )


def _let_go(region: Ec2Region, nat: NatGateway) -> None:
    """A deleted gateway's Elastic IP comes free (if it still holds it)."""
    address = region.addresses.get(nat.allocation_id) if nat.allocation_id else None
    if address is not None and address.association_id == nat.association_id:
        region.addresses.update(address, **UNASSOCIATED)


@timeline_event("nat-gateway.settle")
def _settle(store: Regions, when: datetime, account_id: str, name: str, nat_id: str) -> None:
    """pending → available or failed; deleting → deleted. Either end state is forgotten an hour on."""
    found = region_item(store, account_id, name, "nat_gateways", nat_id)
    if found is None:
        return
    region, nat = found
    if nat.state == "pending":
        failure = _failure(region, nat)
        if failure is None:
            region.nat_gateways.update(nat, state="available")
            _hold(region, nat)
            return
        region.nat_gateways.update(nat, state="failed", failure_code=failure[0], failure_message=failure[1])
    elif nat.state == "deleting":
        region.nat_gateways.update(nat, state="deleted", delete_time=when)
        _let_go(region, nat)
    else:
        return
    close_interface(region, nat.network_interface_id)
    forget = when + timedelta(seconds=DELETED_RETENTION_SECONDS)
    region.timeline.schedule(forget, "nat-gateway.forget", account_id, name, nat_id)


@timeline_event("nat-gateway.forget")
def _forget(store: Regions, when: datetime, account_id: str, name: str, nat_id: str) -> None:
    found = region_item(store, account_id, name, "nat_gateways", nat_id)
    if found is not None and not found[1].live:
        found[0].nat_gateways.remove(nat_id)


def _deletable_nat(ctx: RequestContext, req: DeleteNatGatewayRequestTypeDef, plan: NetPlan) -> None:
    nat_id = req.get("NatGatewayId")
    found = plan.look(ctx.ec2.nat_gateways, NAT_GATEWAY, nat_id)
    nat = plan.values["nat"] = need(found, NAT_GATEWAY, nat_id, "NatGatewayId")
    if nat.state in ("deleted", "failed"):
        # Assumed: a gateway already gone answers as an unknown one.
        raise AwsError(*NAT_GATEWAY.not_found_message(nat.id))


@ec2_action("DeleteNatGateway", resolve=net_resolver(_deletable_nat))
def delete_nat_gateway(
    ctx: RequestContext, req: DeleteNatGatewayRequestTypeDef, plan: NetPlan
) -> dict[str, Any]:
    nat: NatGateway = plan["nat"]
    if nat.state != "deleting":
        ctx.ec2.nat_gateways.update(nat, state="deleting")
        ctx.ec2.timeline.schedule(ctx.now, "nat-gateway.settle", ctx.account_id, ctx.region, nat.id)
    return {"NatGatewayId": nat.id}


_FILTERS = FilterSet(
    {
        "state": lambda n: n.state,
        "subnet-id": lambda n: n.subnet_id,
        "vpc-id": lambda n: n.vpc_id,
    },
    NAT_GATEWAY,
)


@ec2_action("DescribeNatGateways", resolve=NO_RESOURCES)
def describe_nat_gateways(ctx: RequestContext, req: DescribeNatGatewaysRequestTypeDef) -> dict[str, Any]:
    # DescribeNatGateways names its filters "Filter" (not "Filters").
    view = {**req, "Filters": req.get("Filter")}
    page, token = describe_resources(
        ctx.ec2.nat_gateways, view, "NatGatewayIds", _FILTERS, ("vpc-id", "vpc_id")
    )
    return {"NatGateways": [_nat_item(n) for n in page], "NextToken": token}
