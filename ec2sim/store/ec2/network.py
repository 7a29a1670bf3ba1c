"""VPCs, subnets, security groups and network interfaces.

Security group rules are stored flat, one `SecurityGroupRule` per peer with its own
``sgr-`` id, so DescribeSecurityGroupRules, revoking by id and duplicate checks
need no unpacking; DescribeSecurityGroups regroups them into IpPermissions.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ec2sim.store.codec import TRANSIENT
from ec2sim.store.table import HOME, Resource, touch

ALL_PROTOCOLS = "-1"


def derived_id(prefix: str, *parts: object) -> str:
    """A stable ``prefix-`` + 17 hex id derived from an owning resource's (random) id."""
    digest = hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()
    return f"{prefix}-{digest[:17]}"


@dataclass
class CidrAssociation:
    """One CIDR block of a VPC (its primary and secondary IPv4 blocks, an IPv6 /56) or of a
    subnet (an IPv6 /64), with the association id that names it."""

    association_id: str
    cidr_block: str
    ipv6_pool: str = ""  # IPv6: "Amazon" for an Amazon-provided block
    network_border_group: str = ""  # IPv6: the region the block is advertised from


@dataclass(eq=False)
class Vpc(Resource):
    resource_type = "vpc"
    owner_id: str
    cidr_block: str  # the primary IPv4 block
    is_default: bool = False
    state: str = "available"
    dhcp_options_id: str = "dopt-00000000000000000"
    instance_tenancy: str = "default"
    cidr_associations: list[CidrAssociation] = field(default_factory=list)  # IPv4, the primary first
    ipv6_associations: list[CidrAssociation] = field(default_factory=list)
    enable_dns_support: bool = True
    enable_dns_hostnames: bool = False  # a default VPC's are on
    enable_network_address_usage_metrics: bool = False

    @property
    def cidr_association_id(self) -> str:
        return derived_id("vpc-cidr-assoc", self.id, self.cidr_block)

    def networks(self) -> list[ipaddress.IPv4Network]:
        return [ipaddress.IPv4Network(a.cidr_block) for a in self.cidr_associations]


@dataclass(eq=False)
class Subnet(Resource):
    resource_type = "subnet"
    owner_id: str
    vpc_id: str
    cidr_block: str
    availability_zone: str
    availability_zone_id: str
    default_for_az: bool = False
    map_public_ip_on_launch: bool = False
    state: str = "available"
    next_host: int = 4  # AWS reserves the first four addresses of every subnet
    released: list[str] = field(default_factory=list)
    ipv6_associations: list[CidrAssociation] = field(default_factory=list)
    assign_ipv6_address_on_creation: bool = False
    enable_dns64: bool = False
    ipv6_native: bool = False
    hostname_type: str = "ip-name"  # PrivateDnsNameOptionsOnLaunch
    enable_resource_name_dns_a_record: bool = False
    enable_resource_name_dns_aaaa_record: bool = False
    enable_lni_at_device_index: int | None = None
    taken: list[str] = field(default_factory=list)  # chosen addresses at or past next_host

    @property
    def network(self) -> ipaddress.IPv4Network:
        return ipaddress.IPv4Network(self.cidr_block)

    @property
    def available_ip_address_count(self) -> int:
        # AWS reserves five addresses: the first four and the last. An IPv6-only subnet has none.
        if not self.cidr_block:
            return 0
        used = self.next_host - 4 - len(self.released) + len(self.taken)
        return self.network.num_addresses - 5 - used


@dataclass(eq=False)
class SecurityGroupRule(Resource):
    """One rule: a protocol and port range towards exactly one peer.

    Ports are None for protocols without ports (-1 and numbers other than
    tcp/udp/icmp/icmpv6); the peer is one of the four ``cidr_ipv4`` …
    ``referenced_group_id`` fields.
    """

    resource_type = "security-group-rule"
    group_id: str
    owner_id: str
    is_egress: bool
    protocol: str  # tcp | udp | icmp | icmpv6 | -1 | a protocol number
    from_port: int | None = None
    to_port: int | None = None
    cidr_ipv4: str | None = None
    cidr_ipv6: str | None = None
    prefix_list_id: str | None = None
    referenced_group_id: str | None = None
    referenced_user_id: str | None = None
    referenced_group_name: str | None = None
    description: str | None = None

    @property
    def peer(self) -> str:
        return self.cidr_ipv4 or self.cidr_ipv6 or self.prefix_list_id or self.referenced_group_id or ""

    @property
    def match_key(self) -> tuple[Any, ...]:
        """What makes two rules the same rule (the description does not)."""
        return (self.is_egress, self.protocol, self.from_port, self.to_port, self.peer)


# IpPermission list member → (rule field of its peer, key of the peer in that member).
PEER_FIELDS: dict[str, tuple[str, str]] = {
    "IpRanges": ("cidr_ipv4", "CidrIp"),
    "Ipv6Ranges": ("cidr_ipv6", "CidrIpv6"),
    "PrefixListIds": ("prefix_list_id", "PrefixListId"),
    "UserIdGroupPairs": ("referenced_group_id", "GroupId"),
}


