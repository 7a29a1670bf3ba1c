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
from ec2sim.store.ec2.network import CidrAssociation, Subnet, Vpc
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


def describe_resources(
    table: Table[R],
    req: Mapping[str, Any],
    ids_key: str,
    filters: FilterSet,
    indexed: tuple[str, str] | None = None,
) -> tuple[Sequence[R], str | None]:
    items = filters.apply(_candidates(table, req.get(ids_key), filters, req, indexed), req.get("Filters"))
    return paginate(items, req)


# VPCs -------------------------------------------------------------------------------------


def _blocks(associations: Sequence[CidrAssociation], attr: str) -> list[str]:
    return [getattr(a, attr) for a in associations]


_VPC_FILTERS = FilterSet(
    {
        "cidr": lambda v: v.cidr_block,
        "cidr-block-association.cidr-block": lambda v: _blocks(v.cidr_associations, "cidr_block"),
        "cidr-block-association.association-id": lambda v: _blocks(v.cidr_associations, "association_id"),
        "cidr-block-association.state": lambda v: ["associated"] * len(v.cidr_associations),
        "dhcp-options-id": lambda v: v.dhcp_options_id,
        "ipv6-cidr-block-association.ipv6-cidr-block": lambda v: _blocks(v.ipv6_associations, "cidr_block"),
        "ipv6-cidr-block-association.ipv6-pool": lambda v: _blocks(v.ipv6_associations, "ipv6_pool"),
        "ipv6-cidr-block-association.association-id": lambda v: _blocks(
            v.ipv6_associations, "association_id"
        ),
        "ipv6-cidr-block-association.state": lambda v: ["associated"] * len(v.ipv6_associations),
        "is-default": lambda v: v.is_default,
        "owner-id": lambda v: v.owner_id,
        "state": lambda v: v.state,
    },
    VPC,
)


def state(value: str) -> dict[str, str]:
    return {"State": value}


def vpc_cidr_item(association: CidrAssociation, status: str = "associated") -> dict[str, Any]:
    return {
        "AssociationId": association.association_id,
        "CidrBlock": association.cidr_block,
        "CidrBlockState": state(status),
    }


def ipv6_item(association: CidrAssociation, status: str = "associated") -> dict[str, Any]:
    """An IPv6 block association, as a VPC's (with its pool) or a subnet's (the pool key unused)."""
    return {
        "AssociationId": association.association_id,
        "Ipv6CidrBlock": association.cidr_block,
        "Ipv6CidrBlockState": state(status),
        "Ipv6Pool": association.ipv6_pool or None,
        "NetworkBorderGroup": association.network_border_group or None,
    }


def vpc_item(vpc: Vpc, status: str | None = None) -> dict[str, Any]:
    """A VPC as Describe/CreateVpc show it (`status`: its state at creation, ``pending``)."""
    return {
        "VpcId": vpc.id,
        "OwnerId": vpc.owner_id,
        "InstanceTenancy": vpc.instance_tenancy,
        "CidrBlock": vpc.cidr_block,
        "CidrBlockAssociationSet": [vpc_cidr_item(a) for a in vpc.cidr_associations],
        "Ipv6CidrBlockAssociationSet": [ipv6_item(a) for a in vpc.ipv6_associations] or None,
        "IsDefault": vpc.is_default,
        "State": status or vpc.state,
        "DhcpOptionsId": vpc.dhcp_options_id,
        "BlockPublicAccessStates": {"InternetGatewayBlockMode": "off"},
        "Tags": tag_list(vpc.tags) or None,
    }


