"""Instances and their lifecycle.

State changes that take emulated time (pending → running, stopping → stopped,
shutting-down → terminated, and a terminated instance vanishing an hour later)
are scheduled on the store's timeline, never run by background threads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ec2sim.store.table import Resource

STATE_CODES: dict[str, int] = {
    "pending": 0,
    "running": 16,
    "shutting-down": 32,
    "terminated": 48,
    "stopping": 64,
    "stopped": 80,
}

TERMINATED_RETENTION_SECONDS = 3600


@dataclass(eq=False)
class BlockDevice:
    """An EBS volume attached to an instance at a device name."""

    device_name: str
    volume_id: str
    attach_time: datetime
    delete_on_termination: bool = True
    status: str = "attached"


@dataclass(eq=False)
class IamProfileAssociation:
    association_id: str
    profile_arn: str
    profile_id: str
    state: str  # associating | associated | disassociating | disassociated
    timestamp: datetime


def default_metadata_options() -> dict[str, Any]:
    return {
        "State": "applied",
        "HttpTokens": "required",
        "HttpPutResponseHopLimit": 2,
        "HttpEndpoint": "enabled",
        "HttpProtocolIpv6": "disabled",
        "InstanceMetadataTags": "disabled",
    }


@dataclass(eq=False)
class Instance(Resource):
    resource_type = "instance"
    owner_id: str
    reservation_id: str
    image_id: str
    instance_type: str
    availability_zone: str
    subnet_id: str
    vpc_id: str
    network_interface_id: str
    private_ip_address: str
    launch_time: datetime
    state: str = "pending"
    ami_launch_index: int = 0
    group_ids: list[str] = field(default_factory=list)
    key_name: str | None = None
    public_ip_address: str | None = None
    client_token: str | None = None
    user_data: str | None = None  # base64, as sent
    architecture: str = "x86_64"
    platform: str | None = None  # "windows" or None
    platform_details: str = "Linux/UNIX"
    root_device_name: str = "/dev/xvda"
    root_device_type: str = "ebs"
    virtualization_type: str = "hvm"
    hypervisor: str = "xen"
    boot_mode: str | None = None
    ena_support: bool = True
    ebs_optimized: bool = False
    monitoring: str = "disabled"
    tenancy: str = "default"
    kernel_id: str | None = None
    ramdisk_id: str | None = None
    block_devices: list[BlockDevice] = field(default_factory=list)
    iam_profile: IamProfileAssociation | None = None
    metadata_options: dict[str, Any] = field(default_factory=default_metadata_options)
    disable_api_termination: bool = False
    disable_api_stop: bool = False
    shutdown_behavior: str = "stop"
    source_dest_check: bool = True
    state_transition_reason: str = ""
    state_reason: dict[str, str] | None = None
    terminated_at: datetime | None = None

    @property
    def state_code(self) -> int:
        return STATE_CODES[self.state]

    @property
    def arn(self) -> str:
        region = self.availability_zone[:-1]
        return f"arn:aws:ec2:{region}:{self.owner_id}:instance/{self.id}"
