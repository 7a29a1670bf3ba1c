"""Network interfaces: create, delete, attach, detach, their attributes, and interface permissions.

Private addresses (the primary and secondary ones) come from the subnet's CIDR (`interface_ips`);
an instance's interfaces are attached at device indexes up to its type's limit
(`store.ec2.interfaces.interface_limits`); its primary interface (index 0) can't be detached.
Requester-managed interfaces (a NAT gateway's, an endpoint's: `store.ec2.managed_interfaces`) are
their service's: the user can't delete, attach, detach or modify them (tags excepted).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ec2sim.api.authorization import NO_RESOURCES, Check
from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.authz import creating
from ec2sim.api.ec2.common import fingerprint, replayed
from ec2sim.api.ec2.interface_ips import (
    add_ipv6_addresses,
    addresses_for,
    check_ipv6_request,
    claim_addresses,
    ipv6_block,
)
from ec2sim.api.ec2.interface_views import attachment, eni_item
from ec2sim.api.ec2.named import NamedPlan, find_instance, find_interface, resolve
from ec2sim.api.ec2.requester_managed import not_yours
from ec2sim.api.ec2.tagging import tags_for
from ec2sim.api.errors import AwsError
from ec2sim.api.registry import ec2_action
from ec2sim.store.ec2 import lifecycle
from ec2sim.store.ec2.interface_registry import instance_interfaces, lent
from ec2sim.store.ec2.interfaces import interface_limits
from ec2sim.store.ec2.lifecycle import new_mac_address
from ec2sim.store.ec2.network import NetworkInterface, SecurityGroup, Subnet
from ec2sim.store.ec2.region import Ec2Region

if TYPE_CHECKING:
    from types_boto3_ec2.type_defs import (
        AttachNetworkInterfaceRequestTypeDef,
        CreateNetworkInterfaceRequestTypeDef,
        DeleteNetworkInterfaceRequestTypeDef,
        DescribeNetworkInterfaceAttributeRequestTypeDef,
        DetachNetworkInterfaceRequestTypeDef,
        ModifyNetworkInterfaceAttributeRequestTypeDef,
        ResetNetworkInterfaceAttributeRequestTypeDef,
    )

MAX_GROUPS = 5  # security groups per interface: AWS's default quota
MAX_DESCRIPTION = 255
MAX_DEVICE_INDEX = 31  # assumed: no instance type takes more than 32 interfaces on one card
INTERFACE_TYPES = ("interface", "efa", "efa-only", "branch", "trunk")


def check_groups(ctx: RequestContext, group_ids: Sequence[str], subnet: Subnet) -> list[SecurityGroup]:
    """Security groups for an interface in `subnet`: existing, of its VPC, at most five."""
    groups = []
    for group_id in dict.fromkeys(group_ids):
        if not group_id.startswith("sg-"):
            raise AwsError("InvalidGroupId.Malformed", f'Invalid id: "{group_id}" (expecting "sg-...")')
        group = ctx.ec2.security_groups.get(group_id)
        if group is None:
            raise AwsError("InvalidGroup.NotFound", f"The security group '{group_id}' does not exist")
        if group.vpc_id != subnet.vpc_id:
            raise AwsError(
                "InvalidParameter",
                f"Security group {group.id} and subnet {subnet.id} belong to different networks.",
            )
        groups.append(group)
    if len(groups) > MAX_GROUPS:
        raise AwsError(
            "SecurityGroupsPerInterfaceLimitExceeded",
            "The maximum number of security groups per interface has been reached.",
        )
    return groups


def check_description(description: str) -> None:
    if len(description) > MAX_DESCRIPTION:
        raise AwsError(
            "InvalidParameterValue",
            f"Value ({description}) for parameter description is invalid. "
            f"Length exceeds maximum of {MAX_DESCRIPTION} characters.",
        )


# CreateNetworkInterface --------------------------------------------------------------------------


@dataclass
class CreatePlan(NamedPlan):
    req: Any = None

    def checks(self, ctx: RequestContext) -> Iterator[Check]:
        yield from creating(ctx, "ec2:CreateNetworkInterface", "network-interface", self.req)
        yield from super().checks(ctx)


def plan_create(ctx: RequestContext, req: CreateNetworkInterfaceRequestTypeDef) -> CreatePlan:
    plan = CreatePlan(req=req)
    subnet_id = req.get("SubnetId", "")
    subnet = ctx.ec2.subnets.get(subnet_id)
    plan.name("subnet", subnet_id, subnet)
    group_ids = req.get("Groups") or []
    for group_id in dict.fromkeys(group_ids):
        plan.name("security-group", group_id, ctx.ec2.security_groups.get(group_id))
    if subnet is None:
        plan.fail(AwsError("InvalidSubnetID.NotFound", f"The subnet ID '{subnet_id}' does not exist"))
        return plan
    try:
        earlier = replayed(ctx.ec2.network_interfaces, req)
    except AwsError as error:
        plan.fail(error)
        return plan
    if earlier is not None:  # a retry is answered with what the first request made
        plan.values["earlier"] = earlier
        return plan
    kind = req.get("InterfaceType", "interface")
    if kind not in INTERFACE_TYPES:
        plan.fail(
            AwsError("InvalidParameterValue", f"Value ({kind}) for parameter interfaceType is invalid.")
        )
    plan.attempt(lambda: check_description(req.get("Description", "")))
    groups = plan.attempt(lambda: check_groups(ctx, group_ids, subnet))
    default = ctx.ec2.default_security_group(subnet.vpc_id)
    plan.values["groups"] = groups if group_ids else [default] if default else []
    plan.values["addresses"] = plan.attempt(
        lambda: addresses_for(
            ctx.ec2,
            subnet,
            req.get("PrivateIpAddress"),
            req.get("PrivateIpAddresses") or [],
            req.get("SecondaryPrivateIpAddressCount"),
        )
    )
    ipv6 = [a.get("Ipv6Address", "") for a in req.get("Ipv6Addresses") or []]
    plan.attempt(lambda: check_ipv6_request(subnet, ipv6, req.get("Ipv6AddressCount")))
    plan.values["ipv6"] = (ipv6, req.get("Ipv6AddressCount") or 0)
    plan.attempt(
        lambda: plan.values.update(
            tags=tags_for(req.get("TagSpecifications"), "network-interface", ("network-interface",))
        )
    )
    plan.values["subnet"] = subnet
    return plan


def new_interface(
    region: Ec2Region, subnet: Subnet, addresses: tuple[str | None, list[str], int], **fields: Any
) -> NetworkInterface:
    """A new interface (stored) in `subnet`, with the addresses `addresses_for` resolved."""
    primary, secondary = claim_addresses(region, subnet, addresses)
    interface = NetworkInterface(
        region.ids.hex_id("eni"),
        region.account_id,
        subnet.id,
        subnet.vpc_id,
        subnet.availability_zone,
        primary,
        new_mac_address(),
        secondary_private_ips=secondary,
        **fields,
    )
    return region.add_interface(interface)


@ec2_action("CreateNetworkInterface", resolve=plan_create)
def create_network_interface(
    ctx: RequestContext, req: CreateNetworkInterfaceRequestTypeDef, plan: CreatePlan
) -> dict[str, Any]:
    values = plan.values
    if "earlier" in values:
        return {
            "NetworkInterface": eni_item(ctx.ec2, values["earlier"]),
            "ClientToken": req.get("ClientToken"),
        }
    interface = new_interface(
        ctx.ec2,
        values["subnet"],
        values["addresses"],
        group_ids=[g.id for g in values["groups"]],
        description=req.get("Description", ""),
        status="available",
        interface_type=req.get("InterfaceType", "interface"),
        delete_on_termination=False,
        client_token=req.get("ClientToken"),
        request_fingerprint=fingerprint(req),
        tags=dict(values["tags"]),
    )
    block = ipv6_block(values["subnet"])
    if block is not None:
        add_ipv6_addresses(ctx.ec2, interface, block, *values["ipv6"])
    return {"NetworkInterface": eni_item(ctx.ec2, interface), "ClientToken": req.get("ClientToken")}


# DeleteNetworkInterface --------------------------------------------------------------------------


def _interface_plan(
    ctx: RequestContext, interface_id: str, plan: NamedPlan | None = None, permission: str = ""
) -> NamedPlan:
    """`permission`: what another account's interface may be named for (`find_interface`)."""
    plan = plan if plan is not None else NamedPlan()
    plan.values["eni"] = resolve(
        plan, "network-interface", interface_id, lambda: find_interface(ctx, interface_id, permission)
    )
    return plan


