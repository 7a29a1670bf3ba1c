"""VPCs: create (and the default VPC), delete, attributes and secondary CIDR blocks.

Checks and validation live in `vpc_plans`; a request refused or a dry run leaves no trace.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from ec2sim.api.authorization import NO_RESOURCES
from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.common import dependency_violation
from ec2sim.api.ec2.tagging import tags_for
from ec2sim.api.ec2.vpc_plans import (
    MAX_VPC_IPV6_BLOCKS,
    NewVpcPlan,
    ResourcePlan,
    amazon_ipv6_block,
    association_resolver,
    attribute_keys,
    check_secondary,
    check_vpc_quota,
    cidr_limit,
    find_zone,
    one_change,
    resolver,
    vpc_block,
)
from ec2sim.api.ec2.vpcs import ipv6_item, subnet_item, vpc_cidr_item, vpc_item
from ec2sim.api.errors import AwsError
from ec2sim.api.registry import ec2_action
from ec2sim.store.ec2 import peering
from ec2sim.store.ec2.network import CidrAssociation, Vpc
from ec2sim.store.resources import VPC

if TYPE_CHECKING:
    from types_boto3_ec2.type_defs import (
        AssociateVpcCidrBlockRequestTypeDef,
        CreateDefaultSubnetRequestTypeDef,
        CreateDefaultVpcRequestTypeDef,
        CreateVpcRequestTypeDef,
        DeleteVpcRequestTypeDef,
        DescribeVpcAttributeRequestTypeDef,
        DisassociateVpcCidrBlockRequestTypeDef,
        ModifyVpcAttributeRequestTypeDef,
    )

_TENANCIES = ("default", "dedicated")
# Request member → (wire name, the VPC's field).
_ATTRIBUTES = {
    "EnableDnsSupport": ("enableDnsSupport", "enable_dns_support"),
    "EnableDnsHostnames": ("enableDnsHostnames", "enable_dns_hostnames"),
    "EnableNetworkAddressUsageMetrics": (
        "enableNetworkAddressUsageMetrics",
        "enable_network_address_usage_metrics",
    ),
}
_BY_WIRE = {wire: (member, attr) for member, (wire, attr) in _ATTRIBUTES.items()}


def _no_pools(req: Any) -> None:
    """IPAM and BYOIP pools are not emulated: naming one is naming a pool that doesn't exist
    (assumed wording of EC2's InvalidPoolID.NotFound)."""
    for key in ("Ipv4IpamPoolId", "Ipv6IpamPoolId", "Ipv6Pool"):
        pool = req.get(key)
        if pool and not (key == "Ipv6Pool" and pool == "Amazon"):
            raise AwsError("InvalidPoolID.NotFound", f"The pool ID '{pool}' does not exist")
    if req.get("Ipv6CidrBlock") and not req.get("Ipv6Pool"):
        raise AwsError("MissingParameter", "The request must contain the parameter ipv6Pool")
    if req.get("Ipv6CidrBlock"):  # only BYOIP pools hand out chosen blocks
        raise AwsError("InvalidPoolID.NotFound", f"The pool ID '{req['Ipv6Pool']}' does not exist")


def _check_border_group(ctx: RequestContext, req: Any) -> None:
    group = req.get("Ipv6CidrBlockNetworkBorderGroup")
    if group and group != ctx.region:  # no Local Zones here: the region is the only border group
        raise AwsError(
            "InvalidParameterValue",
            f"Value ({group}) for parameter ipv6CidrBlockNetworkBorderGroup is invalid.",
        )


def plan_create_vpc(ctx: RequestContext, req: CreateVpcRequestTypeDef) -> NewVpcPlan:
    plan = NewVpcPlan(req)
    try:
        tenancy = req.get("InstanceTenancy", "default")
        if tenancy == "host":
            raise AwsError("UnsupportedTenancy", "The tenancy value host is not supported.")
        if tenancy not in _TENANCIES:
            raise AwsError(
                "InvalidParameterValue",
                f"Value ({tenancy}) for parameter instanceTenancy is invalid. Valid values: default, dedicated",
            )
        plan.tenancy = tenancy
        _no_pools(req)
        if "CidrBlock" not in req:
            raise AwsError("MissingParameter", "Either 'cidrBlock' or 'ipv4IpamPoolId' should be provided.")
        plan.cidr_block = str(vpc_block(req["CidrBlock"]))
        _check_border_group(ctx, req)
        plan.ipv6 = bool(req.get("AmazonProvidedIpv6CidrBlock"))
        check_vpc_quota(ctx.ec2)
        plan.tags = tags_for(req.get("TagSpecifications"), "vpc", ("vpc",))
    except AwsError as error:
        plan.fail(error)
    return plan


@ec2_action("CreateVpc", resolve=plan_create_vpc)
def create_vpc(ctx: RequestContext, req: CreateVpcRequestTypeDef, plan: NewVpcPlan) -> dict[str, Any]:
    vpc = ctx.ec2.add_vpc(plan.cidr_block, tenancy=plan.tenancy)
    if plan.tags:
        ctx.ec2.set_tags(vpc, plan.tags)
    if plan.ipv6:
        ctx.ec2.associate_block(vpc, amazon_ipv6_block(ctx.ec2), ipv6=True)
    return {"Vpc": vpc_item(vpc, "pending")}


def _deletable(ctx: RequestContext, req: DeleteVpcRequestTypeDef, plan: ResourcePlan) -> None:
    if ctx.ec2.vpc_in_use(plan.resource):
        raise dependency_violation("vpc", plan.resource.id)


@ec2_action("DeleteVpc", resolve=resolver(VPC, "VpcId", _deletable))
def delete_vpc(ctx: RequestContext, req: DeleteVpcRequestTypeDef, plan: ResourcePlan) -> None:
    peering.withdraw_requests(ctx.store, plan.resource.id, ctx.account_id, ctx.now)
    ctx.ec2.remove_vpc(plan.resource)


# Attributes -------------------------------------------------------------------------------------


def _attribute(ctx: RequestContext, req: DescribeVpcAttributeRequestTypeDef, plan: ResourcePlan) -> None:
    wire = req.get("Attribute", "")
    if wire not in _BY_WIRE:
        raise AwsError(
            "InvalidParameterValue", f"Value ({wire}) for parameter attribute is invalid. Unknown attribute."
        )
    plan.value = wire


@ec2_action("DescribeVpcAttribute", resolve=resolver(VPC, "VpcId", _attribute))
def describe_vpc_attribute(
    ctx: RequestContext, req: DescribeVpcAttributeRequestTypeDef, plan: ResourcePlan
) -> dict[str, Any]:
    member, attr = _BY_WIRE[plan.value]
    return {"VpcId": plan.resource.id, member: {"Value": getattr(plan.resource, attr)}}


def _change(ctx: RequestContext, req: ModifyVpcAttributeRequestTypeDef, plan: ResourcePlan) -> None:
    member, value = one_change(req, {m: wire for m, (wire, _) in _ATTRIBUTES.items()})
    wire, attr = _ATTRIBUTES[member]
    plan.keys = attribute_keys(wire, value)
    plan.value = (attr, bool(value))


@ec2_action("ModifyVpcAttribute", resolve=resolver(VPC, "VpcId", _change))
def modify_vpc_attribute(
    ctx: RequestContext, req: ModifyVpcAttributeRequestTypeDef, plan: ResourcePlan
) -> None:
    ctx.ec2.vpcs.update(plan.resource, **dict([plan.value]))


# Secondary CIDR blocks --------------------------------------------------------------------------


def _new_block(ctx: RequestContext, req: AssociateVpcCidrBlockRequestTypeDef, plan: ResourcePlan) -> None:
    vpc: Vpc = plan.resource
    _no_pools(req)
    ipv6 = bool(req.get("AmazonProvidedIpv6CidrBlock"))
    if ipv6 == bool(req.get("CidrBlock")):
        # Assumed wording: exactly one of the two kinds of block per request.
        raise AwsError(
            "InvalidParameterCombination",
            "Exactly one of 'cidrBlock' or 'amazonProvidedIpv6CidrBlock' must be provided.",
        )
    if ipv6:
        _check_border_group(ctx, req)
        if len(vpc.ipv6_associations) >= MAX_VPC_IPV6_BLOCKS:
            raise cidr_limit(vpc.id, MAX_VPC_IPV6_BLOCKS)
        plan.value = None  # allocated when applied
    else:
        network = check_secondary(vpc, req["CidrBlock"])
        plan.value = CidrAssociation(ctx.ec2.ids.hex_id("vpc-cidr-assoc"), str(network))


@ec2_action("AssociateVpcCidrBlock", resolve=resolver(VPC, "VpcId", _new_block))
def associate_vpc_cidr_block(
    ctx: RequestContext, req: AssociateVpcCidrBlockRequestTypeDef, plan: ResourcePlan
) -> dict[str, Any]:
    vpc: Vpc = plan.resource
    if plan.value is None:
        association = amazon_ipv6_block(ctx.ec2)
        ctx.ec2.associate_block(vpc, association, ipv6=True)
        return {"VpcId": vpc.id, "Ipv6CidrBlockAssociation": ipv6_item(association, "associating")}
    ctx.ec2.associate_block(vpc, plan.value, ipv6=False)
    return {"VpcId": vpc.id, "CidrBlockAssociation": vpc_cidr_item(plan.value, "associating")}


def _removable(ctx: RequestContext, req: DisassociateVpcCidrBlockRequestTypeDef, plan: ResourcePlan) -> None:
    vpc: Vpc = plan.resource
    association = plan.association
    assert association is not None
    if association.association_id == vpc.cidr_associations[0].association_id:
        raise AwsError(
            "OperationNotPermitted",
            f"The vpc CIDR block with association ID {association.association_id} may not be "
            "disassociated. It is the primary IPv4 CIDR block of the VPC",
        )
    block = ipaddress.ip_network(association.cidr_block)
    subnets = ctx.ec2.subnets.where("vpc_id", vpc.id)
    if any(
        ipaddress.ip_network(b).subnet_of(block)  # type: ignore[arg-type]
        for s in subnets
        for b in (s.cidr_block, *(a.cidr_block for a in s.ipv6_associations))
        if b and ipaddress.ip_network(b).version == block.version
    ):
        # Assumed: a block subnets still use is refused like a VPC with dependencies.
        raise AwsError(
            "DependencyViolation",
            f"The vpc CIDR block with association ID {association.association_id} has dependencies and "
            "cannot be disassociated.",
        )


@ec2_action("DisassociateVpcCidrBlock", resolve=association_resolver("vpc-cidr-assoc", _removable))
def disassociate_vpc_cidr_block(
    ctx: RequestContext, req: DisassociateVpcCidrBlockRequestTypeDef, plan: ResourcePlan
) -> dict[str, Any]:
    association = plan.association
    assert association is not None
    ctx.ec2.disassociate_block(plan.resource, association.association_id)
    if association.ipv6_pool:
        return {
            "VpcId": plan.resource.id,
            "Ipv6CidrBlockAssociation": ipv6_item(association, "disassociating"),
        }
    return {"VpcId": plan.resource.id, "CidrBlockAssociation": vpc_cidr_item(association, "disassociating")}


# Default VPC and subnets ------------------------------------------------------------------------


@ec2_action("CreateDefaultVpc", resolve=NO_RESOURCES)
def create_default_vpc(ctx: RequestContext, req: CreateDefaultVpcRequestTypeDef) -> dict[str, Any]:
    region = ctx.ec2
    if region.default_vpc_id:
        raise AwsError(
            "DefaultVpcAlreadyExists", "A Default VPC already exists for this account in this region."
        )
    check_vpc_quota(region)
    return {"Vpc": vpc_item(region.create_default_network(), "pending")}


@ec2_action("CreateDefaultSubnet", resolve=NO_RESOURCES)
def create_default_subnet(ctx: RequestContext, req: CreateDefaultSubnetRequestTypeDef) -> dict[str, Any]:
    region = ctx.ec2
    zone = find_zone(region, req.get("AvailabilityZone"), req.get("AvailabilityZoneId"))
    if zone is None:
        raise AwsError("MissingParameter", "The request must contain the parameter availabilityZone")
    vpc = region.vpcs.get(region.default_vpc_id)
    if vpc is None:
        # Assumed wording of EC2's DefaultVpcDoesNotExist.
        raise AwsError("DefaultVpcDoesNotExist", "No default VPC exists for this account in this region.")
    if region.default_subnet(zone.name) is not None:
        # Assumed wording.
        raise AwsError(
            "DefaultSubnetAlreadyExistsInAvailabilityZone",
            f"A Default Subnet already exists in availability zone {zone.name}.",
        )
    subnet = region.add_default_subnet(vpc, zone)
    if subnet is None:  # assumed: no free /20 left in the default VPC
        raise AwsError("InvalidSubnet.Conflict", "No free /20 range is left in the default VPC.")
    return {"Subnet": subnet_item(subnet)}
