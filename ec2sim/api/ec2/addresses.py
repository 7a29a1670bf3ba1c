"""Elastic IP addresses: allocate, release, associate, disassociate, describe, and their reverse DNS
(the ``domain-name`` address attribute).

An address associates with one private address of a network interface (an instance: its primary
interface's primary address, unless the request names another); the interface's auto-assigned
public address is released meanwhile and a new one comes back when the Elastic IP leaves, as AWS
does (`release_auto_ip`, `restore_auto_ip`). An address on a requester-managed interface (a NAT
gateway's) is its service's until the service lets it go: releasing, disassociating or reassociating
it, or associating any address with such an interface, is refused (`not_yours`), as recorded in the
Terraform, kops and leftovers issue threads.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ec2sim.api.authorization import NO_RESOURCES, Check
from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.authz import creating
from ec2sim.api.ec2.common import tag_list
from ec2sim.api.ec2.filters import FilterSet
from ec2sim.api.ec2.named import NamedPlan, find_address, find_instance, find_interface, resolve
from ec2sim.api.ec2.paging import paginate
from ec2sim.api.ec2.requester_managed import not_yours
from ec2sim.api.ec2.tagging import tags_for
from ec2sim.api.errors import AwsError
from ec2sim.api.registry import ec2_action
from ec2sim.store.ec2 import lifecycle
from ec2sim.store.ec2.addresses import ADDRESS_LIMIT, Address, in_pool, pool_address
from ec2sim.store.ec2.instances import public_dns_name
from ec2sim.store.ec2.interface_registry import elastic_ip_at, instance_interfaces
from ec2sim.store.ec2.network import NetworkInterface
from ec2sim.store.ec2.region import Ec2Region
from ec2sim.store.resources import ELASTIC_IP

if TYPE_CHECKING:
    from types_boto3_ec2.type_defs import (
        AllocateAddressRequestTypeDef,
        AssociateAddressRequestTypeDef,
        DescribeAddressesAttributeRequestTypeDef,
        DescribeAddressesRequestTypeDef,
        DisassociateAddressRequestTypeDef,
        ModifyAddressAttributeRequestTypeDef,
        ReleaseAddressRequestTypeDef,
        ResetAddressAttributeRequestTypeDef,
    )

_DOMAIN_NAME = re.compile(
    r"(?=.{1,253}\.?$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}\.?"
)


def _in_use(address: Address) -> AwsError:
    return AwsError("InvalidIPAddress.InUse", f"Address {address.public_ip} is in use.")


def _by_public_ip(ctx: RequestContext, public_ip: str) -> Address:
    """An address named by its public IP: AWS answers one the caller doesn't hold as AuthFailure."""
    found = next(iter(ctx.ec2.addresses.where("public_ip", public_ip)), None)
    if found is None:
        raise AwsError("AuthFailure", f"The address '{public_ip}' does not belong to you.")
    return found


def _service_held(region: Ec2Region, address: Address) -> bool:
    """Whether a service holds the address on its requester-managed interface (a NAT gateway)."""
    eni = region.network_interfaces.get(address.network_interface_id or "")
    return eni is not None and eni.requester_managed


def _named_address(ctx: RequestContext, plan: NamedPlan, req: Mapping[str, Any]) -> Address | None:
    """The address a request names by AllocationId (or, else, PublicIp)."""
    allocation_id, public_ip = req.get("AllocationId"), req.get("PublicIp")
    if allocation_id:
        return resolve(plan, "elastic-ip", allocation_id, lambda: find_address(ctx, allocation_id))
    if public_ip:
        found = plan.attempt(lambda: _by_public_ip(ctx, public_ip))
        plan.name("elastic-ip", found.id if found else "*", found)
        return found
    plan.fail(AwsError("MissingParameter", "Either public IP or allocation id must be specified"))
    plan.name("elastic-ip", "*", None)
    return None


# AllocateAddress ---------------------------------------------------------------------------------


@dataclass
class AllocatePlan(NamedPlan):
    req: Mapping[str, Any] | None = None

    def checks(self, ctx: RequestContext) -> Iterator[Check]:
        return creating(ctx, "ec2:AllocateAddress", "elastic-ip", self.req or {})