def plan_delete(ctx: RequestContext, req: DeleteNetworkInterfaceRequestTypeDef) -> NamedPlan:
    """AWS answers deleting an attached interface with InvalidParameterValue, "Network interface
    '…' is currently in use." (as recorded in the VPC CNI and cloud-nuke issue threads)."""
    plan = _interface_plan(ctx, req.get("NetworkInterfaceId", ""))
    eni = plan.values["eni"]
    # A requester-managed one is in use by its service (as recorded for an endpoint's interface).
    if eni is not None and (eni.instance_id or eni.requester_managed):
        plan.fail(AwsError("InvalidParameterValue", f"Network interface '{eni.id}' is currently in use."))
    return plan


@ec2_action("DeleteNetworkInterface", resolve=plan_delete)
def delete_network_interface(
    ctx: RequestContext, req: DeleteNetworkInterfaceRequestTypeDef, plan: NamedPlan
) -> None:
    eni: NetworkInterface = plan.values["eni"]
    for address in list(ctx.ec2.addresses.where("network_interface_id", eni.id)):
        ctx.ec2.addresses.update(address, **lifecycle.UNASSOCIATED)
    lifecycle.remove_interface(ctx.ec2, eni)


# Attach / detach ---------------------------------------------------------------------------------


def plan_attach(ctx: RequestContext, req: AttachNetworkInterfaceRequestTypeDef) -> NamedPlan:
    plan = NamedPlan()
    instance_id = req.get("InstanceId", "")
    instance = resolve(plan, "instance", instance_id, lambda: find_instance(ctx, instance_id))
    _interface_plan(ctx, req.get("NetworkInterfaceId", ""), plan, "INSTANCE-ATTACH")
    eni: NetworkInterface | None = plan.values["eni"]
    index = req.get("DeviceIndex", 0)
    if instance is None or eni is None or plan.error is not None:
        return plan
    attached = [e for _, e in instance_interfaces(ctx.ec2, instance.id)]
    limit = interface_limits(instance.instance_type)[0]
    if eni.instance_id or eni.requester_managed:
        plan.fail(AwsError("InvalidNetworkInterface.InUse", f"Interface: [{eni.id}] in use."))
    elif instance.state in ("shutting-down", "terminated"):
        plan.fail(
            AwsError(
                "IncorrectInstanceState",
                f"The instance '{instance.id}' is not in a valid state for this operation.",
            )
        )
    elif eni.availability_zone != instance.availability_zone:
        plan.fail(
            AwsError(
                "InvalidParameterCombination",
                "You may not attach a network interface to an instance if they are not in the same "
                "availability zone",
            )
        )
    elif any(e.device_index == index for e in attached):
        plan.fail(
            AwsError(
                "InvalidParameterValue",
                f"Instance '{instance.id}' already has an interface attached at device index '{index}'.",
            )
        )
    elif not 0 <= index <= MAX_DEVICE_INDEX:
        plan.fail(AwsError("InvalidParameterValue", f"Value ({index}) for parameter deviceIndex is invalid."))
    elif len(attached) + 1 > limit:
        # AWS counts interfaces, whatever the index (as recorded: "Interface count 4 exceeds the
        # limit for t3.medium" attaching at index 3).
        plan.fail(
            AwsError(
                "AttachmentLimitExceeded",
                f"Interface count {len(attached) + 1} exceeds the limit for {instance.instance_type}",
            )
        )
    plan.values["instance"] = instance
    return plan


