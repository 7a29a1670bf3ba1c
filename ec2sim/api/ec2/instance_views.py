"""Instances as boto3 shows them, and DescribeInstances with its filters.

DescribeInstances keeps, per instance, its rendered XML (and, once a filter read it, its dict)
stamped with the store's `generation` and the instance's `revision`: the generation moves with
every request that may change EC2 resources, every timeline event run, reset and import
(`ec2sim.store`), the revision with every assignment to the instance's fields (a test editing the
store directly). Whatever an instance's item shows (its tags, groups, interfaces, addresses,
volumes, its VPC's DNS settings...) can only change by one of those, so a stamp that still
matches means the cached item is current; describing a thousand unchanged instances is then
joining a thousand strings. Nothing is cached for an instance until it is described.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ec2sim.api.authorization import NO_RESOURCES
from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.filters import FilterSet
from ec2sim.api.ec2.interface_views import instance_interface_item
from ec2sim.api.ec2.paging import paginate
from ec2sim.api.errors import AwsError
from ec2sim.api.models import SERVICE_INFO
from ec2sim.api.registry import ec2_action
from ec2sim.api.rendering import EC2_RENDERER, Rendered
from ec2sim.api.shapes import Shape
from ec2sim.store.ec2.instances import Instance, private_dns_name, vpc_public_dns_name
from ec2sim.store.ec2.interface_registry import instance_interfaces
from ec2sim.store.ec2.region import Ec2Region
from ec2sim.store.resources import INSTANCE

if TYPE_CHECKING:
    from types_boto3_ec2.type_defs import DescribeInstancesRequestTypeDef

_GONE = frozenset({"terminated"})  # states in which an instance has no network presence


class _Cached:
    """An instance's item as of one stamp: its rendered XML and (once a filter read it) its dict."""

    __slots__ = ("generation", "revision", "view", "xml")

    def __init__(self, generation: int, revision: int) -> None:
        self.generation, self.revision = generation, revision
        self.view: dict[str, Any] | None = None
        self.xml: Rendered | None = None


_cache: weakref.WeakKeyDictionary[Instance, _Cached] = weakref.WeakKeyDictionary()


def forget_rendered() -> None:
    """Drop every cached item (tests compare the cached answer with a fresh one)."""
    _cache.clear()


def _current_boot_mode(boot_mode: str | None) -> str:
    return "uefi" if boot_mode in ("uefi", "uefi-preferred") else "legacy-bios"


def block_device_mappings(instance: Instance) -> list[dict[str, Any]]:
    """The instance's attached EBS volumes, as DescribeInstances and DescribeInstanceAttribute show them."""
    return [
        {
            "DeviceName": d.device_name,
            "Ebs": {
                "AttachTime": d.attach_time,
                "DeleteOnTermination": d.delete_on_termination,
                "Status": d.status,
                "VolumeId": d.volume_id,
            },
        }
        for d in instance.block_devices
    ]


