"""The metadata category tree, as data: nested mappings with a function per leaf.

A node is one of:
- a leaf: ``fn(ctx) -> str | bytes | None`` (None: absent, 404; bytes: served as
  application/octet-stream);
- a static directory: a ``dict`` of name → node;
- a `Dir`: ``fn(ctx) -> dict | None``, a directory whose entries depend on the
  instance (MACs, tags, the role), absent when None.

Listing a static directory leaves out entries that are absent right now (so it
evaluates its leaves, all cheap); the entries a `Dir` returns are listed as they
are, without evaluating them, so listing ``security-credentials/`` never issues
credentials. Sub-directories are listed with a trailing ``/``, as IMDS does.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Union

from ec2sim.metadata.credentials import (
    RoleCredentialCache,
    identity_role,
    imds_json,
    iso,
)
from ec2sim.metadata.identity import Signer, document
from ec2sim.store.ec2.instances import private_dns_name, vpc_public_dns_name
from ec2sim.store.ec2.interface_registry import instance_interfaces, public_ip

if TYPE_CHECKING:
    from ec2sim.store.ec2.instances import IamProfileAssociation, Instance
    from ec2sim.store.ec2.network import NetworkInterface
    from ec2sim.store.ec2.region import Ec2Region
    from ec2sim.store.iam.account import IamAccount
    from ec2sim.store.iam.entities import Role

Value = str | bytes | None
Leaf = Callable[["Context"], Value]
Node = Union[Leaf, "Dir", Mapping[str, "Node"]]

# Credentials are served while software can run on the instance.
_CREDENTIAL_STATES = frozenset({"pending", "running", "stopping"})


@dataclass
class Context:
    """One request's view: the instance, its region, emulated now and the app's services."""

    region: Ec2Region
    instance: Instance
    iam: IamAccount
    now: datetime
    delivery: str  # ec2:RoleDelivery: "1.0" (IMDSv1) or "2.0" (IMDSv2)
    credentials: RoleCredentialCache
    signer: Signer


@dataclass(frozen=True)
class Dir:
    entries: Callable[[Context], Mapping[str, Node] | None]
    listing: Callable[[Context], str] | None = None  # when the listing differs from the entry names


def resolve(node: Node, segments: list[str], ctx: Context) -> Value:
    """The body at `segments` under `node`: a value, a listing, or None (404)."""
    for segment in segments:
        children = _entries(node, ctx)
        if children is None or segment not in children:
            return None
        node = children[segment]
    if isinstance(node, Dir) and node.listing is not None:
        return node.listing(ctx) if node.entries(ctx) is not None else None
    children = _entries(node, ctx)
    if children is None:
        return node(ctx) if callable(node) and not isinstance(node, Dir) else None
    static = not isinstance(node, Dir)
    return "\n".join(
        name + "/" if _is_directory(child) else name
        for name, child in children.items()
        if not static or _present(child, ctx)
    )


def _entries(node: Node, ctx: Context) -> Mapping[str, Node] | None:
    if isinstance(node, Dir):
        return node.entries(ctx)
    return node if isinstance(node, Mapping) else None


def _is_directory(node: Node) -> bool:
    return isinstance(node, (Dir, Mapping))


def _present(node: Node, ctx: Context) -> bool:
    if isinstance(node, Mapping):
        return True
    if isinstance(node, Dir):
        return node.entries(ctx) is not None
    return node(ctx) is not None


def const(value: str) -> Leaf:
    return lambda ctx: value


def lines(values: list[str]) -> str:
    return "\n".join(values)


# Instance ------------------------------------------------------------------------------


def _user_data(ctx: Context) -> bytes | None:
    if not ctx.instance.user_data:
        return None
    try:
        return base64.b64decode(ctx.instance.user_data)
    except binascii.Error:
        return ctx.instance.user_data.encode()


def _local_hostname(ctx: Context) -> str:
    return private_dns_name(ctx.instance.region, ctx.instance.private_ip_address)


def _public_hostname(ctx: Context) -> str | None:
    vpc = ctx.region.vpcs.get(ctx.instance.vpc_id)
    return vpc_public_dns_name(ctx.instance.region, ctx.instance.public_ip_address, vpc) or None


def _group_names(region: Ec2Region, group_ids: list[str]) -> str:
    groups = (region.security_groups.get(group_id) for group_id in group_ids)
    return lines([group.name for group in groups if group is not None])


def _block_devices(ctx: Context) -> dict[str, Node]:
    root = ctx.instance.root_device_name
    entries: dict[str, Node] = {"ami": const(root)}
    others = [d.device_name for d in ctx.instance.block_devices if d.device_name != root]
    entries.update({f"ebs{n}": const(name.removeprefix("/dev/")) for n, name in enumerate(others, start=1)})
    entries["root"] = const(root)
    return entries


def _public_keys(ctx: Context) -> dict[str, Node] | None:
    pair = _key_pair_line(ctx)
    return None if pair is None else {"0": {"openssh-key": const(pair)}}


def _key_pair_line(ctx: Context) -> str | None:
    name = ctx.instance.key_name
    pair = next(iter(ctx.region.key_pairs.where("name", name)), None) if name else None
    return pair.public_key if pair is not None else None


def _tags(ctx: Context) -> dict[str, Node] | None:
    if ctx.instance.metadata_options.get("InstanceMetadataTags") != "enabled":
        return None
    return {"instance": {key: const(value) for key, value in ctx.instance.tags.items()}}


def _placement(ctx: Context) -> dict[str, Node]:
    zone = ctx.region.zone(ctx.instance.availability_zone)
    return {
        "availability-zone": const(ctx.instance.availability_zone),
        "availability-zone-id": const(zone.zone_id if zone else ""),
        "region": const(ctx.instance.region),
    }


# Network interfaces ----------------------------------------------------------------------


def _primary_mac(ctx: Context) -> str | None:
    eni = ctx.region.network_interfaces.get(ctx.instance.network_interface_id)
    return eni.mac_address if eni is not None else None


def _macs(ctx: Context) -> dict[str, Node]:
    found = instance_interfaces(ctx.region, ctx.instance.id)
    return {eni.mac_address: _interface_tree(ctx, region, eni) for region, eni in found}


def _interface_tree(ctx: Context, region: Ec2Region, eni: NetworkInterface) -> dict[str, Node]:
    """One interface's entries, read afresh on every request (an Elastic IP shows at once), from
    its owner's region (another account's, for an interface attached through INSTANCE-ATTACH)."""
    subnet = region.subnets.get(eni.subnet_id)
    vpc = region.vpcs.get(eni.vpc_id)
    public = {ip: public_ip(region, eni, ip) for ip in eni.private_ips}
    associations = {address: ip for ip, address in public.items() if address}
    tree: dict[str, Node] = {
        "device-number": const(str(eni.device_index)),
        "interface-id": const(eni.id),
        "local-hostname": const(private_dns_name(ctx.instance.region, eni.private_ip_address)),
        "local-ipv4s": const(lines(eni.private_ips)),
        "mac": const(eni.mac_address),
        "owner-id": const(eni.owner_id),
        "security-group-ids": const(lines(eni.group_ids)),
        "security-groups": const(_group_names(region, eni.group_ids)),
        "subnet-id": const(eni.subnet_id),
        "subnet-ipv4-cidr-block": const(subnet.cidr_block if subnet else ""),
        "vpc-id": const(eni.vpc_id),
        "vpc-ipv4-cidr-block": const(vpc.cidr_block if vpc else ""),
        "vpc-ipv4-cidr-blocks": const(lines([a.cidr_block for a in vpc.cidr_associations] if vpc else [])),
    }
    if associations:
        tree["ipv4-associations"] = {address: const(ip) for address, ip in associations.items()}
        tree["public-ipv4s"] = const(lines(list(associations)))
    primary_public = public[eni.private_ip_address]
    if primary_public and vpc is not None and vpc.enable_dns_hostnames:
        tree["public-hostname"] = const(vpc_public_dns_name(ctx.instance.region, primary_public, vpc))
    if eni.ipv6_addresses:
        tree["ipv6s"] = const(lines(eni.ipv6_addresses))
    return dict(sorted(tree.items()))


# IAM -------------------------------------------------------------------------------------


def _role(ctx: Context) -> Role | None:
    """The role of the instance's profile, if it has a profile that has a role."""
    association = ctx.instance.iam_profile
    profile = ctx.iam.find_instance_profile(association.profile_arn) if association else None
    if profile is None or not profile.role_names:
        return None
    return ctx.iam.roles.get(profile.role_names[0])