def plan_allocate(ctx: RequestContext, req: AllocateAddressRequestTypeDef) -> AllocatePlan:
    plan = AllocatePlan(req=req)
    domain = req.get("Domain", "vpc")
    if domain not in ("vpc", "standard"):
        plan.fail(AwsError("InvalidParameterValue", f"Invalid value '{domain}' for domain."))
    pool = req.get("PublicIpv4Pool")
    if pool is not None and pool != "amazon":
        # Assumed wording: no BYOIP pools are emulated, so any other pool id is unknown.
        plan.fail(AwsError("InvalidPublicIpv4PoolID.NotFound", f"The pool ID '{pool}' does not exist"))
    group = req.get("NetworkBorderGroup")
    if group is not None and group != ctx.region:
        plan.fail(AwsError("InvalidParameterValue", f"Invalid network border group: {group}"))
    wanted = req.get("Address")
    if wanted is not None and (not in_pool(wanted) or any(ctx.ec2.addresses.where("public_ip", wanted))):
        # Recovering a released address works while it is free (assumed: ec2sim keeps none
        # reserved for another account); outside the pool it is no address of Amazon's to recover.
        plan.fail(AwsError("InvalidAddress.NotFound", f"Address '{wanted}' not found."))
    if len(ctx.ec2.addresses) >= ADDRESS_LIMIT:
        plan.fail(AwsError("AddressLimitExceeded", "The maximum number of addresses has been reached."))
    plan.attempt(
        lambda: plan.values.update(tags=tags_for(req.get("TagSpecifications"), "elastic-ip", ("elastic-ip",)))
    )
    return plan


@ec2_action("AllocateAddress", resolve=plan_allocate)
def allocate_address(
    ctx: RequestContext, req: AllocateAddressRequestTypeDef, plan: AllocatePlan
) -> dict[str, Any]:
    """Domain ``standard`` (EC2-Classic, retired) allocates a VPC address too (assumed: AWS no longer
    has Classic addresses to give)."""
    region = ctx.ec2
    allocation_id = region.ids.hex_id("eipalloc")
    public_ip = req.get("Address") or pool_address(allocation_id, (a.public_ip for a in region.addresses))
    address = region.addresses.add(
        Address(allocation_id, ctx.account_id, public_ip, ctx.region, tags=dict(plan.values["tags"]))
    )
    return {
        "PublicIp": address.public_ip,
        "AllocationId": address.id,
        "PublicIpv4Pool": "amazon",
        "NetworkBorderGroup": address.network_border_group,
        "Domain": address.domain,
    }


# Associations ------------------------------------------------------------------------------------


def release_auto_ip(region: Ec2Region, eni: NetworkInterface, private_ip: str) -> None:
    """An Elastic IP on the primary address replaces the interface's auto-assigned one."""
    if private_ip == eni.private_ip_address and eni.public_ip:
        lifecycle.set_auto_public_ip(region, eni, None)


def restore_auto_ip(region: Ec2Region, eni: NetworkInterface, private_ip: str) -> None:
    """Once an Elastic IP leaves the primary address of an interface launched with a public address,
    a new one is assigned, if its instance is running and has no other interface (the EC2 User
    Guide: the instance "receives a new public IPv4 address" unless it has several interfaces)."""
    instance = region.instances.get(eni.instance_id) if eni.instance_id else None
    if instance is None or private_ip != eni.private_ip_address or not eni.auto_public_ip:
        return
    single = len(instance_interfaces(region, instance.id)) == 1  # other accounts' ones count too
    if instance.state in ("pending", "running") and single:
        lifecycle.set_auto_public_ip(region, eni, lifecycle.new_public_ip())
    else:
        lifecycle.refresh_public_ip(region, instance)


def _interface_of(region: Ec2Region, address: Address) -> tuple[Ec2Region, NetworkInterface] | None:
    """The interface an address is associated with, with its owner's region (another account's,
    for an address associated through EIP-ASSOCIATE)."""
    if address.interface_owner_id is None:
        eni = region.network_interfaces.get(address.network_interface_id or "")
        return (region, eni) if eni is not None else None
    return region.interfaces.find(address.network_interface_id or "")


def disassociate(region: Ec2Region, address: Address) -> None:
    found = _interface_of(region, address)
    private_ip = address.private_ip_address or ""
    lifecycle.unassociate(region, address)
    if found is not None:
        restore_auto_ip(*found, private_ip)


