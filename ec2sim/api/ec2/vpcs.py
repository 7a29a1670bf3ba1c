"""VPCs and subnets (describe); network interfaces are in `interface_views`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from ec2sim.api.authorization import NO_RESOURCES
from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.common import find_ids, tag_list
from ec2sim.api.ec2.filters import FilterSet
from ec2sim.api.ec2.paging import paginate
from ec2sim.api.registry import ec2_action
from ec2sim.store.ec2.network import Subnet, Vpc
from ec2sim.store.resources import SUBNET, VPC
from ec2sim.store.table import Resource, Table

if TYPE_CHECKING:
    from types_boto3_ec2.type_defs import (
        DescribeSubnetsRequestTypeDef,
        DescribeVpcsRequestTypeDef,
    )

R = TypeVar("R", bound=Resource)


def _candidates(
    table: Table[R],
    req_ids: Sequence[str] | None,
    filters: FilterSet,
    req: Mapping[str, Any],
    indexed: tuple[str, str] | None,
) -> Iterable[R]:
    """What a Describe call scans: the asked-for ids, else those of a literal id filter, else an
    index hit for literal values of the `indexed` (filter, attribute), else all."""
    assert filters.resource is not None
    if req_ids:
        return find_ids(table, req_ids, filters.resource)
    ids = filters.ids(req.get("Filters"))
    if ids is not None:
        return [item for item in map(table.get, dict.fromkeys(ids)) if item is not None]
    values = filters.values(req.get("Filters"), indexed[0]) if indexed else None
    if indexed and values is not None:
        return [item for value in dict.fromkeys(values) for item in table.where(indexed[1], value)]
    return table


def _describe(
    table: Table[R],
    req: Mapping[str, Any],
    ids_key: str,
    filters: FilterSet,
    indexed: tuple[str, str] | None = None,
) -> tuple[Sequence[R], str | None]:
    items = filters.apply(_candidates(table, req.get(ids_key), filters, req, indexed), req.get("Filters"))
    return paginate(items, req)


# VPCs -------------------------------------------------------------------------------------

_VPC_FILTERS = FilterSet(
    {
        "cidr": lambda v: v.cidr_block,
        "cidr-block-association.cidr-block": lambda v: v.cidr_block,
        "cidr-block-association.association-id": lambda v: v.cidr_association_id,
        "cidr-block-association.state": lambda v: "associated",
        "dhcp-options-id": lambda v: v.dhcp_options_id,
        "is-default": lambda v: v.is_default,
        "owner-id": lambda v: v.owner_id,
        "state": lambda v: v.state,
    },
    VPC,
)


def _vpc_item(vpc: Vpc) -> dict[str, Any]:
    return {
        "VpcId": vpc.id,
        "OwnerId": vpc.owner_id,
        "InstanceTenancy": vpc.instance_tenancy,
        "CidrBlock": vpc.cidr_block,
        "CidrBlockAssociationSet": [
            {
                "AssociationId": vpc.cidr_association_id,
                "CidrBlock": vpc.cidr_block,
                "CidrBlockState": {"State": "associated"},
            }
        ],
        "IsDefault": vpc.is_default,
        "State": vpc.state,
        "DhcpOptionsId": vpc.dhcp_options_id,
        "BlockPublicAccessStates": {"InternetGatewayBlockMode": "off"},
        "Tags": tag_list(vpc.tags) or None,
    }


@ec2_action("DescribeVpcs", resolve=NO_RESOURCES)
def describe_vpcs(ctx: RequestContext, req: DescribeVpcsRequestTypeDef) -> dict[str, Any]:
    page, token = _describe(ctx.ec2.vpcs, req, "VpcIds", _VPC_FILTERS)
    return {"Vpcs": [_vpc_item(v) for v in page], "NextToken": token}


# Subnets ----------------------------------------------------------------------------------


def _subnet_arn(subnet: Subnet) -> str:
    return SUBNET.arn(subnet.availability_zone[:-1], subnet.owner_id, subnet.id)


_SUBNET_FILTERS = FilterSet(
    {
        "subnet-arn": _subnet_arn,
        "vpc-id": lambda s: s.vpc_id,
        "availability-zone": lambda s: s.availability_zone,
        "availabilityZone": lambda s: s.availability_zone,
        "availability-zone-id": lambda s: s.availability_zone_id,
        "availabilityZoneId": lambda s: s.availability_zone_id,
        "available-ip-address-count": lambda s: s.available_ip_address_count,
        "cidr-block": lambda s: s.cidr_block,
        "cidr": lambda s: s.cidr_block,
        "cidrBlock": lambda s: s.cidr_block,
        "default-for-az": lambda s: s.default_for_az,
        "defaultForAz": lambda s: s.default_for_az,
        "map-public-ip-on-launch": lambda s: s.map_public_ip_on_launch,
        "ipv6-native": lambda s: False,
        "owner-id": lambda s: s.owner_id,
        "state": lambda s: s.state,
    },
    SUBNET,
)


def _subnet_item(subnet: Subnet) -> dict[str, Any]:
    return {
        "SubnetId": subnet.id,
        "SubnetArn": _subnet_arn(subnet),
        "VpcId": subnet.vpc_id,
        "OwnerId": subnet.owner_id,
        "AvailabilityZone": subnet.availability_zone,
        "AvailabilityZoneId": subnet.availability_zone_id,
        "CidrBlock": subnet.cidr_block,
        "AvailableIpAddressCount": subnet.available_ip_address_count,
        "DefaultForAz": subnet.default_for_az,
        "MapPublicIpOnLaunch": subnet.map_public_ip_on_launch,
        "MapCustomerOwnedIpOnLaunch": False,
        "AssignIpv6AddressOnCreation": False,
        "Ipv6CidrBlockAssociationSet": [],
        "EnableDns64": False,
        "Ipv6Native": False,
        "State": subnet.state,
        "PrivateDnsNameOptionsOnLaunch": {
            "HostnameType": "ip-name",
            "EnableResourceNameDnsARecord": False,
            "EnableResourceNameDnsAAAARecord": False,
        },
        "BlockPublicAccessStates": {"InternetGatewayBlockMode": "off"},
        "Tags": tag_list(subnet.tags) or None,
    }


@ec2_action("DescribeSubnets", resolve=NO_RESOURCES)
def describe_subnets(ctx: RequestContext, req: DescribeSubnetsRequestTypeDef) -> dict[str, Any]:
    page, token = _describe(
        ctx.ec2.subnets,
        req,
        "SubnetIds",
        _SUBNET_FILTERS,
        ("vpc-id", "vpc_id"),
    )
    return {"Subnets": [_subnet_item(s) for s in page], "NextToken": token}