def attach(
    region: Ec2Region,
    eni: NetworkInterface,
    instance_id: str,
    index: int,
    now: Any,
    delete_on_termination: bool = False,
    instance_owner_id: str | None = None,
) -> str:
    """Attach `eni` (of `region`, its owner's) at `index` to an instance of its owner's or (a
    network interface permission's grantee) of `instance_owner_id`'s; its Elastic IPs follow it."""
    attachment_id = region.ids.hex_id("eni-attach")
    region.network_interfaces.update(
        eni,
        instance_id=instance_id,
        attachment_id=attachment_id,
        instance_owner_id=instance_owner_id if instance_owner_id != eni.owner_id else None,
        device_index=index,
        attach_time=now,
        status="in-use",
        delete_on_termination=delete_on_termination,
    )
    if lent(eni):
        region.interfaces.lend(eni)
    for address in list(region.addresses.where("network_interface_id", eni.id)):
        region.addresses.update(address, instance_id=instance_id)
    for owner, address in region.interfaces.addresses_on(eni.id):
        owner.addresses.update(address, instance_id=instance_id)
    return attachment_id


@ec2_action("AttachNetworkInterface", resolve=plan_attach)
def attach_network_interface(
    ctx: RequestContext, req: AttachNetworkInterfaceRequestTypeDef, plan: NamedPlan
) -> dict[str, Any]:
    now, eni = ctx.now.replace(microsecond=0), plan.values["eni"]
    owner = ctx.ec2.interfaces.region_of(eni, ctx.ec2)
    instance_id = plan.values["instance"].id
    attachment_id = attach(owner, eni, instance_id, req["DeviceIndex"], now, instance_owner_id=ctx.account_id)
    return {"AttachmentId": attachment_id, "NetworkCardIndex": 0}


