"""RunInstances' network interfaces: the request's NetworkInterfaces (new interfaces in a subnet,
or existing ones by id), else one interface from SubnetId, the security groups and
PrivateIpAddress; which of them gets a public address; their checks; building them per instance.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar

from ec2sim.api.authorization import Check
from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.authz import Keys, arn, resource_check, unresolved, vpc_arn
from ec2sim.api.ec2.interface_ips import Addresses, addresses_for, claim_addresses, insufficient
from ec2sim.api.ec2.interfaces import attach, check_description, check_groups
from ec2sim.api.ec2.named import find_interface
from ec2sim.api.errors import AwsError
from ec2sim.store.ec2.interfaces import interface_limits
from ec2sim.store.ec2.lifecycle import new_mac_address, new_public_ip
from ec2sim.store.ec2.network import NetworkInterface, SecurityGroup, Subnet

T = TypeVar("T")


@dataclass
class InterfaceSpec:
    """One interface an instance launches with."""

    device_index: int
    subnet: Subnet | None
    existing: NetworkInterface | None = None
    groups: list[SecurityGroup] = field(default_factory=list)
    addresses: Addresses = (None, [], 0)
    public: bool = False
    delete_on_termination: bool = True
    description: str = ""
    interface_type: str = "interface"
    named: Mapping[str, Any] = field(default_factory=dict)  # the request's entry


class LaunchPlan(Protocol):
    """What this module reads and sets of `ec2sim.api.ec2.launch.LaunchPlan` (which imports it)."""

    subnet: Subnet | None
    groups: list[SecurityGroup]
    count: int
    instance_type: str
    interfaces: list[InterfaceSpec]
    tags: dict[str, dict[str, str]]
    error: AwsError | None

    def fail(self, error: AwsError) -> None: ...

    def attempt(self, step: Callable[[], object]) -> None: ...


def _try(plan: LaunchPlan, step: Callable[[], T]) -> T | None:
    """A look-up whose error becomes the plan's (the first one wins)."""
    try:
        return step()
    except AwsError as error:
        plan.fail(error)
        return None


def _combination(message: str) -> AwsError:
    return AwsError("InvalidParameterCombination", message)


def primary_subnet(ctx: RequestContext, req: Mapping[str, Any]) -> Subnet | None:
    """The subnet of the interface at device index 0 (None: it names none that resolves)."""
    for entry in req.get("NetworkInterfaces") or ():
        if entry.get("DeviceIndex") == 0:
            if entry.get("NetworkInterfaceId"):
                eni = ctx.ec2.network_interfaces.get(entry["NetworkInterfaceId"])
                return ctx.ec2.subnets.get(eni.subnet_id) if eni is not None else None
            return ctx.ec2.subnets.get(entry.get("SubnetId", ""))
    return None


def resolve_interfaces(ctx: RequestContext, req: Mapping[str, Any], plan: LaunchPlan) -> None:
    """Fill `plan.interfaces` (recording the first error), after the launch's own checks."""
    entries: Sequence[Mapping[str, Any]] = req.get("NetworkInterfaces") or ()
    if not entries:
        subnet = plan.subnet
        address = req.get("PrivateIpAddress")
        spec = InterfaceSpec(0, subnet, groups=list(plan.groups))
        spec.public = bool(subnet and subnet.map_public_ip_on_launch)
        if subnet is not None and address and plan.error is None:
            plan.attempt(lambda: _set_addresses(ctx, spec, subnet, {"PrivateIpAddress": address}, plan.count))
        plan.interfaces = [spec]
        return
    if req.get("SubnetId"):
        plan.fail(
            _combination(
                "Network interfaces and an instance-level subnet ID may not be specified on the same request"
            )
        )
    if req.get("SecurityGroupIds") or req.get("SecurityGroups"):
        plan.fail(
            _combination(
                "Network interfaces and an instance-level security groups may not be specified on the same request"
            )
        )
    if req.get("PrivateIpAddress"):
        plan.fail(
            _combination(
                "Network interfaces and an instance-level private IP address should not be specified on the same request"
            )
        )
    specs = [_spec(ctx, entry, plan, len(entries)) for entry in entries]
    plan.interfaces = sorted(specs, key=lambda s: s.device_index)
    _check_specs(ctx, plan)
    if plan.interfaces and plan.interfaces[0].device_index == 0:
        primary = plan.interfaces[0]
        existing = primary.existing
        plan.groups = (
            [g for g in map(ctx.ec2.security_groups.get, existing.group_ids) if g is not None]
            if existing is not None
            else primary.groups
        )


