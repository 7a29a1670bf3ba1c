"""An interface's private addresses: chosen or handed out from its subnet's CIDR, secondary ones
assigned and unassigned (AssignPrivateIpAddresses...), and IPv6 addresses, which only a subnet with
an IPv6 block has (`ipv6_block`: none on main yet; the hook reads a subnet's ``ipv6_cidr_block``
once VPC IPv6 blocks exist). A requester-managed interface's addresses are its service's.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.named import NamedPlan
from ec2sim.api.ec2.requester_managed import own_interface
from ec2sim.api.errors import AwsError
from ec2sim.api.registry import ec2_action
from ec2sim.store.ec2.interfaces import (
    allocate_private_ip,
    claim_private_ip,
    in_use,
    interface_limits,
    release_private_ip,
    usable,
)
from ec2sim.store.ec2.lifecycle import UNASSOCIATED
from ec2sim.store.ec2.network import NetworkInterface, Subnet
from ec2sim.store.ec2.region import Ec2Region

if TYPE_CHECKING:
    from types_boto3_ec2.type_defs import (
        AssignIpv6AddressesRequestTypeDef,
        AssignPrivateIpAddressesRequestTypeDef,
        UnassignIpv6AddressesRequestTypeDef,
        UnassignPrivateIpAddressesRequestTypeDef,
    )

UNATTACHED_LIMIT = 50  # private addresses of an interface no instance type limits (the largest types')
Addresses = tuple[str | None, list[str], int]  # chosen primary, chosen secondaries, how many more


def in_use_error(address: str) -> AwsError:
    return AwsError("InvalidIPAddress.InUse", f"Address {address} is in use.")


def check_address(subnet: Subnet, address: str) -> None:
    """A chosen private address: IPv4, in the subnet's range, free. The five addresses AWS reserves
    in every subnet are in use (assumed wording: AWS's for an address in use)."""
    try:
        ipaddress.IPv4Address(address)
    except ValueError:
        raise AwsError(
            "InvalidParameterValue", f"Value ({address}) for parameter privateIpAddress is invalid."
        ) from None
    if usable(subnet, address) and not in_use(subnet, address):
        return
    if ipaddress.IPv4Address(address) not in subnet.network:
        raise AwsError("InvalidParameterValue", "Address does not fall within the subnet's address range")
    raise in_use_error(address)


def addresses_for(
    region: Ec2Region,
    subnet: Subnet,
    primary: str | None,
    listed: Sequence[Mapping[str, Any]],
    count: int | None,
) -> Addresses:
    """What a new interface's addresses will be: validated, not yet taken."""
    chosen = [entry.get("PrivateIpAddress", "") for entry in listed]
    marked = [entry.get("PrivateIpAddress", "") for entry in listed if entry.get("Primary")]
    if len(marked) > 1 or (primary and marked and marked[0] != primary):
        raise AwsError("InvalidParameterValue", "Only one primary private IP address can be specified.")
    primary = primary or (marked[0] if marked else None)
    secondaries = [a for a in dict.fromkeys(chosen) if a != primary]
    if count is not None and count < 0:
        raise AwsError(
            "InvalidParameterValue",
            f"Value ({count}) for parameter secondaryPrivateIpAddressCount is invalid.",
        )
    for address in [*([primary] if primary else []), *secondaries]:
        check_address(subnet, address)
    total = 1 + len(secondaries) + (count or 0)
    if total > UNATTACHED_LIMIT:
        raise AwsError("PrivateIpAddressLimitExceeded", "Number of private addresses will exceed limit.")
    if total > subnet.available_ip_address_count:
        raise insufficient(subnet)
    return primary, secondaries, count or 0


def insufficient(subnet: Subnet) -> AwsError:
    return AwsError(
        "InsufficientFreeAddressesInSubnet",
        f"There are not enough free addresses in subnet '{subnet.id}' to satisfy the requested number of addresses.",
    )


def claim_addresses(region: Ec2Region, subnet: Subnet, addresses: Addresses) -> tuple[str, list[str]]:
    """Take what `addresses_for` resolved: the primary and the secondary addresses."""
    primary, chosen, count = addresses
    for address in ([primary] if primary else []) + chosen:
        claim_private_ip(region.subnets, subnet, address)
    if primary is None:
        primary = allocate_private_ip(region.subnets, subnet)
    return primary, chosen + [allocate_private_ip(region.subnets, subnet) for _ in range(count)]


def _holder(region: Ec2Region, subnet: Subnet, address: str) -> NetworkInterface | None:
    return next(
        (e for e in region.network_interfaces.where("subnet_id", subnet.id) if address in e.private_ips), None
    )


def _limit(region: Ec2Region, eni: NetworkInterface) -> int:
    instance = region.instances.get(eni.instance_id) if eni.instance_id else None
    return interface_limits(instance.instance_type)[1] if instance is not None else UNATTACHED_LIMIT


# Assign / unassign private addresses ------------------------------------------------------------


def plan_assign(ctx: RequestContext, req: AssignPrivateIpAddressesRequestTypeDef) -> NamedPlan:
    plan = NamedPlan()
    interface_id = req.get("NetworkInterfaceId", "")
    eni = own_interface(ctx, plan, interface_id)
    subnet = ctx.ec2.subnets.get(eni.subnet_id) if eni is not None else None
    if eni is None or subnet is None:
        return plan
    chosen = list(dict.fromkeys(req.get("PrivateIpAddresses") or []))
    count = req.get("SecondaryPrivateIpAddressCount")
    plan.values.update(eni=eni, subnet=subnet, chosen=chosen, count=count or 0, moved=[])
    if not chosen and count is None:
        plan.fail(
            AwsError(
                "MissingParameter",
                "Either the parameter privateIpAddresses or secondaryPrivateIpAddressCount must be specified.",
            )
        )
    elif count is not None and count < 1:
        plan.fail(
            AwsError(
                "InvalidParameterValue",
                f"Value ({count}) for parameter secondaryPrivateIpAddressCount is invalid.",
            )
        )
    elif len(eni.private_ips) + len(chosen) + (count or 0) > _limit(ctx.ec2, eni):
        plan.fail(AwsError("PrivateIpAddressLimitExceeded", "Number of private addresses will exceed limit."))
    for address in chosen:
        holder = _holder(ctx.ec2, subnet, address) if usable(subnet, address) else None
        if holder is not None and req.get("AllowReassignment") and address != holder.private_ip_address:
            plan.values["moved"].append((holder, address))
        elif holder is not eni or address not in eni.private_ips:
            plan.attempt(lambda: check_address(subnet, address))  # noqa: B023 - called at once
    if (
        plan.error is None
        and (count or 0) + len(chosen) - len(plan.values["moved"]) > subnet.available_ip_address_count
    ):
        plan.fail(insufficient(subnet))
    return plan


def _unassign(
    region: Ec2Region, eni: NetworkInterface, addresses: Sequence[str], release: bool = True
) -> None:
    for elastic in list(region.addresses.where("network_interface_id", eni.id)):
        if elastic.private_ip_address in addresses:
            region.addresses.update(elastic, **UNASSOCIATED)
    remaining = [a for a in eni.secondary_private_ips if a not in addresses]
    region.network_interfaces.update(eni, secondary_private_ips=remaining)
    if release:
        for address in addresses:
            release_private_ip(region.subnets, eni.subnet_id, address)


@ec2_action("AssignPrivateIpAddresses", resolve=plan_assign)
def assign_private_ip_addresses(
    ctx: RequestContext, req: AssignPrivateIpAddressesRequestTypeDef, plan: NamedPlan
) -> dict[str, Any]:
    """AllowReassignment moves a secondary address from another interface of the subnet."""
    region, values = ctx.ec2, plan.values
    eni: NetworkInterface = values["eni"]
    moved = {address for _, address in values["moved"]}
    for holder, address in values["moved"]:
        _unassign(region, holder, [address], release=False)
    new = [a for a in values["chosen"] if a not in eni.private_ips]
    for address in new:
        if address not in moved:
            claim_private_ip(region.subnets, values["subnet"], address)
    new += [allocate_private_ip(region.subnets, values["subnet"]) for _ in range(values["count"])]
    region.network_interfaces.update(eni, secondary_private_ips=[*eni.secondary_private_ips, *new])
    return {
        "NetworkInterfaceId": eni.id,
        "AssignedPrivateIpAddresses": [{"PrivateIpAddress": a} for a in new],
    }


def _not_assigned(eni: NetworkInterface) -> AwsError:
    return AwsError(
        "InvalidParameterValue", f"Some of the specified addresses are not assigned to interface {eni.id}"
    )


def plan_unassign(ctx: RequestContext, req: UnassignPrivateIpAddressesRequestTypeDef) -> NamedPlan:
    plan = NamedPlan()
    interface_id = req.get("NetworkInterfaceId", "")
    eni = own_interface(ctx, plan, interface_id)
    addresses = list(dict.fromkeys(req.get("PrivateIpAddresses") or []))
    if eni is not None:
        if not addresses:
            plan.fail(AwsError("MissingParameter", "The request must contain the parameter privateIpAddress"))
        elif any(a not in eni.secondary_private_ips for a in addresses):
            plan.fail(_not_assigned(eni))
    plan.values.update(eni=eni, addresses=addresses)
    return plan


@ec2_action("UnassignPrivateIpAddresses", resolve=plan_unassign)
def unassign_private_ip_addresses(
    ctx: RequestContext, req: UnassignPrivateIpAddressesRequestTypeDef, plan: NamedPlan
) -> None:
    _unassign(ctx.ec2, plan.values["eni"], plan.values["addresses"])


# IPv6 --------------------------------------------------------------------------------------------


def ipv6_block(subnet: Subnet) -> ipaddress.IPv6Network | None:
    """The subnet's IPv6 /64 (its first IPv6 CIDR block association), if it has one."""
    blocks = subnet.ipv6_associations
    return ipaddress.IPv6Network(blocks[0].cidr_block) if blocks else None


def _no_ipv6(subnet: Subnet) -> AwsError:
    # Assumed wording: AWS refuses IPv6 addresses on a subnet without an IPv6 block.
    return AwsError(
        "InvalidParameterValue", f"The subnet '{subnet.id}' does not have an IPv6 CIDR block associated."
    )


def check_ipv6_request(subnet: Subnet, addresses: Sequence[str] | None, count: int | None) -> None:
    if (addresses or count) and ipv6_block(subnet) is None:
        raise _no_ipv6(subnet)


def _ipv6_address(block: ipaddress.IPv6Network, seed: str, taken: set[str]) -> str:
    for attempt in range(1024):
        digest = hashlib.sha256(f"{seed}/{attempt}".encode()).digest()
        address = str(block[int.from_bytes(digest[:8], "big") % block.num_addresses])
        if address not in taken:
            return address
    raise RuntimeError("no free IPv6 address")  # a /64 never runs out here


def plan_assign_ipv6(ctx: RequestContext, req: AssignIpv6AddressesRequestTypeDef) -> NamedPlan:
    plan = NamedPlan()
    interface_id = req.get("NetworkInterfaceId", "")
    eni = own_interface(ctx, plan, interface_id)
    subnet = ctx.ec2.subnets.get(eni.subnet_id) if eni is not None else None
    if eni is None or subnet is None:
        return plan
    block = ipv6_block(subnet)
    chosen = list(dict.fromkeys(req.get("Ipv6Addresses") or []))
    count = req.get("Ipv6AddressCount") or 0
    if block is None:
        plan.fail(_no_ipv6(subnet))
    elif not chosen and not count:
        plan.fail(
            AwsError(
                "MissingParameter",
                "Either the parameter ipv6Addresses or ipv6AddressCount must be specified.",
            )
        )
    for address in chosen:
        try:
            inside = block is not None and ipaddress.IPv6Address(address) in block
        except ValueError:
            inside = False
        if not inside:
            plan.fail(
                AwsError(
                    "InvalidParameterValue",
                    f"Address {address} does not fall within the subnet's address range",
                )
            )
    plan.values.update(eni=eni, block=block, chosen=chosen, count=count)
    return plan


@ec2_action("AssignIpv6Addresses", resolve=plan_assign_ipv6)
def assign_ipv6_addresses(
    ctx: RequestContext, req: AssignIpv6AddressesRequestTypeDef, plan: NamedPlan
) -> dict[str, Any]:
    values, eni = plan.values, plan.values["eni"]
    new = add_ipv6_addresses(ctx.ec2, eni, values["block"], values["chosen"], values["count"])
    return {"NetworkInterfaceId": eni.id, "AssignedIpv6Addresses": new}


def add_ipv6_addresses(
    region: Ec2Region, eni: NetworkInterface, block: ipaddress.IPv6Network, chosen: Sequence[str], count: int
) -> list[str]:
    """Give an interface the `chosen` IPv6 addresses and `count` more from its subnet's block."""
    taken = set(eni.ipv6_addresses)
    new = [a for a in chosen if a not in taken]
    for index in range(count):
        new.append(_ipv6_address(block, f"{eni.id}/{len(taken) + index}", taken | set(new)))
    region.network_interfaces.update(eni, ipv6_addresses=[*eni.ipv6_addresses, *new])
    return new


def plan_unassign_ipv6(ctx: RequestContext, req: UnassignIpv6AddressesRequestTypeDef) -> NamedPlan:
    plan = NamedPlan()
    interface_id = req.get("NetworkInterfaceId", "")
    eni = own_interface(ctx, plan, interface_id)
    addresses = list(dict.fromkeys(req.get("Ipv6Addresses") or []))
    if eni is not None and any(a not in eni.ipv6_addresses for a in addresses):
        plan.fail(_not_assigned(eni))
    plan.values.update(eni=eni, addresses=addresses)
    return plan


@ec2_action("UnassignIpv6Addresses", resolve=plan_unassign_ipv6)
def unassign_ipv6_addresses(
    ctx: RequestContext, req: UnassignIpv6AddressesRequestTypeDef, plan: NamedPlan
) -> dict[str, Any]:
    eni, addresses = plan.values["eni"], plan.values["addresses"]
    ctx.ec2.network_interfaces.update(
        eni, ipv6_addresses=[a for a in eni.ipv6_addresses if a not in addresses]
    )
    return {"NetworkInterfaceId": eni.id, "UnassignedIpv6Addresses": addresses}
