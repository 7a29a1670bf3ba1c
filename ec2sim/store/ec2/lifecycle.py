"""Instances' addresses and lifecycle.

State changes that take emulated time (pending → running, stopping → stopped,
shutting-down → terminated, and a terminated instance vanishing an hour later)
are scheduled on the store's timeline, never run by background threads.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from ec2sim.store.ec2.addresses import Address
from ec2sim.store.ec2.instances import Instance
from ec2sim.store.ec2.interface_registry import REVOKED, lent, public_ip
from ec2sim.store.ec2.interfaces import release_private_ip
from ec2sim.store.ec2.network import NetworkInterface
from ec2sim.store.ec2.region import Ec2Region, Regions
from ec2sim.store.ec2.volumes import DETACHED, Volume
from ec2sim.store.timeline import timeline_event

TERMINATED_RETENTION_SECONDS = 3600
# An Elastic IP's fields once it is associated with nothing.
UNASSOCIATED: dict[str, Any] = {
    "association_id": None,
    "instance_id": None,
    "network_interface_id": None,
    "private_ip_address": None,
    "interface_owner_id": None,
}
# An interface's fields once detached.
DETACHED_INTERFACE: dict[str, Any] = {
    "instance_id": None,
    "attachment_id": None,
    "instance_owner_id": None,
    "attach_time": None,
    "status": "available",
    "public_ip": None,
    "auto_public_ip": False,
}


def unassociate(region: Ec2Region, address: Address) -> None:
    """An Elastic IP (of `region`) leaves the interface it is associated with."""
    if address.interface_owner_id is not None:
        region.interfaces.drop_address(address.network_interface_id or "", address.id)
    region.addresses.update(address, **UNASSOCIATED)


def _unassociate_others(region: Ec2Region, interface: NetworkInterface) -> None:
    """Other accounts' Elastic IPs (EIP-ASSOCIATE) leave an interface of `region`."""
    for owner, address in region.interfaces.addresses_on(interface.id):
        unassociate(owner, address)


def remove_interface(region: Ec2Region, interface: NetworkInterface) -> None:
    """Delete an interface and free its private addresses."""
    _unassociate_others(region, interface)
    region.remove_interface(interface.id)
    for address in interface.private_ips:
        release_private_ip(region.subnets, interface.subnet_id, address)
    for permission in list(region.interface_permissions.where("network_interface_id", interface.id)):
        region.interface_permissions.remove(permission.id)


def detach_interface(region: Ec2Region, interface: NetworkInterface) -> None:
    """Detach an interface (of `region`, its owner's) from its instance; Elastic IPs stay with it.
    One attached to another account's instance is given back, and the permission its owner
    revoked meanwhile (DeleteNetworkInterfacePermission with Force) ends with the attachment."""
    if lent(interface):
        region.interfaces.give_back(interface)
        for permission in list(region.interface_permissions.where("network_interface_id", interface.id)):
            if permission.state == REVOKED and permission.aws_account_id == interface.instance_owner_id:
                region.interface_permissions.remove(permission.id)
    region.network_interfaces.update(interface, **DETACHED_INTERFACE)
    for address in list(region.addresses.where("network_interface_id", interface.id)):
        region.addresses.update(address, instance_id=None)
    for owner, address in region.interfaces.addresses_on(interface.id):
        owner.addresses.update(address, instance_id=None)


# Addresses --------------------------------------------------------------------------

_PUBLIC_FIRST_OCTETS = (3, 18, 34, 44, 52, 54)


def new_public_ip() -> str:
    """An address from Amazon's public ranges (auto-assigned public IPs are random)."""
    first = secrets.choice(_PUBLIC_FIRST_OCTETS)
    second = secrets.randbelow(208 if first == 3 else 256)  # 3.208.0.0/12 is the Elastic IP pool
    return f"{first}.{second}.{secrets.randbelow(256)}.{1 + secrets.randbelow(254)}"


def refresh_public_ip(region: Ec2Region, instance: Instance) -> None:
    """The instance's public address: what its primary interface's primary address shows."""
    eni = region.network_interfaces.get(instance.network_interface_id)
    address = public_ip(region, eni, eni.private_ip_address) if eni is not None else None
    if instance.state in ("shutting-down", "terminated"):
        address = None
    if instance.public_ip_address != address:
        region.instances.update(instance, public_ip_address=address)


def set_auto_public_ip(region: Ec2Region, interface: NetworkInterface, address: str | None) -> None:
    """Give (or, with None, take back) an interface's auto-assigned public address."""
    region.network_interfaces.update(interface, public_ip=address)
    instance = region.instances.get(interface.instance_id) if interface.instance_id else None
    if instance is not None:
        refresh_public_ip(region, instance)


def new_mac_address() -> str:
    """A unicast, locally administered MAC, as EC2 gives ENIs."""
    octets = bytearray(secrets.token_bytes(6))
    octets[0] = (octets[0] & 0xFC) | 0x02
    return ":".join(f"{b:02x}" for b in octets)


# Lifecycle --------------------------------------------------------------------------


def user_initiated(now: datetime) -> str:
    """StateTransitionReason of a user's stop or terminate."""
    return f"User initiated ({now:%Y-%m-%d %H:%M:%S} GMT)"


_USER_SHUTDOWN = {
    "Code": "Client.UserInitiatedShutdown",
    "Message": "Client.UserInitiatedShutdown: User initiated shutdown",
}
_PENDING = {"Code": "pending", "Message": "pending"}