def instance_view(region: Ec2Region, instance: Instance) -> dict[str, Any]:
    """The instance as DescribeInstances shows it."""
    i = instance
    gone = i.state in _GONE
    view: dict[str, Any] = {
        "AmiLaunchIndex": i.ami_launch_index,
        "ImageId": i.image_id,
        "InstanceId": i.id,
        "InstanceType": i.instance_type,
        "KernelId": i.kernel_id,
        "KeyName": i.key_name,
        "LaunchTime": i.launch_time,
        "Monitoring": {"State": i.monitoring},
        "Placement": {"AvailabilityZone": i.availability_zone, "GroupName": "", "Tenancy": i.tenancy},
        "Platform": i.platform,
        "PrivateDnsName": "" if gone else private_dns_name(i.region, i.private_ip_address),
        "PrivateIpAddress": None if gone else i.private_ip_address,
        "ProductCodes": [],
        "PublicIpAddress": i.public_ip_address,
        "RamdiskId": i.ramdisk_id,
        "State": {"Code": i.state_code, "Name": i.state},
        "StateTransitionReason": i.state_transition_reason,
        "SubnetId": None if gone else i.subnet_id,
        "VpcId": None if gone else i.vpc_id,
        "Architecture": i.architecture,
        "ClientToken": i.client_token or "",
        "EbsOptimized": i.ebs_optimized,
        "EnaSupport": i.ena_support,
        "Hypervisor": i.hypervisor,
        "RootDeviceName": i.root_device_name,
        "RootDeviceType": i.root_device_type,
        "SourceDestCheck": i.source_dest_check,
        "StateReason": dict(i.state_reason) if i.state_reason else None,
        "VirtualizationType": i.virtualization_type,
        "CpuOptions": {"CoreCount": i.cpu_core_count, "ThreadsPerCore": i.cpu_threads_per_core},
        "CapacityReservationSpecification": {
            "CapacityReservationPreference": i.capacity_reservation_preference
        },
        "HibernationOptions": {"Configured": i.hibernation_configured},
        "EnclaveOptions": {"Enabled": i.enclave_enabled},
        "BootMode": i.boot_mode,
        "PlatformDetails": i.platform_details,
        "UsageOperation": i.usage_operation,
        "UsageOperationUpdateTime": i.launch_time,
        "PrivateDnsNameOptions": {
            "HostnameType": i.hostname_type,
            "EnableResourceNameDnsARecord": False,
            "EnableResourceNameDnsAAAARecord": False,
        },
        "MaintenanceOptions": {"AutoRecovery": i.auto_recovery, "RebootMigration": "default"},
        "CurrentInstanceBootMode": _current_boot_mode(i.boot_mode),
        "Operator": {"Managed": False},
    }
    view["PublicDnsName"] = vpc_public_dns_name(
        instance.region, instance.public_ip_address, region.vpcs.get(instance.vpc_id)
    )
    view["BlockDeviceMappings"] = block_device_mappings(instance)
    view["SecurityGroups"] = [] if gone else _group_identifiers(region, instance.group_ids)
    view["NetworkInterfaces"] = (
        []
        if gone
        else [instance_interface_item(owner, e) for owner, e in instance_interfaces(region, instance.id)]
    )
    profile = instance.iam_profile
    if profile is not None and profile.state in ("associating", "associated"):
        view["IamInstanceProfile"] = {"Arn": profile.profile_arn, "Id": profile.profile_id}
    view["MetadataOptions"] = dict(instance.metadata_options)
    view["Tags"] = [{"Key": k, "Value": v} for k, v in instance.tags.items()] or None
    return view


def _group_identifiers(region: Ec2Region, group_ids: Iterable[str]) -> list[dict[str, str]]:
    groups = (region.security_groups.get(gid) for gid in group_ids)
    return [{"GroupId": g.id, "GroupName": g.name} for g in groups if g is not None]


def reservations(
    owner_id: str, rows: Iterable[tuple[Instance, dict[str, Any] | Rendered]]
) -> list[dict[str, Any]]:
    """Instance items (dicts or rendered) grouped by reservation, in order of first appearance."""
    grouped: dict[str, dict[str, Any]] = {}
    for instance, view in rows:
        reservation = grouped.get(instance.reservation_id)
        if reservation is None:
            reservation = grouped[instance.reservation_id] = {
                "ReservationId": instance.reservation_id,
                "OwnerId": owner_id,
                "Groups": [],
                "Instances": [],
            }
        reservation["Instances"].append(view)
    return list(grouped.values())


# DescribeInstances ----------------------------------------------------------------


class _Row:
    """An instance and its dict, as filters see them (`tags` for the tag filters)."""

    __slots__ = ("instance", "view", "region")

    def __init__(self, instance: Instance, view: dict[str, Any], region: Ec2Region) -> None:
        self.instance, self.view, self.region = instance, view, region

    @property
    def tags(self) -> dict[str, str]:
        return self.instance.tags


def _enis(row: _Row) -> list[dict[str, Any]]:
    return row.view["NetworkInterfaces"]


def _eni(key: str) -> Any:
    return lambda r: [n.get(key) for n in _enis(r)]


