"""Network interfaces server-wide, for what one account may do with another's.

Interface ids are unique server-wide; `InterfaceRegistry` finds each one's account-region by id
(as `Store.endpoint_regions` finds endpoints), so a network interface permission
(CreateNetworkInterfacePermission) can let another account attach the interface to its own
instance (INSTANCE-ATTACH) or associate its own Elastic IP with it (EIP-ASSOCIATE).

The records stay where they belong: the interface in its owner's region (attached: its
`instance_id` and `instance_owner_id` name the other account's instance), the Elastic IP in its
owner's (its `network_interface_id` and `interface_owner_id` name the interface). The registry
indexes what the other side looks up without scans: the interfaces lent to each instance and
their attachment ids, and the Elastic IPs of other accounts on each interface. An entry is a
hint checked against the record on every read, so a change that ends an attachment or an
association can never leave a wrong answer behind; the operations that end them drop the entry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the store holds a registry from the start; these load with the first region
    from ec2sim.store.ec2.addresses import Address
    from ec2sim.store.ec2.interfaces import InterfacePermission
    from ec2sim.store.ec2.network import NetworkInterface

# An account-region (`ec2sim.store.ec2.region.Ec2Region`, which holds the registry: named by
# description only, as `peering.Regions` does, so the two modules don't import each other).
Region = Any
GRANTED, REVOKED = "granted", "revoked"


def lent(interface: NetworkInterface) -> bool:
    """Attached to an instance of another account than the interface's."""
    return interface.instance_owner_id not in (None, interface.owner_id)


class InterfaceRegistry:
    """Every network interface by id, and what other accounts hold on them (module docstring)."""

    def __init__(self) -> None:
        self._regions: dict[str, Region] = {}  # interface id → its owner's account-region
        self._lent: dict[str, dict[str, None]] = {}  # instance id → ids of other accounts' interfaces
        self._attachments: dict[str, str] = {}  # attachment id of a lent interface → interface id
        self._addresses: dict[str, dict[str, Region]] = {}  # interface id → other accounts' EIPs

    def clear(self) -> None:
        for index in (self._regions, self._lent, self._attachments, self._addresses):
            index.clear()

    # Interfaces ---------------------------------------------------------------------------------

    def add(self, region: Region, interface: NetworkInterface) -> None:
        """A new (or restored) interface of `region`'s account."""
        self._regions[interface.id] = region
        if lent(interface):
            self.lend(interface)

    def remove(self, interface_id: str) -> None:
        self._regions.pop(interface_id, None)
        self._addresses.pop(interface_id, None)

    def find(self, interface_id: str) -> tuple[Region, NetworkInterface] | None:
        """The interface and its owner's account-region."""
        region = self._regions.get(interface_id)
        interface = region.network_interfaces.get(interface_id) if region is not None else None
        return (region, interface) if region is not None and interface is not None else None

    def region_of(self, interface: NetworkInterface, default: Region) -> Region:
        """The owner's account-region (`default`, the caller's, for one not registered)."""
        return self._regions.get(interface.id, default)

    def permitted(
        self, interface_id: str, region: str, account_id: str, permission: str
    ) -> NetworkInterface | None:
        """Another account's interface in `region` that `account_id` holds a granted `permission`
        on (INSTANCE-ATTACH, EIP-ASSOCIATE), if any."""
        found = self.find(interface_id)
        if found is None or found[0].name != region:
            return None
        owner, interface = found
        grants = owner.interface_permissions.where("network_interface_id", interface_id)
        return interface if any(_grants(p, account_id, permission) for p in grants) else None

    # Attachments to other accounts' instances -----------------------------------------------------

    def lend(self, interface: NetworkInterface) -> None:
        """`interface` is now attached to another account's instance."""
        assert interface.instance_id is not None and interface.attachment_id is not None
        self._lent.setdefault(interface.instance_id, {})[interface.id] = None
        self._attachments[interface.attachment_id] = interface.id

    def give_back(self, interface: NetworkInterface) -> None:
        """`interface` is about to be detached from another account's instance."""
        users = self._lent.get(interface.instance_id or "", {})
        users.pop(interface.id, None)
        if not users:
            self._lent.pop(interface.instance_id or "", None)
        self._attachments.pop(interface.attachment_id or "", None)

    def lent_to(self, instance_id: str) -> list[tuple[Region, NetworkInterface]]:
        """Other accounts' interfaces attached to the instance, each with its owner's region."""
        found = (self.find(i) for i in self._lent.get(instance_id, {}))
        return [f for f in found if f is not None and f[1].instance_id == instance_id and lent(f[1])]

    def by_attachment(self, attachment_id: str) -> tuple[Region, NetworkInterface] | None:
        found = self.find(self._attachments.get(attachment_id, ""))
        return found if found is not None and found[1].attachment_id == attachment_id else None

    # Other accounts' Elastic IPs --------------------------------------------------------------------

    def note_address(self, region: Region, address: Address) -> None:
        """`address` (of `region`) is associated with another account's interface."""
        assert address.network_interface_id is not None
        self._addresses.setdefault(address.network_interface_id, {})[address.id] = region

    def drop_address(self, interface_id: str, allocation_id: str) -> None:
        """`allocation_id` is no longer associated with the interface."""
        users = self._addresses.get(interface_id, {})
        users.pop(allocation_id, None)
        if not users:
            self._addresses.pop(interface_id, None)

    def addresses_on(self, interface_id: str) -> list[tuple[Region, Address]]:
        """Other accounts' Elastic IPs associated with the interface, each with its region."""
        found = []
        for allocation_id, region in self._addresses.get(interface_id, {}).items():
            address = region.addresses.get(allocation_id)
            if address is not None and address.network_interface_id == interface_id:
                found.append((region, address))
        return found


def instance_interfaces(region: Region, instance_id: str) -> list[tuple[Region, NetworkInterface]]:
    """An instance's (of `region`) attached interfaces by device index, its account's and other
    accounts' (each with its owner's region)."""
    own = [(region, e) for e in region.network_interfaces.where("instance_id", instance_id)]
    return sorted([*own, *region.interfaces.lent_to(instance_id)], key=lambda found: found[1].device_index)


def public_ip(region: Region, interface: NetworkInterface, private_ip: str) -> str | None:
    """What one private address of an interface (of `region`) is reached at from the internet:
    an Elastic IP of its owner's or of another account's, else its auto-assigned address."""
    found = elastic_ip_at(region, interface, private_ip)
    if found is not None:
        return found[1].public_ip
    return interface.public_ip if private_ip == interface.private_ip_address else None


def elastic_ip_at(
    region: Region, interface: NetworkInterface, private_ip: str
) -> tuple[Region, Address] | None:
    """The Elastic IP on one private address of an interface (of `region`): its owner's or another
    account's (EIP-ASSOCIATE), with the address's region."""
    from ec2sim.store.ec2.addresses import address_at

    own = address_at(region.addresses, interface.id, private_ip)
    if own is not None:
        return region, own
    others = region.interfaces.addresses_on(interface.id)
    return next(((r, a) for r, a in others if a.private_ip_address == private_ip), None)


def _grants(permission: InterfacePermission, account_id: str, kind: str) -> bool:
    return (
        permission.aws_account_id == account_id
        and permission.permission == kind
        and permission.state == GRANTED
    )
