"""Route tables, network ACLs and DHCP options sets, and what every VPC and subnet gets of them.

A route table holds its routes (keyed by destination); its associations (with a subnet, a gateway,
or the VPC itself as its main route table) are rows of their own, looked up by id, route table,
subnet, gateway and VPC (main). Every subnet has exactly one network ACL association (its VPC's
default ACL until replaced). A route's state is not stored: it is ``blackhole`` whenever its
target is gone (`ec2sim.api.ec2.route_views`).

The VPC and subnet operations call the functions at the end of this module: `create_vpc_network`
(main route table, default ACL, the region's default DHCP options), `subnet_created` (the default
ACL association), `set_local_route` (a CIDR block associated or disassociated), `vpc_dependencies`
/ `subnet_dependencies` (what makes them undeletable: AWS's DependencyViolation) and `vpc_deleted` /
`subnet_deleted` (what goes with them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from ec2sim.store.ec2.gateways import EgressOnlyInternetGateway, InternetGateway, NatGateway
from ec2sim.store.ec2.network import Subnet, Vpc
from ec2sim.store.ids import IdGenerator
from ec2sim.store.table import Resource, Table, touch

LOCAL = "local"
ALL_PROTOCOLS = "-1"
LAST_RULE = 32767  # the catch-all deny of every ACL, in each direction
DEFAULT_ALLOW_RULE = 100
AMAZON_DNS = "AmazonProvidedDNS"


@dataclass
class Route:
    """One route: its destination (a member name of the request, DestinationCidrBlock...) and target
    (GatewayId, NatGatewayId... and the id)."""

    destination_kind: str
    destination: str
    target_kind: str
    target: str
    origin: str = "CreateRoute"  # CreateRouteTable: the local route of a VPC CIDR


@dataclass(eq=False)
class RouteTable(Resource):
    resource_type = "route-table"
    owner_id: str
    vpc_id: str
    routes: list[Route] = field(default_factory=list)
    client_token: str | None = None
    request_fingerprint: str = ""  # of a request with a ClientToken (`ec2sim.api.ec2.common.fingerprint`)

    def route(self, destination: str) -> Route | None:
        return next((r for r in self.routes if r.destination == destination), None)


@dataclass(eq=False)
class RouteTableAssociation(Resource):
    """A route table's association with a subnet, a gateway (edge association) or, as its main
    route table, a VPC (`main_vpc_id`)."""

    resource_type = "route-table-association"
    route_table_id: str
    subnet_id: str = ""
    gateway_id: str = ""
    main_vpc_id: str = ""

    @property
    def main(self) -> bool:
        return bool(self.main_vpc_id)


@dataclass
class AclEntry:
    rule_number: int
    egress: bool
    protocol: str  # a protocol number, or -1
    rule_action: str  # allow | deny
    cidr_block: str | None = None
    ipv6_cidr_block: str | None = None
    icmp_type: int | None = None
    icmp_code: int | None = None
    port_from: int | None = None
    port_to: int | None = None


@dataclass(eq=False)
class NetworkAcl(Resource):
    resource_type = "network-acl"
    owner_id: str
    vpc_id: str
    is_default: bool = False
    entries: list[AclEntry] = field(default_factory=list)
    client_token: str | None = None
    request_fingerprint: str = ""

    def entry(self, rule_number: int, egress: bool) -> AclEntry | None:
        return next((e for e in self.entries if (e.rule_number, e.egress) == (rule_number, egress)), None)

    def set_entry(self, entry: AclEntry) -> None:
        """Add `entry`, or replace the one with its number and direction; entries stay sorted."""
        kept = [e for e in self.entries if (e.rule_number, e.egress) != (entry.rule_number, entry.egress)]
        self.entries = sorted([*kept, entry], key=lambda e: (e.egress, e.rule_number))

    def remove_entry(self, rule_number: int, egress: bool) -> None:
        self.entries = [e for e in self.entries if (e.rule_number, e.egress) != (rule_number, egress)]


@dataclass(eq=False)
class NetworkAclAssociation(Resource):
    resource_type = "network-acl-association"
    network_acl_id: str
    subnet_id: str


@dataclass(eq=False)
class DhcpOptions(Resource):
    resource_type = "dhcp-options"
    owner_id: str
    configurations: dict[str, list[str]] = field(default_factory=dict)  # key → values, in order
    is_default: bool = False  # the set AWS makes with the default VPC, which new VPCs get


class NetworkRegion(Protocol):
    """What these functions use of a region (`ec2sim.store.ec2.region.Ec2Region`, which calls them)."""

    account_id: str
    name: str
    ids: IdGenerator
    vpcs: Table[Vpc]
    internet_gateways: Table[InternetGateway]
    egress_only_internet_gateways: Table[EgressOnlyInternetGateway]
    nat_gateways: Table[NatGateway]
    dhcp_options: Table[DhcpOptions]
    route_tables: Table[RouteTable]
    route_table_associations: Table[RouteTableAssociation]
    network_acls: Table[NetworkAcl]
    network_acl_associations: Table[NetworkAclAssociation]


def default_entries() -> list[AclEntry]:
    """A default ACL's entries: everything allowed (rule 100), then the catch-all deny."""
    return [
        AclEntry(rule, egress, ALL_PROTOCOLS, action, "0.0.0.0/0")
        for egress in (False, True)
        for rule, action in ((DEFAULT_ALLOW_RULE, "allow"), (LAST_RULE, "deny"))
    ]


