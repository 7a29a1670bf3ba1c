"""AWS Regions and their Availability Zones, as a commercial account sees them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from ec2sim.botocore_data import open_data


@dataclass(frozen=True)
class Zone:
    name: str  # us-east-1a
    zone_id: str  # use1-az6
    region: str


# Region → (zone-id prefix, zone letters mapped to zone-id numbers).
_REGIONS: dict[str, tuple[str, str, dict[str, int]]] = {
    "us-east-1": ("use1", "US East (N. Virginia)", {"a": 6, "b": 1, "c": 2, "d": 4, "e": 3, "f": 5}),
    "us-east-2": ("use2", "US East (Ohio)", {"a": 1, "b": 2, "c": 3}),
    "us-west-1": ("usw1", "US West (N. California)", {"b": 3, "c": 1}),
    "us-west-2": ("usw2", "US West (Oregon)", {"a": 2, "b": 1, "c": 3, "d": 4}),
    "ca-central-1": ("cac1", "Canada (Central)", {"a": 1, "b": 2, "d": 4}),
    "eu-west-1": ("euw1", "Europe (Ireland)", {"a": 1, "b": 2, "c": 3}),
    "eu-west-2": ("euw2", "Europe (London)", {"a": 2, "b": 3, "c": 1, "d": 4}),
    "eu-west-3": ("euw3", "Europe (Paris)", {"a": 1, "b": 2, "c": 3}),
    "eu-central-1": ("euc1", "Europe (Frankfurt)", {"a": 1, "b": 2, "c": 3}),
    "eu-north-1": ("eun1", "Europe (Stockholm)", {"a": 1, "b": 2, "c": 3}),
    "ap-south-1": ("aps1", "Asia Pacific (Mumbai)", {"a": 1, "b": 3, "c": 2}),
    "ap-northeast-1": ("apne1", "Asia Pacific (Tokyo)", {"a": 4, "c": 1, "d": 2}),
    "ap-northeast-2": ("apne2", "Asia Pacific (Seoul)", {"a": 1, "b": 2, "c": 3, "d": 4}),
    "ap-northeast-3": ("apne3", "Asia Pacific (Osaka)", {"a": 3, "b": 1, "c": 2}),
    "ap-southeast-1": ("apse1", "Asia Pacific (Singapore)", {"a": 2, "b": 1, "c": 3}),
    "ap-southeast-2": ("apse2", "Asia Pacific (Sydney)", {"a": 2, "b": 1, "c": 3}),
    "sa-east-1": ("sae1", "South America (Sao Paulo)", {"a": 1, "b": 2, "c": 3}),
}
REGION_NAMES: tuple[str, ...] = tuple(_REGIONS)  # enabled by default in every account
# Opt-in regions whose zones the instance-type catalogue knows (zone names a, b, c on az1..az3).
_REGIONS.update(
    (region, (prefix, title, {"a": 1, "b": 2, "c": 3}))
    for region, prefix, title in (
        ("af-south-1", "afs1", "Africa (Cape Town)"),
        ("ap-east-1", "ape1", "Asia Pacific (Hong Kong)"),
        ("ap-south-2", "aps2", "Asia Pacific (Hyderabad)"),
        ("ap-southeast-3", "apse3", "Asia Pacific (Jakarta)"),
        ("ap-southeast-4", "apse4", "Asia Pacific (Melbourne)"),
        ("ap-southeast-5", "apse5", "Asia Pacific (Malaysia)"),
        ("ca-west-1", "caw1", "Canada West (Calgary)"),
        ("eu-central-2", "euc2", "Europe (Zurich)"),
        ("eu-south-1", "eus1", "Europe (Milan)"),
        ("eu-south-2", "eus2", "Europe (Spain)"),
        ("il-central-1", "ilc1", "Israel (Tel Aviv)"),
        ("me-central-1", "mec1", "Middle East (UAE)"),
        ("me-south-1", "mes1", "Middle East (Bahrain)"),
    )
)


@lru_cache(maxsize=1)
def partition_regions() -> frozenset[str]:
    """Every region of the commercial partition, as botocore's partitions.json lists them."""
    with open_data("partitions.json") as file:
        partitions = json.load(file)["partitions"]
    aws = next(p for p in partitions if p["id"] == "aws")
    return frozenset(name for name in aws["regions"] if name != "aws-global")


def is_valid_region(region: str) -> bool:
    return region in _REGIONS or region in partition_regions()


def opt_in_regions() -> list[str]:
    """Regions an account must opt in to (listed by DescribeRegions with AllRegions)."""
    return sorted(partition_regions().difference(REGION_NAMES))


def endpoint(region: str) -> str:
    return f"ec2.{region}.amazonaws.com"


def zones(region: str) -> list[Zone]:
    """The region's zones; an unlisted region gets three zones, a to c."""
    prefix, _, letters = _REGIONS.get(
        region, ("".join(p[:1] for p in region.split("-")), "", {"a": 1, "b": 2, "c": 3})
    )
    return [Zone(f"{region}{letter}", f"{prefix}-az{number}", region) for letter, number in letters.items()]
