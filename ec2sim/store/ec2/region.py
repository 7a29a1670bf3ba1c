"""One account's EC2 state in one region: a table per resource family."""

from __future__ import annotations

import ipaddress
from typing import Any, Protocol

from ec2sim.store.ec2.addresses import Address
from ec2sim.store.ec2.endpoints import VpcEndpoint, subnet_endpoints, vpc_endpoints_of
from ec2sim.store.ec2.gateways import EgressOnlyInternetGateway, InternetGateway, NatGateway
from ec2sim.store.ec2.geography import Zone, zones
from ec2sim.store.ec2.images import Image
from ec2sim.store.ec2.instances import IamProfileAssociation, Instance
from ec2sim.store.ec2.interface_registry import InterfaceRegistry
from ec2sim.store.ec2.interfaces import InterfacePermission
from ec2sim.store.ec2.keypairs import KeyPair
from ec2sim.store.ec2.launch_templates import LaunchTemplate
from ec2sim.store.ec2.network import CidrAssociation, NetworkInterface, SecurityGroup, Subnet, Vpc
from ec2sim.store.ec2.peering import PeeringRegistry, VpcPeeringConnection, holds
from ec2sim.store.ec2.prefix_lists import ManagedPrefixList
from ec2sim.store.ec2.routing import (
    DhcpOptions,
    NetworkAcl,
    NetworkAclAssociation,
    Route,
    RouteTable,
    RouteTableAssociation,
    create_vpc_network,
    main_association,
    set_local_route,
    set_routes,
    subnet_created,
    subnet_deleted,
    subnet_dependencies,
    vpc_deleted,
    vpc_dependencies,
)
from ec2sim.store.ec2.sharing import SharedRegistry
from ec2sim.store.ec2.snapshots import Snapshot
from ec2sim.store.ec2.volumes import Volume
from ec2sim.store.ids import IdGenerator
from ec2sim.store.table import Resource, Table, Tracker, touch
from ec2sim.store.timeline import Timeline

DEFAULT_VPC_CIDR = "172.31.0.0/16"


class ServerState(Protocol):
    """What every region shares with the whole server (`ec2sim.store.Store` provides it)."""

    ids: IdGenerator
    timeline: Timeline
    shared_images: SharedRegistry[Image]
    shared_snapshots: SharedRegistry[Snapshot]
    peerings: PeeringRegistry
    instance_regions: dict[str, Ec2Region]
    endpoint_regions: dict[str, Ec2Region]
    interfaces: InterfaceRegistry
    tracker: Tracker | None


class Regions(Protocol):
    """Where timeline events find the region they act on (`ec2sim.store.Store`)."""

    def find_region(self, account_id: str, name: str) -> Ec2Region | None: ...


# The tables of a region, in the order a saved region is loaded (what refers to another comes later).
TABLES = (
    "vpcs",
    "subnets",
    "prefix_lists",
    "security_groups",
    "network_interfaces",
    "interface_permissions",
    "key_pairs",
    "launch_templates",
    "volumes",
    "snapshots",
    "images",
    "instances",
    "dhcp_options",
    "internet_gateways",
    "egress_only_internet_gateways",
    "nat_gateways",
    "route_tables",
    "route_table_associations",
    "network_acls",
    "network_acl_associations",
    "vpc_peering_connections",
    "addresses",
    "vpc_endpoints",
)


def region_item(
    store: Regions, account_id: str, name: str, table: str, item_id: str
) -> tuple[Ec2Region, Any] | None:
    """What a timeline event acts on: the item `item_id` of `table` in that account-region, if both
    still exist."""
    region = store.find_region(account_id, name)
    item = getattr(region, table).get(item_id) if region is not None else None
    return (region, item) if region is not None and item is not None else None


# The table whose items `Ec2Region.add_restored` puts back through a method of their own.
_RESTORERS = {
    "vpcs": "register_vpc",
    "subnets": "add_subnet",
    "network_interfaces": "add_interface",
    "snapshots": "add_snapshot",
    "images": "add_image",
    "instances": "add_instance",
    "vpc_peering_connections": "add_peering",
    "vpc_endpoints": "add_endpoint",
    "addresses": "add_address",
}


