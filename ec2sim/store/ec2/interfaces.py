"""Network interfaces beyond their record (`network.NetworkInterface`): the private addresses of a
subnet, network interface permissions and the per-instance-type interface limits.

A subnet hands out addresses in order (`Subnet.next_host`), reuses released ones first, and keeps
the addresses a request chose at or past its next one in `Subnet.taken`, so its free count stays
exact without a set of every address in use.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from ec2sim.store.ec2.network import Subnet
from ec2sim.store.table import Resource, Table


@dataclass(eq=False)
class InterfacePermission(Resource):
    """CreateNetworkInterfacePermission: another account (or service) may attach or associate."""

    resource_type = "network-interface-permission"
    network_interface_id: str
    permission: str  # INSTANCE-ATTACH | EIP-ASSOCIATE
    aws_account_id: str | None = None
    aws_service: str | None = None
    state: str = "granted"


def _index(subnet: Subnet, address: str) -> int | None:
    """The address's offset in the subnet, None outside it."""
    try:
        ip = ipaddress.IPv4Address(address)
    except ValueError:
        return None
    network = subnet.network
    return int(ip) - int(network.network_address) if ip in network else None


def usable(subnet: Subnet, address: str) -> bool:
    """Inside the subnet and not one of the five addresses AWS reserves (the first four, the last)."""
    index = _index(subnet, address)
    return index is not None and 4 <= index < subnet.network.num_addresses - 1


def in_use(subnet: Subnet, address: str) -> bool:
    index = _index(subnet, address)
    if index is None:
        return False
    if index < subnet.next_host:
        return address not in subnet.released
    return address in subnet.taken


def allocate_private_ip(subnets: Table[Subnet], subnet: Subnet) -> str:
    """The subnet's next free address: a released one first, else the next never used (skipping the
    ones chosen by requests). Callers check `subnet.available_ip_address_count` first."""
    if subnet.released:
        address, *rest = subnet.released
        subnets.update(subnet, released=rest)
        return address
    host, taken = subnet.next_host, list(subnet.taken)
    while str(subnet.network[host]) in taken:
        taken.remove(str(subnet.network[host]))
        host += 1
    subnets.update(subnet, next_host=host + 1, taken=taken)
    return str(subnet.network[host])


def claim_private_ip(subnets: Table[Subnet], subnet: Subnet, address: str) -> None:
    """Take a chosen address (callers checked it is usable and free)."""
    index = _index(subnet, address)
    assert index is not None
    if index < subnet.next_host:
        subnets.update(subnet, released=[a for a in subnet.released if a != address])
    else:
        subnets.update(subnet, taken=[*subnet.taken, address])


def release_private_ip(subnets: Table[Subnet], subnet_id: str, address: str) -> None:
    subnet = subnets.get(subnet_id)
    index = _index(subnet, address) if subnet is not None else None
    if subnet is None or index is None:
        return
    if index < subnet.next_host:
        subnets.update(subnet, released=[*subnet.released, address])
    else:
        subnets.update(subnet, taken=[a for a in subnet.taken if a != address])


# Limits ------------------------------------------------------------------------------------------

# (network interfaces, private IPv4 addresses per interface) by size, as the EC2 User Guide's table
# "Maximum IP addresses per network interface" gives them for the general-purpose families (m5,
# t3...). Assumed for every family until the instance-type catalogue (issue 15 family 8) has them.
_BY_SIZE: dict[str, tuple[int, int]] = {
    "nano": (2, 2),
    "micro": (2, 2),
    "small": (3, 4),
    "medium": (3, 6),
    "large": (3, 10),
    "xlarge": (4, 15),
    "2xlarge": (4, 15),
    "4xlarge": (8, 30),
}
_BY_TYPE: dict[str, tuple[int, int]] = {"m1.small": (2, 4), "t2.micro": (2, 2), "t2.nano": (2, 2)}
_LARGEST = (15, 50)  # 8xlarge and up, metal


def interface_limits(instance_type: str) -> tuple[int, int]:
    """How many interfaces an instance of the type takes, and private IPv4 addresses per interface."""
    if instance_type in _BY_TYPE:
        return _BY_TYPE[instance_type]
    size = instance_type.partition(".")[2]
    return _BY_SIZE.get(size, _LARGEST)