def _iam(ctx: Context) -> dict[str, Node] | None:
    role, association = _role(ctx), ctx.instance.iam_profile
    if role is None or association is None:
        return None
    return {
        "info": lambda c: _profile_info(association),  # rendered only when asked for
        "security-credentials": Dir(lambda c: {role.name: _role_credentials}),
    }


def _profile_info(association: IamProfileAssociation) -> str:
    return imds_json(
        {
            "Code": "Success",
            "LastUpdated": iso(association.timestamp),
            "InstanceProfileArn": association.profile_arn,
            "InstanceProfileId": association.profile_id,
        }
    )


def _role_credentials(ctx: Context) -> str | None:
    role = _role(ctx)
    if role is None or ctx.instance.state not in _CREDENTIAL_STATES:
        return None
    return ctx.credentials.document(ctx.credentials.current(ctx.instance, role, ctx.now, ctx.delivery))


def _identity_credentials(ctx: Context) -> str | None:
    if ctx.instance.state not in _CREDENTIAL_STATES:
        return None
    credential = ctx.credentials.current(ctx.instance, identity_role(ctx.instance), ctx.now, ctx.delivery)
    return ctx.credentials.document(credential)


def _identity_info(ctx: Context) -> str:
    return imds_json(
        {"Code": "Success", "LastUpdated": iso(ctx.instance.launch_time), "AccountId": ctx.instance.owner_id}
    )