@ec2_action("DescribeVpcs", resolve=NO_RESOURCES)
def describe_vpcs(ctx: RequestContext, req: DescribeVpcsRequestTypeDef) -> dict[str, Any]:
    page, token = describe_resources(ctx.ec2.vpcs, req, "VpcIds", _VPC_FILTERS)
    return {"Vpcs": [vpc_item(v) for v in page], "NextToken": token}


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
        "cidr-block": lambda s: s.cidr_block or None,
        "cidr": lambda s: s.cidr_block or None,
        "cidrBlock": lambda s: s.cidr_block or None,
        "customer-owned-ipv4-pool": lambda s: None,  # no Outposts here
        "default-for-az": lambda s: s.default_for_az,
        "defaultForAz": lambda s: s.default_for_az,
        "enable-dns64": lambda s: s.enable_dns64,
        "enable-lni-at-device-index": lambda s: s.enable_lni_at_device_index,
        "ipv6-cidr-block-association.ipv6-cidr-block": lambda s: _blocks(s.ipv6_associations, "cidr_block"),
        "ipv6-cidr-block-association.association-id": lambda s: _blocks(
            s.ipv6_associations, "association_id"
        ),
        "ipv6-cidr-block-association.state": lambda s: ["associated"] * len(s.ipv6_associations),
        "ipv6-native": lambda s: s.ipv6_native,
        "map-customer-owned-ip-on-launch": lambda s: False,
        "map-public-ip-on-launch": lambda s: s.map_public_ip_on_launch,
        "outpost-arn": lambda s: None,
        "owner-id": lambda s: s.owner_id,
        "private-dns-name-options-on-launch.hostname-type": lambda s: s.hostname_type,
        "private-dns-name-options-on-launch.enable-resource-name-dns-a-record": lambda s: (
            s.enable_resource_name_dns_a_record
        ),
        "private-dns-name-options-on-launch.enable-resource-name-dns-aaaa-record": lambda s: (
            s.enable_resource_name_dns_aaaa_record
        ),
        "state": lambda s: s.state,
    },
    SUBNET,
)


def subnet_item(subnet: Subnet, status: str | None = None) -> dict[str, Any]:
    """A subnet as Describe/CreateSubnet show it (`status`: its state at creation, ``pending``)."""
    return {
        "SubnetId": subnet.id,
        "SubnetArn": _subnet_arn(subnet),
        "VpcId": subnet.vpc_id,
        "OwnerId": subnet.owner_id,
        "AvailabilityZone": subnet.availability_zone,
        "AvailabilityZoneId": subnet.availability_zone_id,
        "CidrBlock": subnet.cidr_block or None,
        "AvailableIpAddressCount": subnet.available_ip_address_count,
        "DefaultForAz": subnet.default_for_az,
        "MapPublicIpOnLaunch": subnet.map_public_ip_on_launch,
        "MapCustomerOwnedIpOnLaunch": False,
        "AssignIpv6AddressOnCreation": subnet.assign_ipv6_address_on_creation,
        "Ipv6CidrBlockAssociationSet": [
            {k: v for k, v in ipv6_item(a).items() if k not in ("Ipv6Pool", "NetworkBorderGroup")}
            for a in subnet.ipv6_associations
        ],
        "EnableDns64": subnet.enable_dns64,
        "EnableLniAtDeviceIndex": subnet.enable_lni_at_device_index,
        "Ipv6Native": subnet.ipv6_native,
        "State": status or subnet.state,
        "PrivateDnsNameOptionsOnLaunch": {
            "HostnameType": subnet.hostname_type,
            "EnableResourceNameDnsARecord": subnet.enable_resource_name_dns_a_record,
            "EnableResourceNameDnsAAAARecord": subnet.enable_resource_name_dns_aaaa_record,
        },
        "BlockPublicAccessStates": {"InternetGatewayBlockMode": "off"},
        "Tags": tag_list(subnet.tags) or None,
    }


@ec2_action("DescribeSubnets", resolve=NO_RESOURCES)
def describe_subnets(ctx: RequestContext, req: DescribeSubnetsRequestTypeDef) -> dict[str, Any]:
    page, token = describe_resources(
        ctx.ec2.subnets,
        req,
        "SubnetIds",
        _SUBNET_FILTERS,
        ("vpc-id", "vpc_id"),
    )
    return {"Subnets": [subnet_item(s) for s in page], "NextToken": token}
