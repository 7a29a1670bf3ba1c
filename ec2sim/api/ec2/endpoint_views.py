"""DescribeVpcEndpoints and DescribeVpcEndpointServices, and how an endpoint looks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ec2sim.api.authorization import NO_RESOURCES
from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.common import tag_list
from ec2sim.api.ec2.filters import FilterSet
from ec2sim.api.ec2.paging import paginate
from ec2sim.api.ec2.vpcs import describe_resources
from ec2sim.api.errors import AwsError
from ec2sim.api.registry import ec2_action
from ec2sim.store.ec2.endpoints import (
    INTERFACE,
    EndpointService,
    VpcEndpoint,
    dns_entries,
    find_services,
    services,
)
from ec2sim.store.resources import VPC_ENDPOINT

if TYPE_CHECKING:
    from types_boto3_ec2.type_defs import (
        DescribeVpcEndpointServicesRequestTypeDef,
        DescribeVpcEndpointsRequestTypeDef,
    )


def _service(region: str, endpoint: VpcEndpoint) -> EndpointService:
    return next(
        s for s in find_services(region, endpoint.service_name) if s.service_type == endpoint.endpoint_type
    )


def endpoint_item(ctx: RequestContext, endpoint: VpcEndpoint) -> dict[str, Any]:
    region = ctx.ec2
    interface = endpoint.endpoint_type == INTERFACE
    groups = [region.security_groups.get(g) for g in endpoint.group_ids]
    subnets = [region.subnets.get(s) for s in endpoint.subnet_ids]
    zones = [z for z in region.zones if any(s is not None and s.availability_zone == z.name for s in subnets)]
    item: dict[str, Any] = {
        "VpcEndpointId": endpoint.id,
        "VpcEndpointType": endpoint.endpoint_type,
        "VpcId": endpoint.vpc_id,
        "ServiceName": endpoint.service_name,
        "State": endpoint.state,
        "PolicyDocument": endpoint.policy,
        "RouteTableIds": list(endpoint.route_table_ids),
        "SubnetIds": list(endpoint.subnet_ids),
        "Groups": [{"GroupId": g.id, "GroupName": g.name} for g in groups if g is not None],
        "PrivateDnsEnabled": endpoint.private_dns_enabled,
        "RequesterManaged": False,
        "NetworkInterfaceIds": [
            endpoint.interface_ids[s] for s in endpoint.subnet_ids if s in endpoint.interface_ids
        ],
        "DnsEntries": dns_entries(endpoint, _service(ctx.region, endpoint), zones),
        "CreationTimestamp": endpoint.create_time,
        "Tags": tag_list(endpoint.tags),
        "OwnerId": endpoint.owner_id,
    }
    if interface:
        item["IpAddressType"] = endpoint.ip_address_type
        item["DnsOptions"] = {
            "DnsRecordIpType": "ipv4" if endpoint.ip_address_type == "ipv4" else "dualstack"
        }
    return item


_ENDPOINT_FILTERS = FilterSet(
    {
        "ip-address-type": lambda e: e.ip_address_type,
        "service-name": lambda e: e.service_name,
        "service-region": lambda e: e.service_name.split(".")[2],
        "vpc-id": lambda e: e.vpc_id,
        "vpc-endpoint-state": lambda e: e.state,
        "vpc-endpoint-type": lambda e: e.endpoint_type,
    },
    VPC_ENDPOINT,
)


@ec2_action("DescribeVpcEndpoints", resolve=NO_RESOURCES)
def describe_vpc_endpoints(ctx: RequestContext, req: DescribeVpcEndpointsRequestTypeDef) -> dict[str, Any]:
    page, token = describe_resources(
        ctx.ec2.vpc_endpoints, req, "VpcEndpointIds", _ENDPOINT_FILTERS, ("vpc-id", "vpc_id")
    )
    return {"VpcEndpoints": [endpoint_item(ctx, e) for e in page], "NextToken": token}


def service_detail(ctx: RequestContext, service: EndpointService) -> dict[str, Any]:
    zones = ctx.ec2.zones
    interface = service.service_type == INTERFACE
    dns = service.private_dns_name
    return {
        "ServiceName": service.name,
        "ServiceId": service.service_id,
        "ServiceType": [{"ServiceType": service.service_type}],
        "ServiceRegion": service.region,
        "AvailabilityZoneIds": [z.zone_id for z in zones],
        "AvailabilityZones": [z.name for z in zones],
        "Owner": "amazon",
        "BaseEndpointDnsNames": [
            service.dns_suffix() if interface else f"{service.short}.{service.region}.amazonaws.com"
        ],
        "PrivateDnsName": dns,
        "PrivateDnsNames": [{"PrivateDnsName": dns}] if dns else [],
        "VpcEndpointPolicySupported": True,
        "AcceptanceRequired": False,
        "ManagesVpcEndpoints": False,
        "PrivateDnsNameVerificationState": "verified" if dns else None,
        "SupportedIpAddressTypes": ["ipv4", "ipv6"] if service.ipv6 else ["ipv4"],
        "Tags": [],
    }


_SERVICE_FILTERS = FilterSet(
    {
        "owner": lambda s: "amazon",
        "service-name": lambda s: s.name,
        "service-region": lambda s: s.region,
        "service-type": lambda s: s.service_type,
        "supported-ip-address-types": lambda s: ["ipv4", "ipv6"] if s.ipv6 else ["ipv4"],
        "tag-key": lambda s: [],
    }
)


def _tag_value(name: str) -> bool:
    return name.startswith("tag:")


@ec2_action("DescribeVpcEndpointServices", resolve=NO_RESOURCES)
def describe_vpc_endpoint_services(
    ctx: RequestContext, req: DescribeVpcEndpointServicesRequestTypeDef
) -> dict[str, Any]:
    """AWS's services in the region (S3 and DynamoDB twice: gateway and interface). AWS's services
    carry no tags: a tag filter matches none of them."""
    names = req.get("ServiceNames") or []
    for name in names:
        if not find_services(ctx.region, name):
            raise AwsError("InvalidServiceName", f"The Vpc Endpoint Service '{name}' does not exist")
    filters = [f for f in req.get("Filters") or () if not _tag_value(f.get("Name", ""))]
    tag_filtered = len(filters) != len(req.get("Filters") or ())
    wanted = set(names)
    items = [s for s in services(ctx.region) if not wanted or s.name in wanted]
    regions = req.get("ServiceRegions")
    if regions:
        items = [s for s in items if s.region in regions]
    items = [] if tag_filtered else _SERVICE_FILTERS.apply(items, filters)
    page, token = paginate(items, req)
    return {
        "ServiceNames": list(dict.fromkeys(s.name for s in page)),
        "ServiceDetails": [service_detail(ctx, s) for s in page],
        "NextToken": token,
    }
