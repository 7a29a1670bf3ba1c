"""Network interfaces as boto3 shows them (DescribeNetworkInterfaces, and an instance's
NetworkInterfaces), with the public address of each private one, and DescribeNetworkInterfaces'
filters."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ec2sim.api.authorization import NO_RESOURCES
from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.common import find_ids, tag_list
from ec2sim.api.ec2.filters import FilterSet
from ec2sim.api.ec2.paging import paginate
from ec2sim.api.registry import ec2_action
from ec2sim.store.ec2.instances import private_dns_name, vpc_public_dns_name
from ec2sim.store.ec2.interface_registry import elastic_ip_at
from ec2sim.store.ec2.managed_interfaces import SERVICE_OWNER
from ec2sim.store.ec2.network import NetworkInterface
from ec2sim.store.ec2.region import Ec2Region
from ec2sim.store.resources import NETWORK_INTERFACE

if TYPE_CHECKING:
    from types_boto3_ec2.type_defs import DescribeNetworkInterfacesRequestTypeDef


def association(region: Ec2Region, eni: NetworkInterface, private_ip: str) -> dict[str, Any] | None:
    """The public side of one private address: its Elastic IP, else Amazon's auto-assigned one."""
    found = elastic_ip_at(region, eni, private_ip)
    address = found[1] if found is not None else None
    vpc = region.vpcs.get(eni.vpc_id)
    if address is not None:
        return {
            "AllocationId": address.id,
            "AssociationId": address.association_id,
            "IpOwnerId": address.owner_id,
            "PublicIp": address.public_ip,
            "PublicDnsName": vpc_public_dns_name(region.name, address.public_ip, vpc),
        }
    if eni.public_ip and private_ip == eni.private_ip_address:
        return {
            "IpOwnerId": "amazon",
            "PublicIp": eni.public_ip,
            "PublicDnsName": vpc_public_dns_name(region.name, eni.public_ip, vpc),
        }
    return None


def _groups(region: Ec2Region, group_ids: Sequence[str]) -> list[dict[str, str]]:
    groups = (region.security_groups.get(gid) for gid in group_ids)
    return [{"GroupId": g.id, "GroupName": g.name} for g in groups if g is not None]


def _private_ips(region: Ec2Region, eni: NetworkInterface, public_side: bool) -> list[dict[str, Any]]:
    """Each private address with its public side (`public_side`: without the allocation and
    association ids, as an instance's interfaces show it)."""
    rows = []
    for ip in eni.private_ips:
        public = association(region, eni, ip)
        rows.append(
            {
                "Primary": ip == eni.private_ip_address,
                "PrivateIpAddress": ip,
                "PrivateDnsName": private_dns_name(region.name, ip),
                "Association": _public_side(public) if public_side else public,
            }
        )
    return rows


def attachment(region: Ec2Region, eni: NetworkInterface) -> dict[str, Any] | None:
    if eni.requester_managed and eni.attachment_id:
        return _service_attachment(eni)
    if eni.instance_id is None:
        return None
    instance = region.instances.get(eni.instance_id)
    return {
        "AttachmentId": eni.attachment_id,
        "AttachTime": eni.attach_time or (instance.launch_time if instance is not None else None),
        "DeleteOnTermination": eni.delete_on_termination,
        "DeviceIndex": eni.device_index,
        "NetworkCardIndex": 0,
        "InstanceId": eni.instance_id,
        "InstanceOwnerId": eni.instance_owner_id or region.account_id,
        "Status": "attached",
    }


def _service_attachment(eni: NetworkInterface) -> dict[str, Any]:
    """A requester-managed interface's attachment as AWS shows it: the service's (``ela-attach-``),
    owned by ``amazon-aws``, without an instance or attach time."""
    return {
        "AttachmentId": eni.attachment_id,
        "DeleteOnTermination": eni.delete_on_termination,
        "DeviceIndex": eni.device_index,
        "InstanceOwnerId": SERVICE_OWNER,
        "Status": "attached",
    }


def _common(
    region: Ec2Region,
    eni: NetworkInterface,
    private_ips: list[dict[str, Any]],
    attached: dict[str, Any] | None,
) -> dict[str, Any]:
    """What DescribeNetworkInterfaces and an instance's NetworkInterfaces both show."""
    primary = private_ips[0]["Association"]  # the primary address comes first
    return {
        "NetworkInterfaceId": eni.id,
        "SubnetId": eni.subnet_id,
        "VpcId": eni.vpc_id,
        "Description": eni.description,
        "Groups": _groups(region, eni.group_ids),
        "InterfaceType": eni.interface_type,
        "Ipv6Addresses": [{"Ipv6Address": a, "IsPrimaryIpv6": False} for a in eni.ipv6_addresses],
        "MacAddress": eni.mac_address,
        "OwnerId": eni.owner_id,
        "PrivateDnsName": private_ips[0]["PrivateDnsName"],
        "PrivateIpAddress": eni.private_ip_address,
        "PrivateIpAddresses": private_ips,
        "Association": dict(primary) if primary is not None else None,
        "Attachment": attached,
        "SourceDestCheck": eni.source_dest_check,
        "Status": eni.status,
    }


def eni_item(region: Ec2Region, eni: NetworkInterface) -> dict[str, Any]:
    """The interface as DescribeNetworkInterfaces shows it."""
    zone = region.zone(eni.availability_zone)
    item = _common(region, eni, _private_ips(region, eni, public_side=False), attachment(region, eni))
    item["AvailabilityZone"] = eni.availability_zone
    item["AvailabilityZoneId"] = zone.zone_id if zone else None
    item["RequesterManaged"] = eni.requester_managed
    item["RequesterId"] = eni.requester_id
    item["TagSet"] = tag_list(eni.tags)
    return item