def _elastic_ips(field: str, primary: bool = False) -> Any:
    """A field of the Elastic IPs on the instance's interfaces (`primary`: on their primary addresses);
    an instance's view leaves allocation and association ids out, as AWS's does."""

    def extract(row: _Row) -> list[Any]:
        addresses = row.region.addresses.where("instance_id", row.instance.id)
        primaries = {
            e.private_ip_address for e in row.region.network_interfaces.where("instance_id", row.instance.id)
        }
        return [getattr(a, field) for a in addresses if not primary or a.private_ip_address in primaries]

    return extract


def _eni_part(part: str, key: str) -> Any:
    return lambda r: [(n.get(part) or {}).get(key) for n in _enis(r)]


def _eni_addresses(key: str) -> Any:
    return lambda r: [a.get(key) for n in _enis(r) for a in n["PrivateIpAddresses"]]


def _eni_address_association(key: str) -> Any:
    return lambda r: [
        (a.get("Association") or {}).get(key) for n in _enis(r) for a in n["PrivateIpAddresses"]
    ]


def _eni_list(member: str, key: str) -> Any:
    """Values of `key` in each interface's list `member` (IPv6 addresses, prefixes)."""
    return lambda r: [item.get(key) for n in _enis(r) for item in n.get(member) or ()]


def _eni_tags(pick: Callable[[tuple[str, str]], str]) -> Any:
    def extract(row: _Row) -> list[str]:
        interfaces = (row.region.network_interfaces.get(n["NetworkInterfaceId"]) for n in _enis(row))
        return [pick(tag) for eni in interfaces if eni is not None for tag in eni.tags.items()]

    return extract


def _zone_id(row: _Row) -> str | None:
    zone = row.region.zone(row.instance.availability_zone)
    return zone.zone_id if zone is not None else None


def _devices(key: str) -> Any:
    return lambda r: [d.get(key, d["Ebs"].get(key)) for d in r.view["BlockDeviceMappings"]]


def _view(*path: str) -> Any:
    def extract(row: _Row) -> Any:
        value: Any = row.view
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        return value

    return extract


def _groups(key: str) -> Any:
    return lambda r: [g[key] for g in r.view["SecurityGroups"]]


def _eni_groups(key: str) -> Any:
    return lambda r: [g[key] for n in _enis(r) for g in n["Groups"]]


