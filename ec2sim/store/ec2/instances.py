"""Instance records, and the DNS names their addresses get (see `lifecycle` for their state changes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ec2sim.store.codec import TRANSIENT
from ec2sim.store.ec2.geography import zones
from ec2sim.store.ec2.network import Vpc
from ec2sim.store.resources import INSTANCE
from ec2sim.store.table import Resource

STATE_CODES: dict[str, int] = {
    "pending": 0,
    "running": 16,
    "shutting-down": 32,
    "terminated": 48,
    "stopping": 64,
    "stopped": 80,
}


@dataclass(eq=False, slots=True)
class BlockDevice:
    """An EBS volume attached to an instance at a device name."""

    device_name: str
    volume_id: str
    attach_time: datetime
    delete_on_termination: bool = True
    status: str = "attached"


@dataclass(eq=False, slots=True)
class IamProfileAssociation:
    association_id: str
    profile_arn: str
    profile_id: str
    state: str  # associating | associated | disassociating | disassociated
    timestamp: datetime


def default_metadata_options(imds_support: str | None = None) -> dict[str, Any]:
    """AWS's defaults: IMDSv2 required and a hop limit of 2 only for an AMI whose ImdsSupport is v2.0."""
    v2 = imds_support == "v2.0"
    return {
        "State": "applied",
        "HttpTokens": "required" if v2 else "optional",
        "HttpPutResponseHopLimit": 2 if v2 else 1,
        "HttpEndpoint": "enabled",
        "HttpProtocolIpv6": "disabled",
        "InstanceMetadataTags": "disabled",
    }


@dataclass(eq=False, slots=True)
class Instance(Resource):
    """An instance: its fields in slots (a 60-key dict each was most of an instance's memory);
    its table (`HOME`) in the `__dict__` `Resource` gives it. No method here may call ``super()``
    without arguments (Python 3.11's slotted dataclass is a copy of the class it decorates).
    `metadata_options` may be one dict shared by the instances of a launch: a change assigns a
    new dict, never edits it in place."""

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
    usage_operation: str = "RunInstances"
    cpu_core_count: int = 1
    cpu_threads_per_core: int = 1
    hibernation_configured: bool = False
    enclave_enabled: bool = False
    capacity_reservation_preference: str = "open"
    auto_recovery: str = "default"
    hostname_type: str = "ip-name"
    # A digest of the RunInstances request, for ClientToken idempotency.
    request_fingerprint: str | None = None
    # Bumped by every state change: a scheduled transition fires only if still current.
    transition_seq: int = 0
    # Bumped by every attribute assignment: lets views cache what they derive from fields.
    revision: int = field(default=0, repr=False, metadata=TRANSIENT)

    def __setattr__(self, name: str, value: Any) -> None:
        Resource.__setattr__(self, name, value)  # durable state's hook, once a store is durable
        object.__setattr__(self, "revision", getattr(self, "revision", 0) + 1)

    @property
    def state_code(self) -> int:
        return STATE_CODES[self.state]

    @property
    def region(self) -> str:
        return self.availability_zone[:-1]

    @property
    def availability_zone_id(self) -> str | None:
        return next((z.zone_id for z in zones(self.region) if z.name == self.availability_zone), None)

    @property
    def arn(self) -> str:
        return INSTANCE.arn(self.region, self.owner_id, self.id)


# DNS names --------------------------------------------------------------------------


def private_dns_name(region: str, address: str) -> str:
    host = "ip-" + address.replace(".", "-")
    return f"{host}.ec2.internal" if region == "us-east-1" else f"{host}.{region}.compute.internal"


def public_dns_name(region: str, address: str | None) -> str:
    if not address:
        return ""
    host = "ec2-" + address.replace(".", "-")
    return (
        f"{host}.compute-1.amazonaws.com"
        if region == "us-east-1"
        else f"{host}.{region}.compute.amazonaws.com"
    )


def vpc_public_dns_name(region: str, address: str | None, vpc: Vpc | None) -> str:
    """The public DNS name of an address in `vpc`: none while the VPC's DNS hostnames are off
    (enableDnsHostnames; EC2 API Reference, Instance.PublicDnsName: "only available if you've
    enabled DNS hostnames for your VPC"). Read live: turning them on names running instances too."""
    return public_dns_name(region, address) if vpc is not None and vpc.enable_dns_hostnames else ""
