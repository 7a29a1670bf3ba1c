"""Subnets: create, delete, attributes and IPv6 CIDR blocks.

Checks and validation live in `vpc_plans`; a request refused or a dry run leaves no trace.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.common import dependency_violation
from ec2sim.api.ec2.tagging import tags_for
from ec2sim.api.ec2.vpc_plans import (
    MAX_SUBNETS,
    NewSubnetPlan,
    ResourcePlan,
    association_resolver,
    attribute_keys,
    check_subnet_block,
    check_subnet_ipv6,
    cidr_limit,
    find_zone,
    one_change,
    resolver,
)
from ec2sim.api.ec2.vpcs import ipv6_item, subnet_item
from ec2sim.api.errors import AwsError
from ec2sim.api.registry import ec2_action
from ec2sim.store.ec2.network import CidrAssociation, Subnet
from ec2sim.store.resources import SUBNET, VPC

if TYPE_CHECKING:
    from types_boto3_ec2.type_defs import (
        AssociateSubnetCidrBlockRequestTypeDef,
        CreateSubnetRequestTypeDef,
        DeleteSubnetRequestTypeDef,
        DisassociateSubnetCidrBlockRequestTypeDef,
        ModifySubnetAttributeRequestTypeDef,
    )

_HOSTNAME_TYPES = ("ip-name", "resource-name")
# Request member → (wire name, the subnet's field; None: an Outposts-only attribute).
_ATTRIBUTES: dict[str, tuple[str, str | None]] = {
    "AssignIpv6AddressOnCreation": ("assignIpv6AddressOnCreation", "assign_ipv6_address_on_creation"),
    "MapPublicIpOnLaunch": ("mapPublicIpOnLaunch", "map_public_ip_on_launch"),
    "MapCustomerOwnedIpOnLaunch": ("mapCustomerOwnedIpOnLaunch", None),
    "EnableDns64": ("enableDns64", "enable_dns64"),
    "PrivateDnsHostnameTypeOnLaunch": ("privateDnsHostnameTypeOnLaunch", "hostname_type"),
    "EnableResourceNameDnsARecordOnLaunch": (
        "enableResourceNameDnsARecordOnLaunch",
        "enable_resource_name_dns_a_record",
    ),
    "EnableResourceNameDnsAAAARecordOnLaunch": (
        "enableResourceNameDnsAAAARecordOnLaunch",
        "enable_resource_name_dns_aaaa_record",
    ),
    "EnableLniAtDeviceIndex": ("enableLniAtDeviceIndex", None),
    "DisableLniAtDeviceIndex": ("disableLniAtDeviceIndex", None),
}


def _no_ipam(req: Any) -> None:
    for key in ("Ipv4IpamPoolId", "Ipv6IpamPoolId"):
        if req.get(key):  # IPAM is not emulated (assumed wording of EC2's InvalidPoolID.NotFound)
            raise AwsError("InvalidPoolID.NotFound", f"The pool ID '{req[key]}' does not exist")


def _check_new_subnet(ctx: RequestContext, req: CreateSubnetRequestTypeDef, plan: NewSubnetPlan) -> None:
    region = ctx.ec2
    vpc = plan.vpc = region.vpcs.get(req.get("VpcId", ""))
    if vpc is None:
        raise AwsError(*VPC.not_found_message(req.get("VpcId", "")))
    zone = find_zone(region, req.get("AvailabilityZone"), req.get("AvailabilityZoneId"))
    siblings = list(region.subnets.where("vpc_id", vpc.id))
    # No zone named: AWS picks one; here the zones take turns, so a VPC's subnets spread out.
    plan.zone = zone or region.zones[len(siblings) % len(region.zones)]
    _no_ipam(req)
    native = bool(req.get("Ipv6Native"))
    if native and (req.get("CidrBlock") or not req.get("Ipv6CidrBlock")):
        # Assumed wording: an IPv6-only subnet has an IPv6 block and no IPv4 one.
        raise AwsError(
            "InvalidParameterCombination",
            "An IPv6-native subnet requires an ipv6CidrBlock and cannot have a cidrBlock.",
        )
    if not native:
        if not req.get("CidrBlock"):
            raise AwsError("MissingParameter", "The request must contain the parameter cidrBlock")
        plan.cidr_block = str(check_subnet_block(region, vpc, req["CidrBlock"]))
    if req.get("Ipv6CidrBlock"):
        plan.ipv6_block = check_subnet_ipv6(region, vpc, req["Ipv6CidrBlock"])
    if len(siblings) >= MAX_SUBNETS:
        # Assumed wording of EC2's SubnetLimitExceeded.
        raise AwsError("SubnetLimitExceeded", "The maximum number of subnets has been reached.")
    plan.tags = tags_for(req.get("TagSpecifications"), "subnet", ("subnet",))


def plan_create_subnet(ctx: RequestContext, req: CreateSubnetRequestTypeDef) -> NewSubnetPlan:
    plan = NewSubnetPlan(req)
    try:
        _check_new_subnet(ctx, req, plan)
    except AwsError as error:
        plan.fail(error)
    return plan


@ec2_action("CreateSubnet", resolve=plan_create_subnet)
def create_subnet(
    ctx: RequestContext, req: CreateSubnetRequestTypeDef, plan: NewSubnetPlan
) -> dict[str, Any]:
    region, vpc, zone = ctx.ec2, plan.vpc, plan.zone
    assert vpc is not None and zone is not None  # a plan without an error resolved them
    subnet = Subnet(
        region.ids.hex_id("subnet"),
        region.account_id,
        vpc.id,
        plan.cidr_block,
        zone.name,
        zone.zone_id,
        ipv6_native=bool(req.get("Ipv6Native")),
        tags=dict(plan.tags),
    )
    if plan.ipv6_block:
        subnet.ipv6_associations.append(
            CidrAssociation(region.ids.hex_id("subnet-cidr-assoc"), plan.ipv6_block)
        )
        subnet.assign_ipv6_address_on_creation = subnet.ipv6_native
    region.create_subnet(subnet)
    return {"Subnet": subnet_item(subnet, "pending" if subnet.cidr_block else None)}


def _deletable(ctx: RequestContext, req: DeleteSubnetRequestTypeDef, plan: ResourcePlan) -> None:
    if ctx.ec2.subnet_in_use(plan.resource):
        raise dependency_violation("subnet", plan.resource.id)


@ec2_action("DeleteSubnet", resolve=resolver(SUBNET, "SubnetId", _deletable))
def delete_subnet(ctx: RequestContext, req: DeleteSubnetRequestTypeDef, plan: ResourcePlan) -> None:
    ctx.ec2.remove_subnet(plan.resource)


# Attributes -------------------------------------------------------------------------------------


def _change(ctx: RequestContext, req: ModifySubnetAttributeRequestTypeDef, plan: ResourcePlan) -> None:
    subnet: Subnet = plan.resource
    member, value = one_change(req, {m: wire for m, (wire, _) in _ATTRIBUTES.items()})
    wire, attr = _ATTRIBUTES[member]
    plan.keys = attribute_keys(wire, value)
    if attr is None:
        # Assumed wording: these attributes are for subnets on an Outpost, which ec2sim has none of.
        raise AwsError(
            "InvalidParameterValue", f"The parameter {wire} is only supported for subnets on an Outpost."
        )
    if attr == "hostname_type" and value not in _HOSTNAME_TYPES:
        raise AwsError(
            "InvalidParameterValue",
            f"Value ({value}) for parameter privateDnsHostnameTypeOnLaunch is invalid. "
            f"Valid values: {', '.join(_HOSTNAME_TYPES)}",
        )
    if attr == "assign_ipv6_address_on_creation" and value and not subnet.ipv6_associations:
        # Assumed wording.
        raise AwsError(
            "InvalidParameterValue",
            f"Invalid value 'true' for assignIpv6AddressOnCreation. Cannot set assignIpv6AddressOnCreation "
            f"to true unless the subnet ({subnet.id}) has an IPv6 CIDR block associated with it.",
        )
    if attr == "map_public_ip_on_launch" and value and subnet.ipv6_native:
        raise AwsError(
            "InvalidParameterValue", f"Cannot set mapPublicIpOnLaunch on an IPv6-only subnet ({subnet.id})."
        )
    plan.value = (attr, value)


@ec2_action("ModifySubnetAttribute", resolve=resolver(SUBNET, "SubnetId", _change))
def modify_subnet_attribute(
    ctx: RequestContext, req: ModifySubnetAttributeRequestTypeDef, plan: ResourcePlan
) -> None:
    ctx.ec2.subnets.update(plan.resource, **dict([plan.value]))


# IPv6 CIDR blocks -------------------------------------------------------------------------------


def _new_block(ctx: RequestContext, req: AssociateSubnetCidrBlockRequestTypeDef, plan: ResourcePlan) -> None:
    subnet: Subnet = plan.resource
    _no_ipam(req)
    if not req.get("Ipv6CidrBlock"):
        raise AwsError("MissingParameter", "The request must contain the parameter ipv6CidrBlock")
    vpc = ctx.ec2.vpcs.get(subnet.vpc_id)
    assert vpc is not None  # a VPC with subnets can't be deleted
    block = check_subnet_ipv6(ctx.ec2, vpc, req["Ipv6CidrBlock"], subnet)
    if subnet.ipv6_associations:  # assumed: one /64 per subnet, EC2's CidrLimitExceeded wording
        raise cidr_limit(subnet.id, 1)
    plan.value = CidrAssociation(ctx.ec2.ids.hex_id("subnet-cidr-assoc"), block)


@ec2_action("AssociateSubnetCidrBlock", resolve=resolver(SUBNET, "SubnetId", _new_block))
def associate_subnet_cidr_block(
    ctx: RequestContext, req: AssociateSubnetCidrBlockRequestTypeDef, plan: ResourcePlan
) -> dict[str, Any]:
    ctx.ec2.associate_block(plan.resource, plan.value, ipv6=True)
    return {"SubnetId": plan.resource.id, "Ipv6CidrBlockAssociation": _subnet_ipv6(plan.value, "associating")}


def _subnet_ipv6(association: CidrAssociation, status: str) -> dict[str, Any]:
    item = ipv6_item(association, status)
    return {k: item[k] for k in ("AssociationId", "Ipv6CidrBlock", "Ipv6CidrBlockState")}


def _removable(
    ctx: RequestContext, req: DisassociateSubnetCidrBlockRequestTypeDef, plan: ResourcePlan
) -> None:
    if plan.resource.ipv6_native:  # assumed wording: an IPv6-only subnet keeps its only block
        raise AwsError(
            "OperationNotPermitted",
            f"The IPv6 CIDR block of IPv6-native subnet {plan.resource.id} cannot be removed.",
        )


@ec2_action("DisassociateSubnetCidrBlock", resolve=association_resolver("subnet-cidr-assoc", _removable))
def disassociate_subnet_cidr_block(
    ctx: RequestContext, req: DisassociateSubnetCidrBlockRequestTypeDef, plan: ResourcePlan
) -> dict[str, Any]:
    association = plan.association
    assert association is not None
    subnet: Subnet = plan.resource
    ctx.ec2.disassociate_block(subnet, association.association_id)
    if subnet.assign_ipv6_address_on_creation:
        ctx.ec2.subnets.update(subnet, assign_ipv6_address_on_creation=False)
    return {"SubnetId": subnet.id, "Ipv6CidrBlockAssociation": _subnet_ipv6(association, "disassociating")}
