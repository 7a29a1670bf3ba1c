"""One account's EC2 state in one region: a table per resource family."""

from __future__ import annotations

import ipaddress
from typing import Any, Protocol

from ec2sim.store.ec2.addresses import Address
from ec2sim.store.ec2.geography import Zone, zones
from ec2sim.store.ec2.images import Image
from ec2sim.store.ec2.instances import IamProfileAssociation, Instance
from ec2sim.store.ec2.interfaces import InterfacePermission
from ec2sim.store.ec2.keypairs import KeyPair
from ec2sim.store.ec2.network import NetworkInterface, SecurityGroup, Subnet, Vpc
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
    instance_regions: dict[str, Ec2Region]
    tracker: Tracker | None


class Regions(Protocol):
    """Where timeline events find the region they act on (`ec2sim.store.Store`)."""

    def find_region(self, account_id: str, name: str) -> Ec2Region | None: ...


# The tables of a region, in the order a saved region is loaded (what refers to another comes later).
TABLES = (
    "vpcs",
    "subnets",
    "security_groups",
    "network_interfaces",
    "interface_permissions",
    "key_pairs",
    "volumes",
    "snapshots",
    "images",
    "instances",
    "addresses",
)


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
        self.zones: list[Zone] = zones(name)
        self.resources: dict[str, Resource] = {}
        self.vpcs: Table[Vpc] = Table(self.resources)
        self.subnets: Table[Subnet] = Table(self.resources, indexes=("vpc_id",))
        self.security_groups: Table[SecurityGroup] = Table(self.resources, indexes=("vpc_id",))
        self.network_interfaces: Table[NetworkInterface] = Table(
            self.resources, indexes=("instance_id", "subnet_id", "attachment_id", "client_token")
        )
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
        self.volumes: Table[Volume] = Table(self.resources, indexes=("instance_id", "client_token"))
        self.images: Table[Image] = Table(self.resources, indexes=("name", "client_token"))  # owned here
        self.snapshot_images: dict[str, set[str]] = {}  # snapshot id → ids of own images using it
        self.snapshots: Table[Snapshot] = Table(self.resources, indexes=("volume_id",))  # owned here
        for table in TABLES:  # what durable state needs to save a changed item (see `Table.key`)
            getattr(self, table).own(store.tracker, (account_id, name, table))
        # A saved region is loaded (`ec2sim.store.persistence`) with its own default network.
        self.default_vpc_id = self._create_default_network() if default_network else ""

    def add_restored(self, table: str, item: Resource) -> None:
        """Put back an item saved from table `table`, through the same operations that first added it."""
        if table == "security_groups":
            assert isinstance(item, SecurityGroup)
            self.security_groups.add(item)
            item.register_rules(self.resources)
        else:
            adders: dict[str, Any] = {
                "network_interfaces": self.add_interface,
                "snapshots": self.add_snapshot,
                "images": self.add_image,
                "instances": self.add_instance,
            }
            adders.get(table, getattr(self, table).add)(item)

    def zone(self, name: str) -> Zone | None:
        return next((z for z in self.zones if z.name == name or z.zone_id == name), None)

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
        self._index_groups(interface, add=True)
        return self.network_interfaces.add(interface)

    def remove_interface(self, interface_id: str) -> NetworkInterface | None:
        interface = self.network_interfaces.remove(interface_id)
        if interface is not None:
            self._index_groups(interface, add=False)
        return interface

    def set_interface_groups(self, interface: NetworkInterface, group_ids: list[str]) -> None:
        self._index_groups(interface, add=False)
        self.network_interfaces.update(interface, group_ids=group_ids)
        self._index_groups(interface, add=True)

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

    def add_vpc(self, cidr_block: str, is_default: bool = False) -> Vpc:
        vpc = self.vpcs.add(Vpc(self.ids.hex_id("vpc"), self.account_id, cidr_block, is_default))
        default_group = self.add_security_group(vpc.id, "default", "default VPC security group")
        default_group.ingress.append(
            {
                "IpProtocol": "-1",
                "UserIdGroupPairs": [{"GroupId": default_group.id, "UserId": self.account_id}],
            }
        )
        return vpc

    def _create_default_network(self) -> str:
        """As every real account starts: a default VPC with one /20 subnet per zone."""
        vpc = self.add_vpc(DEFAULT_VPC_CIDR, is_default=True)
        blocks = ipaddress.IPv4Network(DEFAULT_VPC_CIDR).subnets(new_prefix=20)
        for zone, block in zip(self.zones, blocks):  # noqa: B905 - more /20 blocks than zones
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
            self.subnets.add(subnet)
        return vpc.id

    def default_subnet(self, zone_name: str | None = None) -> Subnet | None:
        for subnet in self.subnets.where("vpc_id", self.default_vpc_id):
            if subnet.default_for_az and (zone_name is None or subnet.availability_zone == zone_name):
                return subnet
        return None

    def default_security_group(self, vpc_id: str) -> SecurityGroup | None:
        return next((g for g in self.security_groups.where("vpc_id", vpc_id) if g.name == "default"), None)