_INSTANCE_FILTERS = FilterSet(
    {
        "affinity": lambda r: None,
        "ami-launch-index": _view("AmiLaunchIndex"),
        "architecture": _view("Architecture"),
        "availability-zone": _view("Placement", "AvailabilityZone"),
        "availability-zone-id": _zone_id,
        "block-device-mapping.attach-time": _devices("AttachTime"),
        "block-device-mapping.delete-on-termination": _devices("DeleteOnTermination"),
        "block-device-mapping.device-name": _devices("DeviceName"),
        "block-device-mapping.status": _devices("Status"),
        "block-device-mapping.volume-id": _devices("VolumeId"),
        "boot-mode": _view("BootMode"),
        "capacity-reservation-id": _view("CapacityReservationId"),
        "capacity-reservation-specification.capacity-reservation-preference": _view(
            "CapacityReservationSpecification", "CapacityReservationPreference"
        ),
        "capacity-reservation-specification.capacity-reservation-target.capacity-reservation-id": _view(
            "CapacityReservationSpecification", "CapacityReservationTarget", "CapacityReservationId"
        ),
        "capacity-reservation-specification.capacity-reservation-target.capacity-reservation-resource-group-arn": _view(
            "CapacityReservationSpecification",
            "CapacityReservationTarget",
            "CapacityReservationResourceGroupArn",
        ),
        "client-token": _view("ClientToken"),
        "current-instance-boot-mode": _view("CurrentInstanceBootMode"),
        "dns-name": _view("PublicDnsName"),
        "ebs-optimized": _view("EbsOptimized"),
        "ena-support": _view("EnaSupport"),
        "enclave-options.enabled": _view("EnclaveOptions", "Enabled"),
        "group-id": _groups("GroupId"),
        "group-name": _groups("GroupName"),
        "hibernation-options.configured": _view("HibernationOptions", "Configured"),
        "host-id": _view("Placement", "HostId"),
        "hypervisor": _view("Hypervisor"),
        "iam-instance-profile.arn": _view("IamInstanceProfile", "Arn"),
        "iam-instance-profile.id": _view("IamInstanceProfile", "Id"),
        "image-id": _view("ImageId"),
        "instance-id": _view("InstanceId"),
        "instance-lifecycle": lambda r: None,
        "instance-state-code": _view("State", "Code"),
        "instance-state-name": _view("State", "Name"),
        "instance-type": _view("InstanceType"),
        "instance.group-id": _groups("GroupId"),
        "instance.group-name": _groups("GroupName"),
        "ip-address": _view("PublicIpAddress"),
        "ipv6-address": _view("Ipv6Address"),
        "kernel-id": _view("KernelId"),
        "key-name": _view("KeyName"),
        "launch-index": _view("AmiLaunchIndex"),
        "launch-time": _view("LaunchTime"),
        "maintenance-options.auto-recovery": _view("MaintenanceOptions", "AutoRecovery"),
        "metadata-options.http-endpoint": _view("MetadataOptions", "HttpEndpoint"),
        "metadata-options.http-protocol-ipv4": lambda r: "enabled",  # the IPv4 endpoint always serves
        "metadata-options.http-protocol-ipv6": _view("MetadataOptions", "HttpProtocolIpv6"),
        "metadata-options.http-put-response-hop-limit": _view("MetadataOptions", "HttpPutResponseHopLimit"),
        "metadata-options.http-tokens": _view("MetadataOptions", "HttpTokens"),
        "metadata-options.instance-metadata-tags": _view("MetadataOptions", "InstanceMetadataTags"),
        "metadata-options.state": _view("MetadataOptions", "State"),
        "monitoring-state": _view("Monitoring", "State"),
        "network-interface.addresses.association.allocation-id": _elastic_ips("id"),
        "network-interface.addresses.association.association-id": _elastic_ips("association_id"),
        "network-interface.addresses.association.carrier-ip": _eni_address_association("CarrierIp"),
        "network-interface.addresses.association.customer-owned-ip": _eni_address_association(
            "CustomerOwnedIp"
        ),
        "network-interface.addresses.association.ip-owner-id": _eni_address_association("IpOwnerId"),
        "network-interface.addresses.association.public-dns-name": _eni_address_association("PublicDnsName"),
        "network-interface.addresses.association.public-ip": _eni_address_association("PublicIp"),
        "network-interface.addresses.primary": _eni_addresses("Primary"),
        "network-interface.addresses.private-dns-name": _eni_addresses("PrivateDnsName"),
        "network-interface.addresses.private-ip-address": _eni_addresses("PrivateIpAddress"),
        "network-interface.association.allocation-id": _elastic_ips("id", primary=True),
        "network-interface.association.association-id": _elastic_ips("association_id", primary=True),
        "network-interface.association.carrier-ip": _eni_part("Association", "CarrierIp"),
        "network-interface.association.customer-owned-ip": _eni_part("Association", "CustomerOwnedIp"),
        "network-interface.association.ip-owner-id": _eni_part("Association", "IpOwnerId"),
        "network-interface.association.public-dns-name": _eni_part("Association", "PublicDnsName"),
        "network-interface.association.public-ip": _eni_part("Association", "PublicIp"),
        "network-interface.attachment.attach-time": _eni_part("Attachment", "AttachTime"),
        "network-interface.attachment.attachment-id": _eni_part("Attachment", "AttachmentId"),
        "network-interface.attachment.delete-on-termination": _eni_part("Attachment", "DeleteOnTermination"),
        "network-interface.attachment.device-index": _eni_part("Attachment", "DeviceIndex"),
        "network-interface.attachment.instance-id": lambda r: [r.instance.id for _ in _enis(r)],
        "network-interface.attachment.instance-owner-id": lambda r: [r.instance.owner_id for _ in _enis(r)],
        "network-interface.attachment.network-card-index": _eni_part("Attachment", "NetworkCardIndex"),
        "network-interface.attachment.status": _eni_part("Attachment", "Status"),
        "network-interface.availability-zone": lambda r: [r.instance.availability_zone for _ in _enis(r)],
        "network-interface.deny-all-igw-traffic": _eni("DenyAllIgwTraffic"),
        "network-interface.description": _eni("Description"),
        "network-interface.group-id": _eni_groups("GroupId"),
        "network-interface.group-name": _eni_groups("GroupName"),
        "network-interface.ipv4-prefixes.ipv4-prefix": _eni_list("Ipv4Prefixes", "Ipv4Prefix"),
        "network-interface.ipv6-address": _eni_list("Ipv6Addresses", "Ipv6Address"),
        "network-interface.ipv6-addresses.ipv6-address": _eni_list("Ipv6Addresses", "Ipv6Address"),
        "network-interface.ipv6-addresses.is-primary-ipv6": _eni_list("Ipv6Addresses", "IsPrimaryIpv6"),
        "network-interface.ipv6-native": _eni("Ipv6Native"),
        "network-interface.ipv6-prefixes.ipv6-prefix": _eni_list("Ipv6Prefixes", "Ipv6Prefix"),
        "network-interface.mac-address": _eni("MacAddress"),
        "network-interface.network-interface-id": _eni("NetworkInterfaceId"),
        "network-interface.operator.managed": _eni_part("Operator", "Managed"),
        "network-interface.operator.principal": _eni_part("Operator", "Principal"),
        "network-interface.outpost-arn": _eni("OutpostArn"),
        "network-interface.owner-id": _eni("OwnerId"),
        "network-interface.private-dns-name": _eni("PrivateDnsName"),
        "network-interface.private-ip-address": _eni("PrivateIpAddress"),
        "network-interface.public-dns-name": _eni_part("Association", "PublicDnsName"),
        "network-interface.requester-id": _eni("RequesterId"),
        "network-interface.requester-managed": lambda r: [False for _ in _enis(r)],
        "network-interface.source-dest-check": _eni("SourceDestCheck"),
        "network-interface.status": _eni("Status"),
        "network-interface.subnet-id": _eni("SubnetId"),
        "network-interface.tag-key": _eni_tags(lambda tag: tag[0]),
        "network-interface.tag-value": _eni_tags(lambda tag: tag[1]),
        "network-interface.vpc-id": _eni("VpcId"),
        "network-performance-options.bandwidth-weighting": _view(
            "NetworkPerformanceOptions", "BandwidthWeighting"
        ),
        "operator.managed": _view("Operator", "Managed"),
        "operator.principal": _view("Operator", "Principal"),
        "outpost-arn": _view("OutpostArn"),
        "owner-id": lambda r: r.instance.owner_id,
        "placement-group-name": _view("Placement", "GroupName"),
        "placement-partition-number": _view("Placement", "PartitionNumber"),
        "platform": _view("Platform"),
        "platform-details": _view("PlatformDetails"),
        "private-dns-name": _view("PrivateDnsName"),
        "private-dns-name-options.enable-resource-name-dns-a-record": _view(
            "PrivateDnsNameOptions", "EnableResourceNameDnsARecord"
        ),
        "private-dns-name-options.enable-resource-name-dns-aaaa-record": _view(
            "PrivateDnsNameOptions", "EnableResourceNameDnsAAAARecord"
        ),
        "private-dns-name-options.hostname-type": _view("PrivateDnsNameOptions", "HostnameType"),
        "private-ip-address": _view("PrivateIpAddress"),
        "product-code": lambda r: None,
        "product-code.type": lambda r: [c.get("ProductCodeType") for c in r.view.get("ProductCodes") or ()],
        "ramdisk-id": _view("RamdiskId"),
        "reason": _view("StateTransitionReason"),
        "requester-id": lambda r: None,
        "reservation-id": lambda r: r.instance.reservation_id,
        "root-device-name": _view("RootDeviceName"),
        "root-device-type": _view("RootDeviceType"),
        "source-dest-check": _view("SourceDestCheck"),
        "spot-instance-request-id": lambda r: None,
        "state-reason-code": _view("StateReason", "Code"),
        "state-reason-message": _view("StateReason", "Message"),
        "subnet-id": _view("SubnetId"),
        "tenancy": _view("Placement", "Tenancy"),
        "tpm-support": _view("TpmSupport"),
        "usage-operation": _view("UsageOperation"),
        "usage-operation-update-time": _view("UsageOperationUpdateTime"),
        "virtualization-type": _view("VirtualizationType"),
        "vpc-id": _view("VpcId"),
    },
    INSTANCE,
)