def _set_addresses(
    ctx: RequestContext, spec: InterfaceSpec, subnet: Subnet, entry: Mapping[str, Any], count: int
) -> None:
    chosen = entry.get("PrivateIpAddress") or entry.get("PrivateIpAddresses")
    if chosen and count > 1:
        # Assumed wording: one address can't be every instance's.
        raise AwsError(
            "InvalidParameterCombination",
            "Cannot specify a private IP address when launching more than one instance.",
        )
    spec.addresses = addresses_for(
        ctx.ec2,
        subnet,
        entry.get("PrivateIpAddress"),
        entry.get("PrivateIpAddresses") or [],
        entry.get("SecondaryPrivateIpAddressCount"),
    )


def _spec(ctx: RequestContext, entry: Mapping[str, Any], plan: LaunchPlan, total: int) -> InterfaceSpec:
    index = entry.get("DeviceIndex")
    if index is None:
        plan.fail(AwsError("InvalidParameterValue", "Each network interface requires a device index."))
    spec = InterfaceSpec(index if index is not None else -1, None, named=entry)
    spec.delete_on_termination = entry.get("DeleteOnTermination", not entry.get("NetworkInterfaceId"))
    spec.description = entry.get("Description", "")
    spec.interface_type = entry.get("InterfaceType", "interface")
    public = entry.get("AssociatePublicIpAddress")
    if entry.get("NetworkInterfaceId"):
        spec.existing = _try(plan, lambda: find_interface(ctx, entry["NetworkInterfaceId"]))
        if public is not None:
            plan.fail(
                _combination(
                    "The associatePublicIPAddress parameter cannot be specified for a network interface with an ID."
                )
            )
        if entry.get("SubnetId") or entry.get("Groups") or entry.get("PrivateIpAddress"):
            plan.fail(
                _combination(
                    "A network interface may not specify both a network interface ID and a subnet, security groups or private IP addresses"
                )
            )
        if spec.existing is not None:
            if spec.existing.instance_id or spec.existing.requester_managed:
                plan.fail(
                    AwsError("InvalidNetworkInterface.InUse", f"Interface: [{spec.existing.id}] in use.")
                )
            spec.subnet = ctx.ec2.subnets.get(spec.existing.subnet_id)
            if plan.count > 1:
                plan.fail(
                    _combination(
                        "Cannot specify an existing network interface when launching more than one instance."
                    )
                )
        return spec
    subnet_id = entry.get("SubnetId")
    spec.subnet = ctx.ec2.subnets.get(subnet_id) if subnet_id else plan.subnet
    if spec.subnet is None:
        plan.fail(AwsError("InvalidSubnetID.NotFound", f"The subnet ID '{subnet_id}' does not exist"))
        return spec
    subnet = spec.subnet
    plan.attempt(lambda: check_description(spec.description))
    group_ids = entry.get("Groups") or []
    default = ctx.ec2.default_security_group(subnet.vpc_id)
    spec.groups = (
        _try(plan, lambda: check_groups(ctx, group_ids, subnet)) or []
        if group_ids
        else ([default] if default else [])
    )
    plan.attempt(lambda: _set_addresses(ctx, spec, subnet, entry, plan.count))
    if public and total > 1:
        plan.fail(
            _combination(
                "The associatePublicIPAddress parameter cannot be specified when launching with multiple network interfaces."
            )
        )
    spec.public = bool(public) if public is not None else subnet.map_public_ip_on_launch and total == 1
    return spec