def _target(
    ctx: RequestContext, req: AssociateAddressRequestTypeDef, plan: NamedPlan
) -> tuple[NetworkInterface, str] | None:
    instance_id, interface_id = req.get("InstanceId"), req.get("NetworkInterfaceId")
    instance = (
        resolve(plan, "instance", instance_id, lambda: find_instance(ctx, instance_id))
        if instance_id
        else None
    )
    eni = (
        resolve(
            plan,
            "network-interface",
            interface_id,
            lambda: find_interface(ctx, interface_id, "EIP-ASSOCIATE"),
        )
        if interface_id
        else None
    )
    if not instance_id and not interface_id:
        plan.fail(
            AwsError("MissingParameter", "Either instance ID or network interface ID must be specified")
        )
    if plan.error is not None:
        return None
    if instance is not None:
        if instance.state in ("shutting-down", "terminated"):
            plan.fail(
                AwsError(
                    "IncorrectInstanceState",
                    f"The instance '{instance.id}' is not in a valid state for this operation.",
                )
            )
            return None
        if eni is None:
            eni = ctx.ec2.network_interfaces.get(instance.network_interface_id)
        elif eni.instance_id != instance.id:
            # Assumed wording: both named, the interface must be the instance's.
            plan.fail(
                AwsError(
                    "InvalidParameterCombination",
                    f"The network interface '{eni.id}' is not attached to instance '{instance.id}'.",
                )
            )
            return None
    assert eni is not None
    if eni.requester_managed:
        plan.fail(not_yours())
        return None
    private_ip = req.get("PrivateIpAddress") or eni.private_ip_address
    if private_ip not in eni.private_ips:
        plan.fail(
            AwsError(
                "InvalidParameterValue",
                f"The private IP address {private_ip} is not assigned to the network interface {eni.id}.",
            )
        )
        return None
    return eni, private_ip


def plan_associate(ctx: RequestContext, req: AssociateAddressRequestTypeDef) -> NamedPlan:
    plan = NamedPlan()
    address = _named_address(ctx, plan, req)
    target = _target(ctx, req, plan)
    if address is not None and target is not None and plan.error is None:
        eni, private_ip = target
        same = address.network_interface_id == eni.id and address.private_ip_address == private_ip
        if not same and req.get("AllowReassociation") and _service_held(ctx.ec2, address):
            plan.fail(not_yours())
        elif address.association_id and not same and not req.get("AllowReassociation"):
            plan.fail(
                AwsError(
                    "Resource.AlreadyAssociated",
                    f"resource {address.id} is already associated with associate-id {address.association_id}",
                )
            )
        plan.values.update(address=address, eni=eni, private_ip=private_ip, same=same)
    return plan


@ec2_action("AssociateAddress", resolve=plan_associate)
def associate_address(
    ctx: RequestContext, req: AssociateAddressRequestTypeDef, plan: NamedPlan
) -> dict[str, Any]:
    """Associating where it already is answers its association (assumed idempotent); an address
    already on the target private IP (the caller's or, on another account's interface, anyone's)
    is replaced (disassociated)."""
    region, values = ctx.ec2, plan.values
    address: Address = values["address"]
    eni: NetworkInterface = values["eni"]
    private_ip: str = values["private_ip"]
    if values["same"]:
        return {"AssociationId": address.association_id}
    if address.association_id:
        disassociate(region, address)
    owner = region.interfaces.region_of(eni, region)  # the interface's (another account's: EIP-ASSOCIATE)
    previous = elastic_ip_at(owner, eni, private_ip)
    if previous is not None:
        lifecycle.unassociate(*previous)
    region.addresses.update(
        address,
        association_id=region.ids.hex_id("eipassoc"),
        instance_id=eni.instance_id,
        network_interface_id=eni.id,
        private_ip_address=private_ip,
        interface_owner_id=eni.owner_id if owner is not region else None,
    )
    if owner is not region:
        region.interfaces.note_address(region, address)
    release_auto_ip(owner, eni, private_ip)
    instance = owner.instances.get(eni.instance_id) if eni.instance_id else None
    if instance is not None:
        lifecycle.refresh_public_ip(owner, instance)
    return {"AssociationId": address.association_id}