class Ec2Region:
    """Tables of one account-region; `resources` maps every id to its object (for tags)."""

    def __init__(self, account_id: str, name: str, store: ServerState, default_network: bool = True) -> None:
        self.account_id = account_id
        self.name = name
        self.ids: IdGenerator = store.ids
        self.timeline: Timeline = store.timeline
        self.shared_images: SharedRegistry[Image] = store.shared_images
        self.shared_snapshots: SharedRegistry[Snapshot] = store.shared_snapshots
        self.instance_regions: dict[str, Ec2Region] = store.instance_regions
        self.peerings: PeeringRegistry = store.peerings
        self.endpoint_regions: dict[str, Ec2Region] = store.endpoint_regions
        self.interfaces: InterfaceRegistry = store.interfaces  # every network interface server-wide
        self.zones: list[Zone] = zones(name)
        self._zone_index = {key: z for z in self.zones for key in (z.zone_id, z.name)}  # name or id
        self.resources: dict[str, Resource] = {}
        self.vpcs: Table[Vpc] = Table(self.resources, indexes=("dhcp_options_id",))
        self.subnets: Table[Subnet] = Table(self.resources, indexes=("vpc_id",))
        self.security_groups: Table[SecurityGroup] = Table(self.resources, indexes=("vpc_id",))
        self.prefix_lists: Table[ManagedPrefixList] = Table(self.resources, indexes=("client_token",))
        self.network_interfaces: Table[NetworkInterface] = Table(
            self.resources, indexes=("instance_id", "subnet_id", "vpc_id", "attachment_id", "client_token")
        )
        self.cidr_associations: dict[str, str] = {}  # CIDR block association id → its VPC's or subnet's id
        # Not in the id registry: permissions take no tags.
        self.interface_permissions: Table[InterfacePermission] = Table(indexes=("network_interface_id",))
        self.addresses: Table[Address] = Table(
            self.resources, indexes=("public_ip", "network_interface_id", "instance_id", "association_id")
        )
        self.group_interfaces: dict[str, set[str]] = {}  # security group id → ids of ENIs using it
        self.instances: Table[Instance] = Table(
            self.resources, indexes=("reservation_id", "client_token", "state")
        )
        self.iam_associations: dict[str, Instance] = {}  # association id → instance
        self.key_pairs: Table[KeyPair] = Table(self.resources, indexes=("name",))
        self.launch_templates: Table[LaunchTemplate] = Table(self.resources, indexes=("name", "client_token"))
        self.volumes: Table[Volume] = Table(self.resources, indexes=("instance_id", "client_token"))
        self.images: Table[Image] = Table(self.resources, indexes=("name", "client_token"))  # owned here
        self.snapshot_images: dict[str, set[str]] = {}  # snapshot id → ids of own images using it
        self.snapshots: Table[Snapshot] = Table(self.resources, indexes=("volume_id",))  # owned here
        # Gateways and routing (`ec2sim.store.ec2.gateways`, `ec2sim.store.ec2.routing`).
        self.dhcp_options: Table[DhcpOptions] = Table(self.resources, indexes=("is_default",))
        self.internet_gateways: Table[InternetGateway] = Table(self.resources, indexes=("vpc_id",))
        self.egress_only_internet_gateways: Table[EgressOnlyInternetGateway] = Table(
            self.resources, indexes=("vpc_id", "client_token")
        )
        self.nat_gateways: Table[NatGateway] = Table(
            self.resources, indexes=("vpc_id", "subnet_id", "availability_zone", "client_token")
        )
        self.route_tables: Table[RouteTable] = Table(self.resources, indexes=("vpc_id", "client_token"))
        self.route_table_associations: Table[RouteTableAssociation] = Table(
            indexes=("route_table_id", "subnet_id", "gateway_id", "main_vpc_id")
        )
        self.network_acls: Table[NetworkAcl] = Table(self.resources, indexes=("vpc_id", "client_token"))
        self.network_acl_associations: Table[NetworkAclAssociation] = Table(
            indexes=("network_acl_id", "subnet_id")
        )
        # Requested here (the accepter's region sees them through `peerings`).
        self.vpc_peering_connections: Table[VpcPeeringConnection] = Table(self.resources)
        self.vpc_endpoints: Table[VpcEndpoint] = Table(self.resources, indexes=("vpc_id", "client_token"))
        for table in TABLES:  # what durable state needs to save a changed item (see `Table.key`)
            getattr(self, table).own(store.tracker, (account_id, name, table))
        # A saved region is loaded (`ec2sim.store.persistence`) with its own default network.
        self._default_vpc_id = ""
        if default_network:
            self.create_default_network()

    @property
    def default_vpc_id(self) -> str:
        return self._default_vpc_id

    @default_vpc_id.setter
    def default_vpc_id(self, vpc_id: str) -> None:
        """Set (or, with "", clear) the default VPC; durable state saves the region's row again."""
        self._default_vpc_id = vpc_id
        tracker = self.vpcs.tracker
        if tracker is not None and all(r is not self for r in tracker.regions):
            tracker.regions.append(self)

    def add_restored(self, table: str, item: Resource) -> None:
        """Put back an item saved from table `table`, through the same operations that first added it."""
        if table == "security_groups":
            assert isinstance(item, SecurityGroup)
            self.security_groups.add(item)
            item.register_rules(self.resources)
        elif table in _RESTORERS:
            getattr(self, _RESTORERS[table])(item)
        else:
            getattr(self, table).add(item)

    def zone(self, name: str) -> Zone | None:
        """The zone of that name or zone id."""
        return self._zone_index.get(name)

    def add_instance(self, instance: Instance) -> Instance:
        """A new instance, known server-wide by id (the metadata service finds it without scans)."""
        self.instance_regions[instance.id] = self
        if instance.iam_profile is not None:
            self.iam_associations[instance.iam_profile.association_id] = instance
        return self.instances.add(instance)

    def remove_instance(self, instance_id: str) -> Instance | None:
        self.instance_regions.pop(instance_id, None)
        return self.instances.remove(instance_id)

    def set_iam_profile(self, instance: Instance, association: IamProfileAssociation | None) -> None:
        """Associate (or, with None, disassociate) an instance profile, keeping the id index right."""
        if instance.iam_profile is not None:
            self.iam_associations.pop(instance.iam_profile.association_id, None)
        self.instances.update(instance, iam_profile=association)
        if association is not None:
            self.iam_associations[association.association_id] = instance

    # Shareable resources: the region's table and the server-wide registry move together.

    def add_image(self, image: Image) -> Image:
        self.shared_images.add(image)
        for snapshot_id in image.snapshot_ids:
            self.snapshot_images.setdefault(snapshot_id, set()).add(image.id)
        return self.images.add(image)

    def remove_image(self, image_id: str) -> Image | None:
        self.shared_images.remove(image_id)
        image = self.images.remove(image_id)
        for snapshot_id in image.snapshot_ids if image is not None else ():
            users = self.snapshot_images.get(snapshot_id, set())
            users.discard(image_id)
            if not users:
                self.snapshot_images.pop(snapshot_id, None)
        return image

    def add_snapshot(self, snapshot: Snapshot) -> Snapshot:
        self.shared_snapshots.add(snapshot)
        return self.snapshots.add(snapshot)

    def remove_snapshot(self, snapshot_id: str) -> Snapshot | None:
        self.shared_snapshots.remove(snapshot_id)
        return self.snapshots.remove(snapshot_id)

    def add_peering(self, connection: VpcPeeringConnection) -> VpcPeeringConnection:
        """A connection this region requested, known server-wide (`PeeringRegistry`)."""
        self.vpc_peering_connections.add(connection)
        self.peerings.add(connection)
        return connection

    def remove_peering(self, connection: VpcPeeringConnection) -> None:
        self.peerings.remove(connection)
        self.vpc_peering_connections.remove(connection.id)

    def add_endpoint(self, endpoint: VpcEndpoint) -> VpcEndpoint:
        """A VPC endpoint, known server-wide by id (requests arriving through it find it)."""
        self.endpoint_regions[endpoint.id] = self
        return self.vpc_endpoints.add(endpoint)

    def remove_endpoint(self, endpoint_id: str) -> None:
        self.endpoint_regions.pop(endpoint_id, None)
        self.vpc_endpoints.remove(endpoint_id)

    def add_address(self, address: Address) -> Address:
        """A restored Elastic IP: one associated with another account's interface is indexed there."""
        if address.interface_owner_id is not None:
            self.interfaces.note_address(self, address)
        return self.addresses.add(address)

    # Tags -----------------------------------------------------------------------------

    def set_tags(self, resource: Resource, tags: dict[str, str]) -> None:
        resource.tags.update(tags)
        touch(resource)

    def delete_tags(self, resource: Resource, keys: dict[str, str | None]) -> None:
        """Remove each key; a key with a value is removed only where the value matches."""
        for key, value in keys.items():
            if key in resource.tags and (value is None or resource.tags[key] == value):
                del resource.tags[key]
        touch(resource)

    # Security groups and the network interfaces that use them ------------------------------

    def remove_security_group(self, group_id: str) -> SecurityGroup | None:
        """Remove a group and, from the id registry, its rules."""
        group = self.security_groups.remove(group_id)
        if group is not None:
            group.register_rules(None)
        return group

    def add_interface(self, interface: NetworkInterface) -> NetworkInterface:
        """A new (or restored) interface, known server-wide by id (`InterfaceRegistry`)."""
        self._index_groups(interface, add=True)
        self.interfaces.add(self, interface)
        return self.network_interfaces.add(interface)

    def remove_interface(self, interface_id: str) -> NetworkInterface | None:
        self.interfaces.remove(interface_id)
        interface = self.network_interfaces.remove(interface_id)
        if interface is not None:
            self._index_groups(interface, add=False)
        return interface

    def set_interface_groups(self, interface: NetworkInterface, group_ids: list[str]) -> None:
        self._index_groups(interface, add=False)
        self.network_interfaces.update(interface, group_ids=group_ids)
        self._index_groups(interface, add=True)

    def prefix_list_users(self, prefix_list_id: str) -> list[SecurityGroup]:
        """The security groups with a rule referencing the prefix list. A scan of the region's
        groups: only deleting, resizing and GetManagedPrefixListAssociations ask."""
        return [g for g in self.security_groups if any(r.prefix_list_id == prefix_list_id for r in g.rules())]

    def group_in_use(self, group_id: str) -> bool:
        """Whether any network interface (so any live instance) uses the security group."""
        return bool(self.group_interfaces.get(group_id))

    def _index_groups(self, interface: NetworkInterface, add: bool) -> None:
        for group_id in interface.group_ids:
            users = self.group_interfaces.setdefault(group_id, set())
            if add:
                users.add(interface.id)
            else:
                users.discard(interface.id)
                if not users:
                    del self.group_interfaces[group_id]

    # Default network --------------------------------------------------------------------

    def add_security_group(self, vpc_id: str, name: str, description: str) -> SecurityGroup:
        group = SecurityGroup(self.ids.hex_id("sg"), self.account_id, vpc_id, name, description)
        group.register_rules(self.resources)
        group.egress.append({"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]})
        return self.security_groups.add(group)

    def add_vpc(self, cidr_block: str, is_default: bool = False, tenancy: str = "default") -> Vpc:
        """A new VPC, with its primary CIDR block and what every VPC comes with."""
        vpc = Vpc(
            self.ids.hex_id("vpc"),
            self.account_id,
            cidr_block,
            is_default,
            instance_tenancy=tenancy,
            enable_dns_hostnames=is_default,
        )
        self.register_vpc(vpc)  # with its primary block
        self._add_vpc_defaults(vpc)
        return vpc

    def _add_vpc_defaults(self, vpc: Vpc) -> None:
        """What AWS creates with every VPC: its default security group (which lets its members reach
        each other) and its DHCP options set (`Vpc.dhcp_options_id`, the region's default set).
        and its main route table and default network ACL."""
        create_vpc_network(self, vpc)
        default_group = self.add_security_group(vpc.id, "default", "default VPC security group")
        default_group.ingress.append(
            {
                "IpProtocol": "-1",
                "UserIdGroupPairs": [{"GroupId": default_group.id, "UserId": self.account_id}],
            }
        )

    def register_vpc(self, vpc: Vpc) -> Vpc:
        """Store a VPC (a new one, or one restored) and index its CIDR block associations."""
        if not vpc.cidr_associations:  # a new VPC (or one saved before VPCs kept blocks): its primary
            vpc.cidr_associations.append(CidrAssociation(vpc.cidr_association_id, vpc.cidr_block))
        for association in (*vpc.cidr_associations, *vpc.ipv6_associations):
            self.cidr_associations[association.association_id] = vpc.id
        return self.vpcs.add(vpc)

    def remove_vpc(self, vpc: Vpc) -> None:
        """Delete a VPC that nothing depends on any more (`vpc_in_use`) with what came with it."""
        for group in list(self.security_groups.where("vpc_id", vpc.id)):
            self.remove_security_group(group.id)
        vpc_deleted(self, vpc.id)
        for association in (*vpc.cidr_associations, *vpc.ipv6_associations):
            self.cidr_associations.pop(association.association_id, None)
        self.vpcs.remove(vpc.id)
        if vpc.id == self.default_vpc_id:
            self.default_vpc_id = ""

    def vpc_in_use(self, vpc: Vpc) -> bool:
        """Whether anything that keeps a VPC from being deleted exists: its subnets (so its network
        interfaces and instances), its security groups other than the default one, and the routing
        family's `vpc_dependencies` (gateways, route tables and network ACLs of its own) and peering
        connections that hold it, and its VPC endpoints."""
        if vpc_endpoints_of(self, vpc.id):
            return True
        if next(iter(self.subnets.where("vpc_id", vpc.id)), None) is not None:
            return True
        if any(holds(c, vpc.id) for c in self.peerings.of_vpc(vpc.id)):
            return True
        if any(g.name != "default" for g in self.security_groups.where("vpc_id", vpc.id)):
            return True
        return bool(vpc_dependencies(self, vpc.id))

    def add_subnet(self, subnet: Subnet) -> Subnet:
        for association in subnet.ipv6_associations:
            self.cidr_associations[association.association_id] = subnet.id
        return self.subnets.add(subnet)

    def create_subnet(self, subnet: Subnet) -> Subnet:
        """A new subnet (not a restored one): stored, and associated with its VPC's default ACL."""
        self.add_subnet(subnet)
        subnet_created(self, subnet)
        return subnet

    def remove_subnet(self, subnet: Subnet) -> None:
        subnet_deleted(self, subnet.id)
        for association in subnet.ipv6_associations:
            self.cidr_associations.pop(association.association_id, None)
        self.subnets.remove(subnet.id)

    def subnet_in_use(self, subnet: Subnet) -> bool:
        """Whether anything keeps a subnet from being deleted: network interfaces in it (every
        instance has one), NAT gateways (`subnet_dependencies`) and interface endpoints."""
        if subnet_endpoints(self, subnet.vpc_id, subnet.id):
            return True
        if next(iter(self.network_interfaces.where("subnet_id", subnet.id)), None) is not None:
            return True
        return bool(subnet_dependencies(self, subnet.id))

    def associate_block(self, owner: Vpc | Subnet, association: CidrAssociation, ipv6: bool) -> None:
        """Add a CIDR block to a VPC (IPv4 or IPv6) or a subnet (IPv6)."""
        if ipv6:
            owner.ipv6_associations.append(association)
        else:
            assert isinstance(owner, Vpc)
            owner.cidr_associations.append(association)
        self.cidr_associations[association.association_id] = owner.id
        touch(owner)
        if isinstance(owner, Vpc):  # each of its route tables routes the block locally
            set_local_route(self, owner.id, association.cidr_block, present=True)

    def disassociate_block(self, owner: Vpc | Subnet, association_id: str) -> None:
        gone = [a for a in owner.ipv6_associations if a.association_id == association_id]
        owner.ipv6_associations[:] = [
            a for a in owner.ipv6_associations if a.association_id != association_id
        ]
        if isinstance(owner, Vpc):
            gone += [a for a in owner.cidr_associations if a.association_id == association_id]
            owner.cidr_associations[:] = [
                a for a in owner.cidr_associations if a.association_id != association_id
            ]
            for association in gone:
                set_local_route(self, owner.id, association.cidr_block, present=False)
        self.cidr_associations.pop(association_id, None)
        touch(owner)

    def create_default_network(self) -> Vpc:
        """As every real account starts (and CreateDefaultVpc): a default VPC with a /20 default
        subnet in each zone, its internet gateway attached and its main route table's default route
        to it."""
        vpc = self.add_vpc(DEFAULT_VPC_CIDR, is_default=True)
        self.default_vpc_id = vpc.id
        gateway = self.internet_gateways.add(InternetGateway(self.ids.hex_id("igw"), self.account_id, vpc.id))
        main = main_association(self, vpc.id)
        assert main is not None
        table = self.route_tables.get(main.route_table_id)
        assert table is not None
        set_routes(
            self, table, [*table.routes, Route("DestinationCidrBlock", "0.0.0.0/0", "GatewayId", gateway.id)]
        )
        for zone in self.zones:
            self.add_default_subnet(vpc, zone)
        return vpc

    def add_default_subnet(self, vpc: Vpc, zone: Zone) -> Subnet | None:
        """A zone's default subnet: the first /20 of the default VPC that no subnet overlaps (None:
        there is none)."""
        taken = [s.network for s in self.subnets.where("vpc_id", vpc.id) if s.cidr_block]
        for block in ipaddress.IPv4Network(vpc.cidr_block).subnets(new_prefix=20):
            if not any(block.overlaps(t) for t in taken):
                subnet = Subnet(
                    self.ids.hex_id("subnet"),
                    self.account_id,
                    vpc.id,
                    str(block),
                    zone.name,
                    zone.zone_id,
                    default_for_az=True,
                    map_public_ip_on_launch=True,
                )
                return self.create_subnet(subnet)
        return None

    def default_subnet(self, zone_name: str | None = None) -> Subnet | None:
        for subnet in self.subnets.where("vpc_id", self.default_vpc_id):
            if subnet.default_for_az and (zone_name is None or subnet.availability_zone == zone_name):
                return subnet
        return None

    def default_security_group(self, vpc_id: str) -> SecurityGroup | None:
        return next((g for g in self.security_groups.where("vpc_id", vpc_id) if g.name == "default"), None)
