"""Elastic IP addresses, and the public address each private address of an interface shows.

Elastic IPs come from an emulated pool, 3.208.0.0/12: a block of Amazon's own 3.0.0.0/8 (so a client
that checks an address is global, or looks it up as Amazon's, is satisfied), which auto-assigned
public addresses (`lifecycle.new_public_ip`) never use, so the two never collide. An address is
derived from its allocation id (a seeded, pinned id gives the same address again), drawn again
while the region already holds it.

An instance's ``public_ip_address`` is kept as its primary interface's primary address shows it:
the Elastic IP associated there, else the interface's auto-assigned address (`refresh_public_ip`).
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from ec2sim.store.table import Resource, Table

EIP_POOL = ipaddress.IPv4Network("3.208.0.0/12")
ADDRESS_LIMIT = 5  # Elastic IPs per region: AWS's default quota


@dataclass(eq=False)
class Address(Resource):
    resource_type = "elastic-ip"
    owner_id: str
    public_ip: str
    network_border_group: str
    domain: str = "vpc"
    association_id: str | None = None
    instance_id: str | None = None
    network_interface_id: str | None = None
    private_ip_address: str | None = None
    interface_owner_id: str | None = None  # associated with another account's interface: its owner
    domain_name: str | None = None  # the reverse DNS (PTR) record ModifyAddressAttribute set


def pool_address(allocation_id: str, taken: Iterable[str]) -> str:
    """The pool address of an allocation id, not one of `taken`."""
    used = set(taken)
    for attempt in range(1024):
        digest = hashlib.sha256(f"{allocation_id}/{attempt}".encode()).digest()
        offset = 1 + int.from_bytes(digest[:4], "big") % (EIP_POOL.num_addresses - 2)
        address = str(EIP_POOL[offset])
        if address not in used:
            return address
    raise RuntimeError("the Elastic IP pool is exhausted")  # 1M addresses: unreachable in practice


def in_pool(address: str) -> bool:
    try:
        return ipaddress.IPv4Address(address) in EIP_POOL
    except ValueError:
        return False


def address_at(addresses: Table[Address], interface_id: str, private_ip: str) -> Address | None:
    """The Elastic IP associated with one private address of an interface."""
    return next(
        (
            a
            for a in addresses.where("network_interface_id", interface_id)
            if a.private_ip_address == private_ip
        ),
        None,
    )