def plan_detach(ctx: RequestContext, req: DetachNetworkInterfaceRequestTypeDef) -> NamedPlan:
    plan = NamedPlan()
    attachment_id = req.get("AttachmentId", "")
    eni = next(iter(ctx.ec2.network_interfaces.where("attachment_id", attachment_id)), None)
    borrowed = ctx.ec2.interfaces.by_attachment(attachment_id) if eni is None else None
    if borrowed is not None and borrowed[1].instance_owner_id == ctx.account_id:
        eni = borrowed[1]  # another account's interface, attached to the caller's instance
    # Assumed: the interface's owner may detach it from another account's instance (named as "*").
    instance = ctx.ec2.instances.get(eni.instance_id or "") if eni is not None else None
    plan.name("instance", instance.id if instance else "*", instance)
    plan.name("network-interface", eni.id if eni else "*", eni)
    if eni is None:
        plan.fail(
            AwsError("InvalidAttachmentID.NotFound", f"The attachment ID '{attachment_id}' does not exist")
        )
    elif eni.requester_managed:
        # As recorded (boto3 #2218, aws-nuke #1232) for services' attachments.
        plan.fail(
            AwsError("OperationNotPermitted", "You are not allowed to manage 'ela-attach' attachments.")
        )
    elif eni.device_index == 0:
        plan.fail(
            AwsError(
                "OperationNotPermitted",
                "The network interface at device index 0 and networkCard index 0 cannot be detached.",
            )
        )
    plan.values["eni"] = eni
    return plan


@ec2_action("DetachNetworkInterface", resolve=plan_detach)
def detach_network_interface(
    ctx: RequestContext, req: DetachNetworkInterfaceRequestTypeDef, plan: NamedPlan
) -> None:
    """Detaching takes no emulated time: the interface is available at once."""
    eni = plan.values["eni"]
    lifecycle.detach_interface(ctx.ec2.interfaces.region_of(eni, ctx.ec2), eni)


# Attributes --------------------------------------------------------------------------------------

_ATTRIBUTES = {
    "Description": "description",
    "SourceDestCheck": "sourceDestCheck",
    "Groups": "groupSet",
    "Attachment": "attachment",
    "AssociatePublicIpAddress": "associatePublicIpAddress",
}


def plan_modify(ctx: RequestContext, req: ModifyNetworkInterfaceAttributeRequestTypeDef) -> NamedPlan:
    plan = _interface_plan(ctx, req.get("NetworkInterfaceId", ""))
    given = [name for name in _ATTRIBUTES if name in req]
    eni: NetworkInterface | None = plan.values["eni"]
    for group_id in dict.fromkeys(req.get("Groups") or []):
        plan.name("security-group", group_id, ctx.ec2.security_groups.get(group_id))
    if given:
        plan.keys["ec2:Attribute"] = _ATTRIBUTES[given[0]]
    if eni is None:
        return plan
    if eni.requester_managed:
        plan.fail(not_yours())
    elif not given:
        plan.fail(AwsError("MissingParameter", "The request must contain the parameter attribute"))
    elif len(given) > 1:
        plan.fail(AwsError("InvalidParameterCombination", "Fields for multiple attribute types specified"))
    elif "Description" in req:
        plan.attempt(lambda: check_description(req["Description"].get("Value", "")))
    elif "Groups" in req:
        subnet = ctx.ec2.subnets.get(eni.subnet_id)
        if subnet is not None:
            plan.attempt(lambda: check_groups(ctx, req["Groups"], subnet))
    elif "Attachment" in req and req["Attachment"].get("AttachmentId") != eni.attachment_id:
        attachment_id = req["Attachment"].get("AttachmentId")
        plan.fail(
            AwsError("InvalidAttachmentID.NotFound", f"The attachment ID '{attachment_id}' does not exist")
        )
    return plan