# The tree --------------------------------------------------------------------------------

META_DATA: dict[str, Node] = {
    "ami-id": lambda c: c.instance.image_id,
    "ami-launch-index": lambda c: str(c.instance.ami_launch_index),
    "ami-manifest-path": const("(unknown)"),
    "block-device-mapping": Dir(_block_devices),
    "events": {"maintenance": {"history": const("[]"), "scheduled": const("[]")}},
    "hostname": _local_hostname,
    "iam": Dir(_iam),
    "identity-credentials": {
        "ec2": {
            "info": _identity_info,
            "security-credentials": Dir(lambda c: {"ec2-instance": _identity_credentials}),
        }
    },
    "instance-action": const("none"),
    "instance-id": lambda c: c.instance.id,
    "instance-life-cycle": const("on-demand"),
    "instance-type": lambda c: c.instance.instance_type,
    "local-hostname": _local_hostname,
    "local-ipv4": lambda c: c.instance.private_ip_address,
    "mac": _primary_mac,
    "network": {"interfaces": {"macs": Dir(_macs)}},
    "placement": Dir(_placement),
    "profile": const("default-hvm"),
    "public-hostname": _public_hostname,
    "public-ipv4": lambda c: c.instance.public_ip_address,
    "public-keys": Dir(_public_keys, lambda c: f"0={c.instance.key_name}"),
    "reservation-id": lambda c: c.instance.reservation_id,
    "security-groups": lambda c: _group_names(c.region, c.instance.group_ids),
    "services": {"domain": const("amazonaws.com"), "partition": const("aws")},
    "tags": Dir(_tags),
}

DYNAMIC: dict[str, Node] = {
    "instance-identity": {
        "document": lambda c: document(c.instance),
        "pkcs7": lambda c: c.signer.pkcs7(document(c.instance)),
        "rsa2048": lambda c: c.signer.pkcs7(document(c.instance)),
        "signature": lambda c: c.signer.signature(document(c.instance)),
    },
}

_VERSION_ENTRIES: dict[str, Node] = {"dynamic": DYNAMIC, "meta-data": META_DATA, "user-data": _user_data}


def _version_listing(ctx: Context) -> str:
    """``/latest/`` lists its entries without the trailing ``/`` (an old IMDS quirk)."""
    return lines([name for name, node in _VERSION_ENTRIES.items() if _present(node, ctx)])


VERSION = Dir(lambda c: _VERSION_ENTRIES, _version_listing)
