"""VPCs, subnets, security groups and network interfaces."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

from ec2sim.store.table import Resource


@dataclass(eq=False)
class Vpc(Resource):
    resource_type = "vpc"
    owner_id: str
    cidr_block: str
    is_default: bool = False
    state: str = "available"
    dhcp_options_id: str = "dopt-00000000000000000"
    instance_tenancy: str = "default"


@dataclass(eq=False)
class Subnet(Resource):
    resource_type = "subnet"
    owner_id: str
    vpc_id: str
    cidr_block: str
    availability_zone: str
    availability_zone_id: str
    default_for_az: bool = False
    map_public_ip_on_launch: bool = False
    state: str = "available"
    next_host: int = 4  # AWS reserves the first four addresses of every subnet
    released: list[str] = field(default_factory=list)

    @property
    def network(self) -> ipaddress.IPv4Network:
        return ipaddress.IPv4Network(self.cidr_block)

    @property
    def available_ip_address_count(self) -> int:
        # AWS reserves five addresses: the first four and the last.
        return self.network.num_addresses - 5 - (self.next_host - 4) + len(self.released)


@dataclass(eq=False)
class SecurityGroup(Resource):
    resource_type = "security-group"
    owner_id: str
    vpc_id: str
    name: str
    description: str
    ingress: list[dict[str, Any]] = field(default_factory=list)
    egress: list[dict[str, Any]] = field(default_factory=list)


@dataclass(eq=False)
class NetworkInterface(Resource):
    resource_type = "network-interface"
    owner_id: str
    subnet_id: str
    vpc_id: str
    availability_zone: str
    private_ip_address: str
    mac_address: str
    group_ids: list[str] = field(default_factory=list)
    description: str = ""
    status: str = "in-use"
    instance_id: str | None = None
    attachment_id: str | None = None
    device_index: int = 0
    source_dest_check: bool = True
    interface_type: str = "interface"