def plan_disassociate(ctx: RequestContext, req: DisassociateAddressRequestTypeDef) -> NamedPlan:
    plan = NamedPlan()
    association_id, public_ip = req.get("AssociationId"), req.get("PublicIp")
    if association_id:
        address = next(iter(ctx.ec2.addresses.where("association_id", association_id)), None)
        if address is None:
            plan.fail(
                AwsError(
                    "InvalidAssociationID.NotFound", f"The association ID '{association_id}' does not exist"
                )
            )
    elif public_ip:
        address = plan.attempt(lambda: _by_public_ip(ctx, public_ip))
    else:
        plan.fail(AwsError("MissingParameter", "Either public IP or association id must be specified"))
        address = None
    plan.name("elastic-ip", address.id if address else "*", address)
    if address is not None and _service_held(ctx.ec2, address):
        plan.fail(not_yours())
    if address is not None and address.network_interface_id:
        found = _interface_of(ctx.ec2, address)
        plan.name("network-interface", address.network_interface_id, found[1] if found else None)
    plan.values["address"] = address
    return plan


@ec2_action("DisassociateAddress", resolve=plan_disassociate)
def disassociate_address(
    ctx: RequestContext, req: DisassociateAddressRequestTypeDef, plan: NamedPlan
) -> None:
    """Disassociating an address associated with nothing changes nothing (assumed: no error)."""
    address: Address = plan.values["address"]
    if address.association_id:
        disassociate(ctx.ec2, address)


# ReleaseAddress ----------------------------------------------------------------------------------


def plan_release(ctx: RequestContext, req: ReleaseAddressRequestTypeDef) -> NamedPlan:
    """In a default VPC, releasing disassociates the address first; elsewhere an associated address is
    InvalidIPAddress.InUse (EC2 API Reference, ReleaseAddress)."""
    plan = NamedPlan()
    address = _named_address(ctx, plan, req)
    group = req.get("NetworkBorderGroup")
    if address is not None and group is not None and group != address.network_border_group:
        plan.fail(AwsError("InvalidParameterValue", f"Invalid network border group: {group}"))
    if address is not None and _service_held(ctx.ec2, address):
        plan.fail(not_yours())
    elif address is not None and address.association_id:
        # Assumed: an address on another account's interface (EIP-ASSOCIATE) is never released
        # with it, whatever VPC that interface is in.
        eni = ctx.ec2.network_interfaces.get(address.network_interface_id or "")
        if eni is None or eni.vpc_id != ctx.ec2.default_vpc_id:
            plan.fail(_in_use(address))
    plan.values["address"] = address
    return plan


@ec2_action("ReleaseAddress", resolve=plan_release)
def release_address(ctx: RequestContext, req: ReleaseAddressRequestTypeDef, plan: NamedPlan) -> None:
    address: Address = plan.values["address"]
    if address.association_id:
        disassociate(ctx.ec2, address)
    ctx.ec2.addresses.remove(address.id)


# DescribeAddresses -------------------------------------------------------------------------------


def _interface_owner(address: Address) -> str | None:
    if address.network_interface_id is None:
        return None
    return address.interface_owner_id or address.owner_id


_FILTERS = FilterSet(
    {
        "association-id": lambda a: a.association_id,
        "domain": lambda a: a.domain,
        "instance-id": lambda a: a.instance_id,
        "network-border-group": lambda a: a.network_border_group,
        "network-interface-id": lambda a: a.network_interface_id,
        "network-interface-owner-id": _interface_owner,
        "private-ip-address": lambda a: a.private_ip_address,
        "public-ip": lambda a: a.public_ip,
        "public-ipv4-pool": lambda a: "amazon",
    },
    ELASTIC_IP,
)


def address_item(address: Address) -> dict[str, Any]:
    return {
        "PublicIp": address.public_ip,
        "AllocationId": address.id,
        "Domain": address.domain,
        "NetworkBorderGroup": address.network_border_group,
        "PublicIpv4Pool": "amazon",
        "AssociationId": address.association_id,
        "InstanceId": address.instance_id,
        "NetworkInterfaceId": address.network_interface_id,
        "NetworkInterfaceOwnerId": _interface_owner(address),
        "PrivateIpAddress": address.private_ip_address,
        "Tags": tag_list(address.tags) or None,
    }


