"""Managed prefix lists: the account's own (a table of `Ec2Region`) and the AWS-managed ones.

A customer-managed list keeps every version of its entries (``versions[0]`` is version 1):
GetManagedPrefixListEntries serves an earlier TargetVersion, RestoreManagedPrefixListVersion
copies one into a new version. Changes complete at once: the state a request leaves is the
``*-complete`` one (EC2's ``*-in-progress`` states are not exposed; a client waiting for
``create-complete`` sees it on its first look).

The AWS-managed lists are data, the same for every account ("AWS" owns them) and built once per
region: `aws_managed(region)`. Their names and weights are those the Amazon VPC User Guide lists
("AWS-managed prefix lists", the weight being what a reference counts toward a security group's
rule quota, reported here as MaxEntries). Their entries are NOT the real current ranges (those
change over time and are not available offline): plausible fixed CIDRs from AWS's published
address space, recorded in `_AWS_LISTS`, the same in every region. Their ids are fixed where
ec2sim knows the real us-east-1 ids, else derived from the region and name (8 hex digits, the
shape of AWS's own ``pl-`` ids for them).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cache

from ec2sim.store.resources import AWS_OWNER
from ec2sim.store.table import Resource


@dataclass
class PrefixListEntry:
    cidr: str
    description: str | None = None


@dataclass(eq=False)
class ManagedPrefixList(Resource):
    resource_type = "prefix-list"
    owner_id: str
    name: str
    address_family: str  # IPv4 | IPv6
    max_entries: int
    versions: list[list[PrefixListEntry]] = field(default_factory=list)
    state: str = "create-complete"
    state_message: str | None = None
    client_token: str | None = None
    request_fingerprint: str = ""  # of the CreateManagedPrefixList request carrying `client_token`
    region: str = ""  # AWS-managed lists only (they are in no region's table)

    @property
    def version(self) -> int:
        return len(self.versions)

    @property
    def entries(self) -> list[PrefixListEntry]:
        return self.versions[-1] if self.versions else []

    def new_version(self, entries: list[PrefixListEntry], state: str) -> None:
        """A new version with `entries` (assignments: durable state sees the change)."""
        self.versions = [*self.versions, entries]
        self.state = state


# AWS-managed lists: (name with {region}, address family, weight, is a gateway-endpoint service
# list (DescribePrefixLists shows those), entries).
_AWS_LISTS: tuple[tuple[str, str, int, bool, tuple[str, ...]], ...] = (
    ("com.amazonaws.{region}.s3", "IPv4", 1, True, ("3.5.0.0/19", "16.182.0.0/16", "52.216.0.0/15")),
    (
        "com.amazonaws.{region}.dynamodb",
        "IPv4",
        1,
        True,
        ("3.218.180.0/22", "52.94.0.0/22", "52.119.224.0/20"),
    ),
    (
        "com.amazonaws.global.cloudfront.origin-facing",
        "IPv4",
        55,
        False,
        ("13.224.0.0/14", "54.230.0.0/16", "64.252.64.0/18", "130.176.0.0/16", "205.251.192.0/19"),
    ),
    (
        "com.amazonaws.global.ipv6.cloudfront.origin-facing",
        "IPv6",
        55,
        False,
        ("2600:9000:2000::/36", "2600:9000:3000::/36", "2600:9000:f000::/36"),
    ),
    ("com.amazonaws.{region}.ec2-instance-connect", "IPv4", 2, False, ("18.206.107.24/29",)),
    ("com.amazonaws.{region}.ipv6.ec2-instance-connect", "IPv6", 2, False, ("2600:1f18:6fe3:8c00::/59",)),
    ("com.amazonaws.global.groundstation", "IPv4", 5, False, ("3.2.16.0/21", "52.94.130.0/24")),
    (
        "com.amazonaws.{region}.route53-healthchecks",
        "IPv4",
        25,
        False,
        ("107.23.255.0/26", "54.243.31.192/26"),
    ),
    ("com.amazonaws.{region}.ipv6.route53-healthchecks", "IPv6", 25, False, ("2600:1f18:7fff:f800::/56",)),
    ("com.amazonaws.{region}.s3express", "IPv4", 6, False, ("3.5.64.0/21",)),
    ("com.amazonaws.{region}.vpc-lattice", "IPv4", 10, False, ("129.224.0.0/17",)),
    ("com.amazonaws.{region}.ipv6.vpc-lattice", "IPv6", 10, False, ("2600:1f00:5000::/40",)),
)
# The real ids of some of them in us-east-1 (as AWS documentation and user reports show them).
_KNOWN_IDS = {
    ("us-east-1", "com.amazonaws.us-east-1.s3"): "pl-63a5400a",
    ("us-east-1", "com.amazonaws.us-east-1.dynamodb"): "pl-02cd2c6b",
    ("us-east-1", "com.amazonaws.global.cloudfront.origin-facing"): "pl-3b927c52",
}


@dataclass(frozen=True)
class AwsLists:
    """The AWS-managed lists of one region, by id and name; `services` are DescribePrefixLists'."""

    by_id: dict[str, ManagedPrefixList]
    services: tuple[str, ...]


def _aws_id(region: str, name: str) -> str:
    known = _KNOWN_IDS.get((region, name))
    return known or "pl-" + hashlib.sha256(f"{region}/{name}".encode()).hexdigest()[:8]


@cache
def aws_managed(region: str) -> AwsLists:
    lists: dict[str, ManagedPrefixList] = {}
    services = []
    for template, family, weight, service, cidrs in _AWS_LISTS:
        name = template.format(region=region)
        plist = ManagedPrefixList(
            _aws_id(region, name),
            AWS_OWNER,
            name,
            family,
            weight,
            [[PrefixListEntry(c) for c in cidrs]],
            region=region,
        )
        lists[plist.id] = plist
        if service:
            services.append(plist.id)
    return AwsLists(lists, tuple(services))