def find_instances(ctx: RequestContext, ids: Sequence[str]) -> list[Instance]:
    """The named instances, or AWS's errors: a malformed id first, then every missing one."""
    for instance_id in ids:
        prefix, dash, rest = instance_id.partition("-")
        if (
            prefix != "i"
            or not dash
            or len(rest) not in (8, 17)
            or not all(c in "0123456789abcdef" for c in rest)
        ):
            raise AwsError("InvalidInstanceID.Malformed", f'Invalid id: "{instance_id}"')
    found = {i: ctx.ec2.instances.get(i) for i in dict.fromkeys(ids)}
    missing = [i for i, instance in found.items() if instance is None]
    if len(missing) == 1:
        raise AwsError("InvalidInstanceID.NotFound", f"The instance ID '{missing[0]}' does not exist")
    if missing:
        raise AwsError("InvalidInstanceID.NotFound", f"The instance IDs '{', '.join(missing)}' do not exist")
    return [i for i in found.values() if i is not None]


def _candidates(ctx: RequestContext, req: DescribeInstancesRequestTypeDef) -> Iterable[Instance]:
    """The instances a request can match, narrowed by index where a filter allows."""
    table, filters = ctx.ec2.instances, req.get("Filters")
    if req.get("InstanceIds"):
        return find_instances(ctx, req["InstanceIds"])
    ids = _INSTANCE_FILTERS.ids(filters)
    if ids is not None:
        return [i for i in map(table.get, dict.fromkeys(ids)) if i is not None]
    reservation_ids = _INSTANCE_FILTERS.values(filters, "reservation-id")
    if reservation_ids is not None:
        return [i for r in dict.fromkeys(reservation_ids) for i in table.where("reservation_id", r)]
    return table


