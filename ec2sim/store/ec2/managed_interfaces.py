"""Requester-managed network interfaces: the ones an AWS service creates in a subnet for a NAT
gateway or an interface VPC endpoint, and deletes with it.

They are ordinary rows of the region's interface table (DescribeNetworkInterfaces lists them, a
private address comes from their subnet, their subnet can't be deleted meanwhile) marked
``requester_managed``, "attached" by the service (an ``ela-attach-`` attachment, no instance),
which the user can't delete, detach or modify (`ec2sim.api.ec2.interfaces`).
"""

from __future__ import annotations

from collections.abc import Iterable

from ec2sim.store.ec2.endpoints import VpcEndpoint
from ec2sim.store.ec2.interfaces import allocate_private_ip
from ec2sim.store.ec2.lifecycle import new_mac_address, remove_interface
from ec2sim.store.ec2.network import NetworkInterface, Subnet, derived_id
from ec2sim.store.ec2.region import Ec2Region

# InterfaceType as AWS answers it. botocore's NetworkInterfaceType enum spells the NAT one
# ``natGateway``, but DescribeNetworkInterfaces (and its interface-type filter's documented values)
# say ``nat_gateway``: the wire value is kept.
NAT_GATEWAY_TYPE = "nat_gateway"
VPC_ENDPOINT_TYPE = "vpc_endpoint"
# RequesterId: AWS shows the AWS-owned account of the service that made the interface, not the
# caller's. Assumed per service and the same in every region: the endpoint one is the EC2 User
# Guide's example ("Requester-managed network interfaces"), the NAT one a recorded
# DescribeNetworkInterfaces answer for a NAT gateway's interface.
NAT_REQUESTER_ID = "128792236543"
ENDPOINT_REQUESTER_ID = "727180483921"
# The attachment's InstanceOwnerId AWS shows for a service's attachment (no instance).
SERVICE_OWNER = "amazon-aws"
ATTACHMENT_PREFIX = "ela-attach"


def open_interface(
    region: Ec2Region,
    subnet: Subnet,
    interface_type: str,
    description: str,
    requester_id: str,
    group_ids: Iterable[str] = (),
    source_dest_check: bool = True,
) -> NetworkInterface:
    """A new requester-managed interface in `subnet` (callers checked it has a free address), with
    the subnet's next free private address, in use from the start."""
    eni_id = region.ids.hex_id("eni")
    interface = NetworkInterface(
        eni_id,
        region.account_id,
        subnet.id,
        subnet.vpc_id,
        subnet.availability_zone,
        allocate_private_ip(region.subnets, subnet),
        new_mac_address(),
        group_ids=list(group_ids),
        description=description,
        attachment_id=derived_id(ATTACHMENT_PREFIX, eni_id),
        device_index=1,  # as AWS shows a service's attachment
        source_dest_check=source_dest_check,
        interface_type=interface_type,
        delete_on_termination=False,
        requester_managed=True,
        requester_id=requester_id,
    )
    return region.add_interface(interface)


def close_interface(region: Ec2Region, interface_id: str | None) -> None:
    """Delete a service's interface (gone already: nothing) and free its address."""
    interface = region.network_interfaces.get(interface_id) if interface_id else None
    if interface is not None:
        remove_interface(region, interface)


def nat_interface(region: Ec2Region, subnet: Subnet, nat_id: str) -> NetworkInterface:
    """A NAT gateway's interface: no security groups, no source/destination check (it forwards)."""
    return open_interface(
        region,
        subnet,
        NAT_GATEWAY_TYPE,
        f"Interface for NAT Gateway {nat_id}",
        NAT_REQUESTER_ID,
        source_dest_check=False,
    )


def sync_endpoint_interfaces(region: Ec2Region, endpoint: VpcEndpoint) -> None:
    """Give an interface endpoint one interface per subnet (with its security groups), opening the
    missing ones and closing those of subnets it no longer has."""
    kept = {}
    for subnet_id, interface_id in endpoint.interface_ids.items():
        if subnet_id in endpoint.subnet_ids:
            kept[subnet_id] = interface_id
            interface = region.network_interfaces.get(interface_id)
            if interface is not None and interface.group_ids != endpoint.group_ids:
                region.set_interface_groups(interface, list(endpoint.group_ids))
        else:
            close_interface(region, interface_id)
    for subnet_id in endpoint.subnet_ids:
        subnet = region.subnets.get(subnet_id)
        if subnet_id not in kept and subnet is not None:
            kept[subnet_id] = open_interface(
                region,
                subnet,
                VPC_ENDPOINT_TYPE,
                f"VPC Endpoint Interface {endpoint.id}",
                ENDPOINT_REQUESTER_ID,
                endpoint.group_ids,
            ).id
    region.vpc_endpoints.update(endpoint, interface_ids=kept)


def close_endpoint_interfaces(region: Ec2Region, endpoint: VpcEndpoint) -> None:
    for interface_id in endpoint.interface_ids.values():
        close_interface(region, interface_id)
    region.vpc_endpoints.update(endpoint, interface_ids={})