def _check_specs(ctx: RequestContext, plan: LaunchPlan) -> None:
    specs = plan.interfaces
    indexes = [s.device_index for s in specs]
    if len(set(indexes)) != len(indexes):
        plan.fail(AwsError("InvalidParameterValue", "Each network interface requires a unique device index."))
    if 0 not in indexes:
        plan.fail(
            AwsError(
                "InvalidParameterValue",
                "When specifying network interfaces, you must include a device at index 0.",
            )
        )
    limit = interface_limits(plan.instance_type)[0]
    if len(specs) > limit:
        plan.fail(
            AwsError(
                "AttachmentLimitExceeded",
                f"Interface count {len(specs)} exceeds the limit for {plan.instance_type}",
            )
        )
    zones = {s.subnet.availability_zone for s in specs if s.subnet is not None}
    if len(zones) > 1:
        plan.fail(
            _combination(
                "You may not attach a network interface to an instance if they are not in the same availability zone"
            )
        )
    needed: dict[str, int] = {}
    for spec in specs:
        if spec.subnet is not None and spec.existing is None:
            _, chosen, count = spec.addresses
            needed[spec.subnet.id] = needed.get(spec.subnet.id, 0) + (1 + len(chosen) + count) * max(
                plan.count, 1
            )
    for subnet_id, count in needed.items():
        subnet = ctx.ec2.subnets.get(subnet_id)
        if subnet is not None and count > subnet.available_ip_address_count and plan.count:
            plan.fail(insufficient(subnet))


def interface_checks(
    ctx: RequestContext, action: str, plan: LaunchPlan, new: Callable[[Keys], Check]
) -> Iterator[Check]:
    """The checks on the NetworkInterfaces entries: each existing interface, each new one's subnet
    and groups, and each new interface (``network-interface/*``, `new`)."""
    seen: set[str] = set()
    for spec in plan.interfaces:
        entry = spec.named
        if entry.get("NetworkInterfaceId"):
            yield (
                resource_check(ctx, action, spec.existing)
                if spec.existing is not None
                else unresolved(ctx, action, "network-interface", entry["NetworkInterfaceId"])
            )
            continue
        subnet = spec.subnet
        if subnet is None:
            yield unresolved(ctx, action, "subnet", entry.get("SubnetId", "*"))
            continue
        if subnet.id not in seen:
            seen.add(subnet.id)
            yield resource_check(ctx, action, subnet)
        yield new(
            {
                "ec2:Subnet": arn(ctx, "subnet", subnet.id),
                "ec2:Vpc": vpc_arn(ctx, subnet.vpc_id),
                "ec2:AvailabilityZone": subnet.availability_zone,
            }
        )
        for group_id in entry.get("Groups") or [g.id for g in spec.groups]:
            if group_id not in seen:
                seen.add(group_id)
                group = ctx.ec2.security_groups.get(group_id)
                yield (
                    resource_check(ctx, action, group)
                    if group
                    else unresolved(ctx, action, "security-group", group_id)
                )


def build_interfaces(
    ctx: RequestContext, plan: LaunchPlan, instance_id: str, now: datetime
) -> list[NetworkInterface]:
    """One instance's interfaces: new ones (not yet stored) and existing ones, attached."""
    region, built = ctx.ec2, []
    for spec in plan.interfaces:
        if spec.existing is not None:
            attach(region, spec.existing, instance_id, spec.device_index, now, spec.delete_on_termination)
            built.append(spec.existing)
            continue
        assert spec.subnet is not None
        primary, secondary = claim_addresses(region, spec.subnet, spec.addresses)
        public = new_public_ip() if spec.public else None
        built.append(
            NetworkInterface(
                region.ids.hex_id("eni"),
                ctx.account_id,
                spec.subnet.id,
                spec.subnet.vpc_id,
                spec.subnet.availability_zone,
                primary,
                new_mac_address(),
                group_ids=[g.id for g in spec.groups],
                description=spec.description,
                instance_id=instance_id,
                attachment_id=region.ids.hex_id("eni-attach"),
                device_index=spec.device_index,
                attach_time=now,
                delete_on_termination=spec.delete_on_termination,
                interface_type=spec.interface_type,
                secondary_private_ips=secondary,
                public_ip=public,
                auto_public_ip=spec.public,
                tags=dict(plan.tags["network-interface"]),
            )
        )
    return built