def instance_interface_item(region: Ec2Region, eni: NetworkInterface) -> dict[str, Any]:
    """The interface as an instance's NetworkInterfaces show it."""
    attached = attachment(region, eni)
    if attached is not None:
        attached = {k: v for k, v in attached.items() if k not in _ATTACHMENT_ONLY}
    return _common(region, eni, _private_ips(region, eni, public_side=True), attached)


# What DescribeNetworkInterfaces shows that an instance's interfaces don't.
_ATTACHMENT_ONLY = ("InstanceId", "InstanceOwnerId")
_ASSOCIATION_ONLY = ("AllocationId", "AssociationId")


def _public_side(association: dict[str, Any] | None) -> dict[str, Any] | None:
    if association is None:
        return None
    return {k: v for k, v in association.items() if k not in _ASSOCIATION_ONLY}


# DescribeNetworkInterfaces -----------------------------------------------------------------------


class _Row:
    """An interface and its item, as the filters see them."""

    def __init__(self, eni: NetworkInterface, item: dict[str, Any]) -> None:
        self.id, self.tags, self.eni, self.item = eni.id, eni.tags, eni, item


def _part(*path: str) -> Any:
    def extract(row: _Row) -> Any:
        value: Any = row.item
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        return value

    return extract


def _addresses(*path: str) -> Any:
    def extract(row: _Row) -> list[Any]:
        values = []
        for entry in row.item["PrivateIpAddresses"]:
            value: Any = entry
            for key in path:
                value = value.get(key) if isinstance(value, dict) else None
            values.append(value)
        return values

    return extract


_ENI_FILTERS = FilterSet(
    {
        "addresses.association.owner-id": _addresses("Association", "IpOwnerId"),
        "addresses.association.public-ip": _addresses("Association", "PublicIp"),
        "addresses.primary": _addresses("Primary"),
        "addresses.private-ip-address": _addresses("PrivateIpAddress"),
        "association.allocation-id": _part("Association", "AllocationId"),
        "association.association-id": _part("Association", "AssociationId"),
        "association.ip-owner-id": _part("Association", "IpOwnerId"),
        "association.public-ip": _part("Association", "PublicIp"),
        "association.public-dns-name": _part("Association", "PublicDnsName"),
        "attachment.attachment-id": _part("Attachment", "AttachmentId"),
        "attachment.attach-time": _part("Attachment", "AttachTime"),
        "attachment.delete-on-termination": _part("Attachment", "DeleteOnTermination"),
        "attachment.device-index": _part("Attachment", "DeviceIndex"),
        "attachment.instance-id": _part("Attachment", "InstanceId"),
        "attachment.instance-owner-id": _part("Attachment", "InstanceOwnerId"),
        "attachment.status": _part("Attachment", "Status"),
        "availability-zone": lambda r: r.eni.availability_zone,
        "availability-zone-id": _part("AvailabilityZoneId"),
        "description": lambda r: r.eni.description,
        "group-id": lambda r: r.eni.group_ids,
        "group-name": lambda r: [g["GroupName"] for g in r.item["Groups"]],
        "ipv6-addresses.ipv6-address": lambda r: r.eni.ipv6_addresses,
        "interface-type": lambda r: r.eni.interface_type,
        "mac-address": lambda r: r.eni.mac_address,
        "owner-id": lambda r: r.eni.owner_id,
        "private-dns-name": _part("PrivateDnsName"),
        "private-ip-address": lambda r: r.eni.private_ip_address,
        "requester-id": lambda r: r.eni.requester_id,
        "requester-managed": lambda r: r.eni.requester_managed,
        "source-dest-check": lambda r: r.eni.source_dest_check,
        "status": lambda r: r.eni.status,
        "subnet-id": lambda r: r.eni.subnet_id,
        "vpc-id": lambda r: r.eni.vpc_id,
    },
    NETWORK_INTERFACE,
)
# Filters answered by an index instead of a scan: (filter, indexed attribute).
_INDEXED = (("attachment.instance-id", "instance_id"), ("subnet-id", "subnet_id"))


def _candidates(ctx: RequestContext, req: DescribeNetworkInterfacesRequestTypeDef) -> list[NetworkInterface]:
    table, filters = ctx.ec2.network_interfaces, req.get("Filters")
    if req.get("NetworkInterfaceIds"):
        return find_ids(table, req["NetworkInterfaceIds"], NETWORK_INTERFACE)
    ids = _ENI_FILTERS.ids(filters)
    if ids is not None:
        return [e for e in map(table.get, dict.fromkeys(ids)) if e is not None]
    for name, attribute in _INDEXED:
        values = _ENI_FILTERS.values(filters, name)
        if values is not None:
            return [e for v in dict.fromkeys(values) for e in table.where(attribute, v)]
    return list(table)


@ec2_action("DescribeNetworkInterfaces", resolve=NO_RESOURCES)
def describe_network_interfaces(
    ctx: RequestContext, req: DescribeNetworkInterfacesRequestTypeDef
) -> dict[str, Any]:
    predicate = _ENI_FILTERS.predicate(req.get("Filters"))
    rows = [_Row(e, eni_item(ctx.ec2, e)) for e in _candidates(ctx, req)]
    page, token = paginate([r for r in rows if predicate is None or predicate(r)], req)
    return {"NetworkInterfaces": [r.item for r in page], "NextToken": token}