@functools.cache
def _instance_shape() -> Shape:
    output = SERVICE_INFO["ec2"].operation("DescribeInstances").output_shape
    assert output is not None
    return output.members["Reservations"].member.members["Instances"].member


def _entry(ctx: RequestContext, instance: Instance) -> _Cached:
    """The instance's cache entry, a fresh one if its stamp is out of date."""
    entry, generation = _cache.get(instance), ctx.store.generation
    if entry is None or entry.generation != generation or entry.revision != instance.revision:
        entry = _cache[instance] = _Cached(generation, instance.revision)
    return entry


def _cached_view(region: Ec2Region, instance: Instance, entry: _Cached) -> dict[str, Any]:
    if entry.view is None:
        entry.view = instance_view(region, instance)
    return entry.view


def _cached_xml(region: Ec2Region, instance: Instance, entry: _Cached) -> Rendered:
    if entry.xml is None:
        view = entry.view if entry.view is not None else instance_view(region, instance)
        entry.xml = EC2_RENDERER.fragment(_instance_shape(), view)
    return entry.xml


@ec2_action("DescribeInstances", resolve=NO_RESOURCES)
def describe_instances(ctx: RequestContext, req: DescribeInstancesRequestTypeDef) -> dict[str, Any]:
    if req.get("InstanceIds") and req.get("MaxResults") is not None:
        raise AwsError(
            "InvalidParameterCombination",
            "The parameter instancesSet cannot be used with the parameter maxResults",
        )
    predicate = _INSTANCE_FILTERS.predicate(req.get("Filters"))
    region = ctx.ec2
    found = [(i, _entry(ctx, i)) for i in _candidates(ctx, req)]
    if predicate is not None:
        found = [(i, e) for i, e in found if predicate(_Row(i, _cached_view(region, i, e), region))]
    page, token = paginate(found, req)
    return {
        "Reservations": reservations(ctx.account_id, ((i, _cached_xml(region, i, e)) for i, e in page)),
        "NextToken": token,
    }