@ec2_action("ModifyNetworkInterfaceAttribute", resolve=plan_modify)
def modify_network_interface_attribute(
    ctx: RequestContext, req: ModifyNetworkInterfaceAttributeRequestTypeDef, plan: NamedPlan
) -> None:
    """The primary interface's groups and source/destination check are its instance's too."""
    region, eni = ctx.ec2, plan.values["eni"]
    instance = region.instances.get(eni.instance_id) if eni.instance_id and eni.device_index == 0 else None
    if "Description" in req:
        region.network_interfaces.update(eni, description=req["Description"].get("Value", ""))
    elif "SourceDestCheck" in req:
        value = bool(req["SourceDestCheck"].get("Value"))
        region.network_interfaces.update(eni, source_dest_check=value)
        if instance is not None:
            region.instances.update(instance, source_dest_check=value)
    elif "Groups" in req:
        group_ids = list(dict.fromkeys(req["Groups"]))
        region.set_interface_groups(eni, group_ids)
        if instance is not None:
            region.instances.update(instance, group_ids=group_ids)
    elif "Attachment" in req:
        region.network_interfaces.update(
            eni, delete_on_termination=bool(req["Attachment"].get("DeleteOnTermination"))
        )
    elif req["AssociatePublicIpAddress"] != bool(eni.auto_public_ip):
        wanted = req["AssociatePublicIpAddress"]
        region.network_interfaces.update(eni, auto_public_ip=wanted)
        lifecycle.set_auto_public_ip(region, eni, lifecycle.new_public_ip() if wanted else None)


_DESCRIBED = ("description", "groupSet", "sourceDestCheck", "attachment", "associatePublicIpAddress")


@ec2_action("DescribeNetworkInterfaceAttribute", resolve=NO_RESOURCES)
def describe_network_interface_attribute(
    ctx: RequestContext, req: DescribeNetworkInterfaceAttributeRequestTypeDef
) -> dict[str, Any]:
    name = req.get("Attribute")
    if name is None:
        raise AwsError("MissingParameter", "The request must contain the parameter attribute")
    if name not in _DESCRIBED:
        raise AwsError(
            "InvalidParameterValue", f"Value ({name}) for parameter attribute is invalid. Unknown attribute."
        )
    eni = find_interface(ctx, req.get("NetworkInterfaceId", ""))
    item = eni_item(ctx.ec2, eni)
    values = {
        "description": ("Description", {"Value": eni.description}),
        "groupSet": ("Groups", item["Groups"]),
        "sourceDestCheck": ("SourceDestCheck", {"Value": eni.source_dest_check}),
        "attachment": ("Attachment", attachment(ctx.ec2, eni)),
        "associatePublicIpAddress": ("AssociatePublicIpAddress", eni.public_ip is not None),
    }
    key, value = values[name]
    return {"NetworkInterfaceId": eni.id, key: value}


def plan_reset(ctx: RequestContext, req: ResetNetworkInterfaceAttributeRequestTypeDef) -> NamedPlan:
    plan = _interface_plan(ctx, req.get("NetworkInterfaceId", ""))
    plan.keys["ec2:Attribute"] = "sourceDestCheck"
    return plan


@ec2_action("ResetNetworkInterfaceAttribute", resolve=plan_reset)
def reset_network_interface_attribute(
    ctx: RequestContext, req: ResetNetworkInterfaceAttributeRequestTypeDef, plan: NamedPlan
) -> None:
    """Only the source/destination check resets (to true, its default)."""
    region, eni = ctx.ec2, plan.values["eni"]
    region.network_interfaces.update(eni, source_dest_check=True)
    instance = region.instances.get(eni.instance_id) if eni.instance_id and eni.device_index == 0 else None
    if instance is not None:
        region.instances.update(instance, source_dest_check=True)