def last_entries() -> list[AclEntry]:
    """A new (custom) ACL's entries: the catch-all deny only."""
    return [AclEntry(LAST_RULE, egress, ALL_PROTOCOLS, "deny", "0.0.0.0/0") for egress in (False, True)]


def local_route(cidr: str) -> Route:
    """The route of a VPC CIDR block (IPv4 or IPv6) within the VPC, in every route table of it."""
    kind = "DestinationIpv6CidrBlock" if ":" in cidr else "DestinationCidrBlock"
    return Route(kind, cidr, "GatewayId", LOCAL, origin="CreateRouteTable")


def new_route_table(
    region: NetworkRegion, vpc: Vpc, client_token: str | None = None, request_fingerprint: str = ""
) -> RouteTable:
    """A route table of `vpc` with the local routes of its CIDR blocks (its main table's), stored."""
    main = main_association(region, vpc.id)
    main_table = region.route_tables.get(main.route_table_id) if main is not None else None
    local = [r for r in main_table.routes if r.origin == "CreateRouteTable"] if main_table else []
    table = RouteTable(
        region.ids.hex_id("rtb"),
        region.account_id,
        vpc.id,
        [local_route(r.destination) for r in local] or [local_route(vpc.cidr_block)],
        client_token,
        request_fingerprint,
    )
    return region.route_tables.add(table)


def main_association(region: NetworkRegion, vpc_id: str) -> RouteTableAssociation | None:
    return next(iter(region.route_table_associations.where("main_vpc_id", vpc_id)), None)


def default_acl(region: NetworkRegion, vpc_id: str) -> NetworkAcl | None:
    return next((a for a in region.network_acls.where("vpc_id", vpc_id) if a.is_default), None)


def set_routes(region: NetworkRegion, table: RouteTable, routes: list[Route]) -> None:
    table.routes = routes
    touch(table)


def default_dhcp_options(region: NetworkRegion) -> DhcpOptions:
    """The region's default DHCP options set (made with its first VPC, as AWS makes it with the
    default VPC): Amazon's DNS and the region's internal domain name."""
    found = next(iter(region.dhcp_options.where("is_default", True)), None)
    if found is not None:
        return found
    domain = "ec2.internal" if region.name == "us-east-1" else f"{region.name}.compute.internal"
    options = DhcpOptions(
        region.ids.hex_id("dopt"),
        region.account_id,
        {"domain-name": [domain], "domain-name-servers": [AMAZON_DNS]},
        is_default=True,
    )
    return region.dhcp_options.add(options)