class RuleList(list[SecurityGroupRule]):
    """A group's ingress or egress rules.

    ``append`` also takes an IpPermission dict (normalised already: protocol
    name, ports or None) and adds one rule per peer; the default-network set-up
    in region.py seeds default rules that way.
    """

    def __init__(self, group: SecurityGroup, egress: bool) -> None:
        super().__init__()
        self.group = group
        self.egress = egress

    def append(self, item: SecurityGroupRule | dict[str, Any]) -> None:
        if not isinstance(item, SecurityGroupRule):
            for rule in self.group.rules_for(item, self.egress):
                self.append(rule)
            return
        super().append(item)
        item.__dict__[HOME] = self.group
        touch(self.group)
        if self.group.registry is not None:
            self.group.registry[item.id] = item


@dataclass(eq=False)
class SecurityGroup(Resource):
    resource_type = "security-group"
    owner_id: str
    vpc_id: str
    name: str
    description: str
    ingress: RuleList = field(init=False)
    egress: RuleList = field(init=False)
    rule_serial: int = field(default=0, init=False)
    # The region's id registry once the group is stored: its rules are taggable resources too.
    registry: dict[str, Resource] | None = field(default=None, init=False, repr=False, metadata=TRANSIENT)

    def __post_init__(self) -> None:
        self.ingress = RuleList(self, egress=False)
        self.egress = RuleList(self, egress=True)

    def rules(self, egress: bool | None = None) -> Iterator[SecurityGroupRule]:
        if egress is not True:
            yield from self.ingress
        if egress is not False:
            yield from self.egress

    def rule(self, rule_id: str) -> SecurityGroupRule | None:
        return next((r for r in self.rules() if r.id == rule_id), None)

    def next_rule_id(self) -> str:
        """Rule ids derive from the group id and a serial: unique, and reproducible when group ids are."""
        self.rule_serial += 1
        return derived_id("sgr", self.id, self.rule_serial)

    def rules_for(
        self, permission: dict[str, Any], egress: bool, numbered: bool = True
    ) -> list[SecurityGroupRule]:
        """New (not yet added) rules of this group for one normalised IpPermission. Unnumbered ones
        (id "", for a request not yet authorized: it must leave no trace) are numbered when added."""
        rules = []
        for member, (attr, key) in PEER_FIELDS.items():
            for peer in permission.get(member, ()):
                rule = SecurityGroupRule(
                    self.next_rule_id() if numbered else "",
                    self.id,
                    self.owner_id,
                    egress,
                    permission["IpProtocol"],
                    permission.get("FromPort"),
                    permission.get("ToPort"),
                    description=peer.get("Description"),
                )
                setattr(rule, attr, peer[key])
                if member == "UserIdGroupPairs":
                    rule.referenced_user_id = peer.get("UserId", self.owner_id)
                    rule.referenced_group_name = peer.get("GroupName") or (
                        self.name if peer[key] == self.id else None
                    )
                rules.append(rule)
        return rules

    def add_rules(self, rules: Iterable[SecurityGroupRule]) -> None:
        for rule in rules:
            if not rule.id:
                rule.id = self.next_rule_id()
            (self.egress if rule.is_egress else self.ingress).append(rule)

    def remove_rules(self, rule_ids: set[str]) -> None:
        for rules in (self.ingress, self.egress):
            rules[:] = [r for r in rules if r.id not in rule_ids]
        touch(self)
        if self.registry is not None:
            for rule_id in rule_ids:
                self.registry.pop(rule_id, None)

    def register_rules(self, registry: dict[str, Resource] | None) -> None:
        """Make the rules findable by id in `registry` (None: withdraw them from the current one)."""
        for rule in self.rules():
            rule.__dict__[HOME] = self
            if registry is not None:
                registry[rule.id] = rule
            elif self.registry is not None:
                self.registry.pop(rule.id, None)
        self.registry = registry

    def references(self, group_id: str) -> bool:
        """Whether any rule of this group names `group_id` as its peer."""
        return any(r.referenced_group_id == group_id for r in self.rules())


@dataclass(eq=False)
class NetworkInterface(Resource):
    resource_type = "network-interface"
    owner_id: str
    subnet_id: str
    vpc_id: str
    availability_zone: str
    private_ip_address: str
    mac_address: str
    group_ids: list[str] = field(default_factory=list)
    description: str = ""
    status: str = "in-use"
    instance_id: str | None = None
    attachment_id: str | None = None
    instance_owner_id: str | None = None  # attached to another account's instance: that account
    device_index: int = 0
    source_dest_check: bool = True
    interface_type: str = "interface"
    attach_time: datetime | None = None
    delete_on_termination: bool = True
    secondary_private_ips: list[str] = field(default_factory=list)
    ipv6_addresses: list[str] = field(default_factory=list)
    public_ip: str | None = None  # Amazon's auto-assigned address on the primary private IP
    auto_public_ip: bool = False  # launched with one: it comes back after a stop or an EIP leaves
    requester_managed: bool = False
    requester_id: str | None = None  # the service's account, for a requester-managed interface
    client_token: str | None = None  # CreateNetworkInterface's, for idempotency
    request_fingerprint: str | None = None

    @property
    def private_ips(self) -> list[str]:
        """Every private IPv4 address, the primary first."""
        return [self.private_ip_address, *self.secondary_private_ips]