@ec2_action("DescribeAddresses", resolve=NO_RESOURCES)
def describe_addresses(ctx: RequestContext, req: DescribeAddressesRequestTypeDef) -> dict[str, Any]:
    region = ctx.ec2
    candidates: list[Address] | None = None
    if req.get("AllocationIds"):
        candidates = [find_address(ctx, i) for i in dict.fromkeys(req["AllocationIds"])]
    if req.get("PublicIps"):
        by_ip = []
        for ip in dict.fromkeys(req["PublicIps"]):
            found = next(iter(region.addresses.where("public_ip", ip)), None)
            if found is None:
                raise AwsError("InvalidAddress.NotFound", f"Address '{ip}' not found.")
            by_ip.append(found)
        candidates = by_ip if candidates is None else [a for a in candidates if a in by_ip]
    if candidates is None:
        ids = _FILTERS.ids(req.get("Filters"))
        candidates = (
            [a for a in map(region.addresses.get, ids) if a] if ids is not None else list(region.addresses)
        )
    return {"Addresses": [address_item(a) for a in _FILTERS.apply(candidates, req.get("Filters"))]}


# The domain-name attribute (reverse DNS) ---------------------------------------------------------


def _attribute(region: Ec2Region, address: Address, update: dict[str, str] | None = None) -> dict[str, Any]:
    """AWS's own reverse DNS name until a domain name is set. Assumed: an update applies at once (AWS
    checks the forward record first and reports it PENDING meanwhile)."""
    record = address.domain_name or public_dns_name(region.name, address.public_ip)
    return {
        "PublicIp": address.public_ip,
        "AllocationId": address.id,
        "PtrRecord": record.rstrip(".") + ".",
        "PtrRecordUpdate": update,
    }


def _check_attribute(name: str | None) -> None:
    if name != "domain-name":
        raise AwsError(
            "InvalidParameterValue",
            f"Value ({name}) for parameter attribute is invalid. Valid values: domain-name",
        )


@ec2_action("DescribeAddressesAttribute", resolve=NO_RESOURCES)
def describe_addresses_attribute(
    ctx: RequestContext, req: DescribeAddressesAttributeRequestTypeDef
) -> dict[str, Any]:
    _check_attribute(req.get("Attribute"))
    ids = req.get("AllocationIds")
    addresses = [find_address(ctx, i) for i in dict.fromkeys(ids)] if ids else list(ctx.ec2.addresses)
    page, token = paginate(addresses, req, low=1)
    return {"Addresses": [_attribute(ctx.ec2, a) for a in page], "NextToken": token}


def plan_address_attribute(ctx: RequestContext, req: Mapping[str, Any]) -> NamedPlan:
    """ModifyAddressAttribute (DomainName) and ResetAddressAttribute (Attribute)."""
    plan = NamedPlan(keys={"ec2:Attribute": "domain-name"})
    allocation_id = req.get("AllocationId", "")
    plan.values["address"] = resolve(
        plan, "elastic-ip", allocation_id, lambda: find_address(ctx, allocation_id)
    )
    if "DomainName" in req:
        name = req.get("DomainName") or ""
        plan.keys["ec2:Attribute/DomainName"] = name
        if not _DOMAIN_NAME.fullmatch(name):
            plan.fail(
                AwsError("InvalidParameterValue", f"Value ({name}) for parameter domainName is invalid.")
            )
    else:
        plan.attempt(lambda: _check_attribute(req.get("Attribute")))
    return plan


@ec2_action("ModifyAddressAttribute", resolve=plan_address_attribute)
def modify_address_attribute(
    ctx: RequestContext, req: ModifyAddressAttributeRequestTypeDef, plan: NamedPlan
) -> dict[str, Any]:
    address: Address = plan.values["address"]
    name = req.get("DomainName", "").rstrip(".")
    before = _attribute(ctx.ec2, address, {"Value": name, "Status": "PENDING"})
    ctx.ec2.addresses.update(address, domain_name=name)
    return {"Address": before}


@ec2_action("ResetAddressAttribute", resolve=plan_address_attribute)
def reset_address_attribute(
    ctx: RequestContext, req: ResetAddressAttributeRequestTypeDef, plan: NamedPlan
) -> dict[str, Any]:
    address: Address = plan.values["address"]
    before = _attribute(ctx.ec2, address, {"Value": "", "Status": "PENDING"})
    ctx.ec2.addresses.update(address, domain_name=None)
    return {"Address": before}