# What VPC and subnet operations call ------------------------------------------------------------


def create_vpc_network(region: NetworkRegion, vpc: Vpc) -> None:
    """A new VPC's main route table (its local route), its default network ACL, and the region's
    default DHCP options set."""
    table = new_route_table(region, vpc)
    region.route_table_associations.add(
        RouteTableAssociation(region.ids.hex_id("rtbassoc"), table.id, main_vpc_id=vpc.id)
    )
    region.network_acls.add(
        NetworkAcl(region.ids.hex_id("acl"), region.account_id, vpc.id, True, default_entries())
    )
    region.vpcs.update(vpc, dhcp_options_id=default_dhcp_options(region).id)


def subnet_created(region: NetworkRegion, subnet: Subnet) -> None:
    """A new subnet is associated with its VPC's default network ACL."""
    acl = default_acl(region, subnet.vpc_id)
    if acl is not None:
        region.network_acl_associations.add(
            NetworkAclAssociation(region.ids.hex_id("aclassoc"), acl.id, subnet.id)
        )


def set_local_route(region: NetworkRegion, vpc_id: str, cidr: str, present: bool) -> None:
    """A CIDR block associated with (`present`) or disassociated from a VPC: each of its route tables
    gains or loses the block's local route (for Associate/DisassociateVpcCidrBlock)."""
    for table in region.route_tables.where("vpc_id", vpc_id):
        routes = [r for r in table.routes if not (r.origin == "CreateRouteTable" and r.destination == cidr)]
        if present:
            locals_ = sum(1 for r in routes if r.origin == "CreateRouteTable")
            routes.insert(locals_, local_route(cidr))
        set_routes(region, table, routes)


def vpc_dependencies(region: NetworkRegion, vpc_id: str) -> list[str]:
    """The ids of this family's resources that keep a VPC from being deleted: an attached internet
    gateway, egress-only gateways, NAT gateways not deleted, route tables other than the main one,
    network ACLs other than the default one."""
    main = main_association(region, vpc_id)
    return [
        *(g.id for g in region.internet_gateways.where("vpc_id", vpc_id)),
        *(g.id for g in region.egress_only_internet_gateways.where("vpc_id", vpc_id)),
        *(n.id for n in region.nat_gateways.where("vpc_id", vpc_id) if n.live),
        *(
            t.id
            for t in region.route_tables.where("vpc_id", vpc_id)
            if main is None or t.id != main.route_table_id
        ),
        *(a.id for a in region.network_acls.where("vpc_id", vpc_id) if not a.is_default),
    ]


def subnet_dependencies(region: NetworkRegion, subnet_id: str) -> list[str]:
    """The ids of NAT gateways (not deleted) in the subnet: they keep it from being deleted."""
    return [n.id for n in region.nat_gateways.where("subnet_id", subnet_id) if n.live]


def subnet_deleted(region: NetworkRegion, subnet_id: str) -> None:
    """A deleted subnet's route table and network ACL associations go with it."""
    for association in list(region.route_table_associations.where("subnet_id", subnet_id)):
        region.route_table_associations.remove(association.id)
    for acl_association in list(region.network_acl_associations.where("subnet_id", subnet_id)):
        region.network_acl_associations.remove(acl_association.id)


def vpc_deleted(region: NetworkRegion, vpc_id: str) -> None:
    """A deleted VPC's main route table, default ACL and deleted NAT gateways go with it (callers
    checked `vpc_dependencies` first)."""
    main = main_association(region, vpc_id)
    if main is not None:
        region.route_table_associations.remove(main.id)
    for table in list(region.route_tables.where("vpc_id", vpc_id)):
        region.route_tables.remove(table.id)
    for acl in list(region.network_acls.where("vpc_id", vpc_id)):
        region.network_acls.remove(acl.id)
    for nat in list(region.nat_gateways.where("vpc_id", vpc_id)):
        region.nat_gateways.remove(nat.id)
