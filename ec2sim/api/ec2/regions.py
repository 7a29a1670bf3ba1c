"""Regions, Availability Zones and account attributes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ec2sim.api.authorization import NO_RESOURCES
from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.filters import FilterSet
from ec2sim.api.errors import AwsError
from ec2sim.api.registry import ec2_action
from ec2sim.store.ec2.geography import REGION_NAMES, Zone, endpoint, opt_in_regions, zones

if TYPE_CHECKING:
    from types_boto3_ec2.type_defs import (
        DescribeAccountAttributesRequestTypeDef,
        DescribeAvailabilityZonesRequestTypeDef,
        DescribeRegionsRequestTypeDef,
    )

_REGION_FILTERS = FilterSet(
    {
        "endpoint": lambda r: r["Endpoint"],
        "region-name": lambda r: r["RegionName"],
        "opt-in-status": lambda r: r["OptInStatus"],
    }
)


@ec2_action("DescribeRegions", resolve=NO_RESOURCES)
def describe_regions(ctx: RequestContext, req: DescribeRegionsRequestTypeDef) -> dict[str, Any]:
    regions = [
        {"RegionName": name, "Endpoint": endpoint(name), "OptInStatus": "opt-in-not-required"}
        for name in REGION_NAMES
    ]
    others = [
        {"RegionName": name, "Endpoint": endpoint(name), "OptInStatus": "not-opted-in"}
        for name in opt_in_regions()
    ]
    if req.get("AllRegions"):
        regions += others
    if req.get("RegionNames"):
        wanted = set(req["RegionNames"])
        regions += [r for r in others if r["RegionName"] in wanted and r not in regions]
        unknown = wanted.difference(r["RegionName"] for r in regions)
        if unknown:
            raise AwsError("InvalidParameterValue", f"Invalid region names: {', '.join(sorted(unknown))}")
        regions = [r for r in regions if r["RegionName"] in wanted]
    return {"Regions": _REGION_FILTERS.apply(regions, req.get("Filters"))}


def _zone_item(zone: Zone) -> dict[str, Any]:
    return {
        "ZoneName": zone.name,
        "ZoneId": zone.zone_id,
        "State": "available",
        "RegionName": zone.region,
        "ZoneType": "availability-zone",
        "OptInStatus": "opt-in-not-required",
        "GroupName": zone.region,
        "NetworkBorderGroup": zone.region,
        "Messages": [],
    }


_ZONE_FILTERS = FilterSet(
    {
        "zone-name": lambda z: z["ZoneName"],
        "zone-id": lambda z: z["ZoneId"],
        "state": lambda z: z["State"],
        "region-name": lambda z: z["RegionName"],
        "zone-type": lambda z: z["ZoneType"],
        "opt-in-status": lambda z: z["OptInStatus"],
        "group-name": lambda z: z["GroupName"],
        "network-border-group": lambda z: z["NetworkBorderGroup"],
    }
)


@ec2_action("DescribeAvailabilityZones", resolve=NO_RESOURCES)
def describe_availability_zones(
    ctx: RequestContext, req: DescribeAvailabilityZonesRequestTypeDef
) -> dict[str, Any]:
    items = [_zone_item(z) for z in zones(ctx.region)]
    for field, wanted in (("ZoneName", req.get("ZoneNames")), ("ZoneId", req.get("ZoneIds"))):
        if wanted:
            missing = set(wanted).difference(z[field] for z in items)
            if missing:
                raise AwsError(
                    "InvalidParameterValue",
                    f"The zone '{min(missing)}' does not exist in the region '{ctx.region}'",
                )
            items = [z for z in items if z[field] in wanted]
    return {"AvailabilityZones": _ZONE_FILTERS.apply(items, req.get("Filters"))}


@ec2_action("DescribeAccountAttributes", resolve=NO_RESOURCES)
def describe_account_attributes(
    ctx: RequestContext, req: DescribeAccountAttributesRequestTypeDef
) -> dict[str, Any]:
    attributes = {
        "supported-platforms": ["VPC"],
        "default-vpc": [ctx.ec2.default_vpc_id or "none"],  # "none" once the default VPC is deleted
        "max-instances": ["20"],
        "vpc-max-security-groups-per-interface": ["5"],
        "max-elastic-ips": ["5"],
        "vpc-max-elastic-ips": ["5"],
    }
    # The model's enum has only the first two names; AWS answers every name above (its API reference).
    wanted: Sequence[str] = req.get("AttributeNames") or list(attributes)
    unknown = [name for name in wanted if name not in attributes]
    if unknown:
        raise AwsError(
            "InvalidParameterValue", f"Value ({unknown[0]}) for parameter attributeName is invalid."
        )
    return {
        "AccountAttributes": [
            {"AttributeName": name, "AttributeValues": [{"AttributeValue": v} for v in attributes[name]]}
            for name in wanted
        ]
    }