def _transition(
    region: Ec2Region,
    instance: Instance,
    state: str,
    settled: str,
    now: datetime,
    seconds: float,
    then: str = "",
    **changes: Any,
) -> None:
    """Enter `state` now and `settled` after `seconds` (then run `_SETTLED[then]`), unless another
    transition came first."""
    seq = instance.transition_seq + 1
    region.instances.update(instance, state=state, transition_seq=seq, **changes)
    when = now + timedelta(seconds=seconds)
    region.timeline.schedule(
        when, "instance.settle", region.account_id, region.name, instance.id, seq, settled, then
    )


@timeline_event("instance.settle")
def _settle(
    store: Regions,
    when: datetime,
    account_id: str,
    name: str,
    instance_id: str,
    seq: int,
    settled: str,
    then: str,
) -> None:
    region = store.find_region(account_id, name)
    instance = region.instances.get(instance_id) if region is not None else None
    if region is None or instance is None or instance.transition_seq != seq:
        return
    region.instances.update(instance, state=settled, transition_seq=seq + 1)
    if then:
        _SETTLED[then](region, instance, when)


def launch(
    region: Ec2Region,
    instance: Instance,
    interfaces: list[NetworkInterface],
    volumes: list[Volume],
    now: datetime,
    start_seconds: float,
) -> None:
    """Add a new instance (pending) with its new interfaces and volumes; it runs after `start_seconds`."""
    for interface in interfaces:
        if interface.id not in region.network_interfaces:
            region.add_interface(interface)
    for volume in volumes:
        region.volumes.add(volume)
    region.add_instance(instance)
    _running_after(region, instance, now, start_seconds)


def _running_after(region: Ec2Region, instance: Instance, now: datetime, seconds: float) -> None:
    _transition(region, instance, "pending", "running", now, seconds, "running", state_reason=dict(_PENDING))


def _running(region: Ec2Region, instance: Instance, when: datetime) -> None:
    region.instances.update(instance, state_reason=None)


def start(region: Ec2Region, instance: Instance, now: datetime, seconds: float) -> None:
    """stopped → pending → running; an auto-assigned public IP comes back as a new one (not where
    an Elastic IP is associated: that one stays through the stop)."""
    region.instances.update(instance, state_transition_reason="")
    eni = region.network_interfaces.get(instance.network_interface_id)
    if eni is not None and eni.auto_public_ip and public_ip(region, eni, eni.private_ip_address) is None:
        region.network_interfaces.update(eni, public_ip=new_public_ip())
    refresh_public_ip(region, instance)
    _running_after(region, instance, now, seconds)


def stop(region: Ec2Region, instance: Instance, now: datetime, seconds: float) -> None:
    """running → stopping → stopped; auto-assigned public IPs are released at once (Elastic IPs stay)."""
    for eni in list(region.network_interfaces.where("instance_id", instance.id)):
        region.network_interfaces.update(eni, public_ip=None)
    _transition(
        region,
        instance,
        "stopping",
        "stopped",
        now,
        seconds,
        state_transition_reason=user_initiated(now),
        state_reason=dict(_USER_SHUTDOWN),
    )
    refresh_public_ip(region, instance)


def terminate(region: Ec2Region, instance: Instance, now: datetime, seconds: float) -> None:
    """→ shutting-down → terminated; then its ENI and volumes go, and an hour later the instance."""
    _transition(
        region,
        instance,
        "shutting-down",
        "terminated",
        now,
        seconds,
        "terminated",
        public_ip_address=None,
        state_transition_reason=user_initiated(now),
        state_reason=dict(_USER_SHUTDOWN),
    )


def _terminated(region: Ec2Region, instance: Instance, when: datetime) -> None:
    region.instances.update(instance, terminated_at=when)
    _release_resources(region, instance)
    forget = when + timedelta(seconds=TERMINATED_RETENTION_SECONDS)
    region.timeline.schedule(forget, "instance.forget", region.account_id, region.name, instance.id)


@timeline_event("instance.forget")
def _forget(store: Regions, when: datetime, account_id: str, name: str, instance_id: str) -> None:
    region = store.find_region(account_id, name)
    instance = region.instances.get(instance_id) if region is not None else None
    if region is not None and instance is not None and instance.state == "terminated":
        region.remove_instance(instance_id)


_SETTLED: dict[str, Callable[[Ec2Region, Instance, datetime], None]] = {
    "running": _running,
    "terminated": _terminated,
}


def _release_resources(region: Ec2Region, instance: Instance) -> None:
    """As AWS does at termination: Elastic IPs are disassociated (they stay allocated), the
    delete-on-termination interfaces (the one launched with it: always) deleted and their addresses
    freed, the others detached (available); delete-on-termination volumes deleted, the others
    detached (available)."""
    for interface in list(region.network_interfaces.where("instance_id", instance.id)):
        for address in list(region.addresses.where("network_interface_id", interface.id)):
            region.addresses.update(address, **UNASSOCIATED)
        _unassociate_others(region, interface)
        if interface.delete_on_termination:
            remove_interface(region, interface)
        else:
            region.network_interfaces.update(interface, **DETACHED_INTERFACE)
    # Assumed: other accounts' interfaces are detached whatever their DeleteOnTermination (an
    # instance's termination deletes none of another account's resources), their EIPs staying.
    for owner, interface in region.interfaces.lent_to(instance.id):
        detach_interface(owner, interface)
    for volume in list(region.volumes.where("instance_id", instance.id)):
        if volume.delete_on_termination:
            region.volumes.remove(volume.id)
        else:
            region.volumes.update(volume, **DETACHED)
    region.instances.update(instance, block_devices=[])
    region.set_iam_profile(instance, None)
