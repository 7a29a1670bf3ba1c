"""VPCs and subnets: CIDR validation, quotas, and the plans of the operations on them.

A new VPC is authorized on ``vpc/*`` with the request's tags; a new subnet on ``subnet/*`` (with
ec2:Vpc and ec2:AvailabilityZone) and on its VPC; the other operations on the VPC or subnet they
name (an association id: on its VPC or subnet; ``*`` when it doesn't resolve), ModifyVpcAttribute
and ModifySubnetAttribute with ec2:Attribute and ec2:Attribute/NAME.

CIDR rules (VPC User Guide, "VPC CIDR blocks"): IPv4 blocks of a VPC or subnet are /16 to /28;
a subnet lies in one of its VPC's blocks and overlaps no other subnet; a VPC has up to 5 IPv4 blocks,
the secondary ones from the primary's private range or publicly routable; IPv6: an Amazon-provided
/56 per VPC and a /64 of it per subnet.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ec2sim.api.authorization import Check, Plan
from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.authz import Keys, arn, creating, resource_check, unresolved
from ec2sim.api.ec2.common import find_ids
from ec2sim.api.errors import AwsError
from ec2sim.store.ec2.geography import Zone
from ec2sim.store.ec2.network import CidrAssociation, Subnet, Vpc
from ec2sim.store.ec2.region import Ec2Region
from ec2sim.store.resources import SUBNET, VPC, ResourceType

MAX_VPCS = 5  # per region, the default VPC included
MAX_SUBNETS = 200  # per VPC
MAX_VPC_IPV4_BLOCKS = 5  # the primary included
MAX_VPC_IPV6_BLOCKS = 1
SMALLEST, LARGEST = 28, 16  # prefix lengths of a VPC's or subnet's IPv4 block
VPC_IPV6_PREFIX, SUBNET_IPV6_PREFIX = 56, 64
AMAZON_POOL = "Amazon"

# The private ranges a VPC's secondary blocks may not mix (VPC User Guide, "IPv4 CIDR block
# association restrictions"): a block from one of them only joins a primary from the same one (or
# publicly routable blocks); 198.19.0.0/16 is treated as a range of its own.
_RANGES = tuple(
    ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "198.19.0.0/16")
)
# Assumed: blocks no VPC may use (this network, loopback, link-local, multicast, reserved) are
# refused as InvalidVpc.Range, like a block of the wrong size.
_UNUSABLE = tuple(
    ipaddress.IPv4Network(n)
    for n in ("0.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "224.0.0.0/4", "240.0.0.0/4")
)


def invalid_cidr(code: str, cidr: str) -> AwsError:
    return AwsError(code, f"The CIDR '{cidr}' is invalid.")


def parse_ipv4(cidr: str, parameter: str = "cidrBlock") -> ipaddress.IPv4Network:
    """An IPv4 network in ``a.b.c.d/n`` form (host bits clear: assumed refused like any malformed
    block, as EC2 answers an address that is no network's)."""
    address, slash, prefix = cidr.partition("/")
    try:
        if not (slash and prefix.isascii() and prefix.isdigit() and address.isascii()):
            raise ValueError(cidr)
        return ipaddress.IPv4Network(cidr, strict=True)
    except ValueError:
        raise AwsError(
            "InvalidParameterValue",
            f"Value ({cidr}) for parameter {parameter} is invalid. This is not a valid CIDR block.",
        ) from None


def parse_ipv6(cidr: str, parameter: str = "ipv6CidrBlock") -> ipaddress.IPv6Network:
    address, slash, prefix = cidr.partition("/")
    try:
        if not (slash and prefix.isascii() and prefix.isdigit() and address.isascii()):
            raise ValueError(cidr)
        return ipaddress.IPv6Network(cidr, strict=True)
    except ValueError:
        raise AwsError(
            "InvalidParameterValue",
            f"Value ({cidr}) for parameter {parameter} is invalid. This is not a valid IPv6 CIDR block.",
        ) from None


def vpc_block(cidr: str) -> ipaddress.IPv4Network:
    """A VPC's IPv4 block: well formed, /16 to /28, usable."""
    network = parse_ipv4(cidr)
    if not LARGEST <= network.prefixlen <= SMALLEST or any(network.overlaps(u) for u in _UNUSABLE):
        raise invalid_cidr("InvalidVpc.Range", cidr)
    return network


def _range_of(network: ipaddress.IPv4Network) -> ipaddress.IPv4Network | None:
    return next((r for r in _RANGES if network.overlaps(r)), None)


def check_secondary(vpc: Vpc, cidr: str) -> ipaddress.IPv4Network:
    """A secondary IPv4 block for `vpc`: AWS's range restrictions, no overlap, the quota."""
    network = vpc_block(cidr)
    own = _range_of(ipaddress.IPv4Network(vpc.cidr_block))
    other = _range_of(network)
    if other is not None and other != own:
        # Assumed wording (the code is the one EC2 gives a block it refuses for the VPC).
        raise AwsError(
            "InvalidVpc.Range",
            f"The CIDR '{cidr}' is restricted. Use a CIDR from the same private address range as the "
            "current CIDR range, or use a publicly-routable CIDR.",
        )
    if any(network.overlaps(n) for n in vpc.networks()):
        # Assumed wording: EC2's CidrConflict code, for a block overlapping one of the VPC's.
        raise AwsError("CidrConflict", f"The CIDR '{cidr}' conflicts with another CIDR block of the VPC.")
    if len(vpc.cidr_associations) >= MAX_VPC_IPV4_BLOCKS:
        raise cidr_limit(vpc.id, MAX_VPC_IPV4_BLOCKS)
    return network


def cidr_limit(owner_id: str, limit: int) -> AwsError:
    return AwsError(
        "CidrLimitExceeded", f"This network '{owner_id}' has met its maximum number of allowed CIDRs: {limit}"
    )


def amazon_ipv6_block(region: Ec2Region) -> CidrAssociation:
    """An Amazon-provided /56 (from 2600:1f00::/24, where AWS's VPC blocks come from), advertised
    from the region; random like every new id, so unique in practice."""
    digits = region.ids.hex_id("ipv6", 8).removeprefix("ipv6-")
    block = f"2600:1f{digits[:2]}:{digits[2:6]}:{digits[6:]}00::/56"
    return CidrAssociation(region.ids.hex_id("vpc-cidr-assoc"), block, AMAZON_POOL, region.name)


def check_vpc_quota(region: Ec2Region) -> None:
    if len(region.vpcs) >= MAX_VPCS:
        raise AwsError("VpcLimitExceeded", "The maximum number of VPCs has been reached.")


def find_zone(region: Ec2Region, name: str | None, zone_id: str | None) -> Zone | None:
    """The zone a request names (by name, else id; None: neither), or AWS's error."""
    given = name or zone_id
    if not given:
        return None
    zone = region.zone(given)
    if zone is None:
        parameter = "availabilityZone" if name else "availabilityZoneId"
        names = ", ".join(z.name for z in region.zones)
        raise AwsError(
            "InvalidParameterValue",
            f"Value ({given}) for parameter {parameter} is invalid. Subnets can currently only be "
            f"created in the following availability zones: {names}.",
        )
    return zone


def check_subnet_block(region: Ec2Region, vpc: Vpc, cidr: str) -> ipaddress.IPv4Network:
    """A new subnet's IPv4 block: /16 to /28 inside one of the VPC's blocks, overlapping no subnet."""
    network = parse_ipv4(cidr)
    inside = any(network.subnet_of(n) for n in vpc.networks())
    if not LARGEST <= network.prefixlen <= SMALLEST or not inside:
        raise invalid_cidr("InvalidSubnet.Range", cidr)
    for other in region.subnets.where("vpc_id", vpc.id):
        if other.cidr_block and network.overlaps(other.network):
            raise AwsError("InvalidSubnet.Conflict", f"The CIDR '{cidr}' conflicts with another subnet")
    return network


def check_subnet_ipv6(region: Ec2Region, vpc: Vpc, cidr: str, subnet: Subnet | None = None) -> str:
    """A subnet's IPv6 block: a /64 of its VPC's IPv6 blocks, used by no other subnet of the VPC."""
    network = parse_ipv6(cidr)
    blocks = [ipaddress.IPv6Network(a.cidr_block) for a in vpc.ipv6_associations]
    if network.prefixlen != SUBNET_IPV6_PREFIX or not any(network.subnet_of(b) for b in blocks):
        raise invalid_cidr("InvalidSubnet.Range", cidr)
    for other in region.subnets.where("vpc_id", vpc.id):
        if other is not subnet and any(
            network.overlaps(ipaddress.IPv6Network(a.cidr_block)) for a in other.ipv6_associations
        ):
            raise AwsError("InvalidSubnet.Conflict", f"The CIDR '{cidr}' conflicts with another subnet")
    return str(network)


# Plans ------------------------------------------------------------------------------------------


@dataclass
class NewVpcPlan(Plan):
    """CreateVpc: the new VPC's primary block, whether it gets an IPv6 block, and its tags."""

    req: Mapping[str, Any]
    cidr_block: str = ""
    tenancy: str = "default"
    ipv6: bool = False
    tags: dict[str, str] = field(default_factory=dict)

    def checks(self, ctx: RequestContext) -> Iterator[Check]:
        return creating(ctx, "ec2:CreateVpc", "vpc", self.req)


@dataclass
class NewSubnetPlan(Plan):
    """CreateSubnet: the VPC (None: it doesn't resolve), zone, blocks and tags of the new subnet."""

    req: Mapping[str, Any]
    vpc: Vpc | None = None
    zone: Zone | None = None
    cidr_block: str = ""
    ipv6_block: str = ""
    tags: dict[str, str] = field(default_factory=dict)

    def checks(self, ctx: RequestContext) -> Iterator[Check]:
        vpc_id = str(self.req.get("VpcId") or "*")
        keys: Keys = {"ec2:Vpc": arn(ctx, "vpc", vpc_id)}
        if self.zone is not None:
            keys["ec2:AvailabilityZone"] = self.zone.name
        yield from creating(ctx, "ec2:CreateSubnet", "subnet", self.req, keys)
        if self.vpc is not None:
            yield resource_check(ctx, "ec2:CreateSubnet", self.vpc)
        else:
            yield unresolved(ctx, "ec2:CreateSubnet", "vpc", vpc_id)


@dataclass
class ResourcePlan(Plan):
    """An operation on one existing VPC or subnet (`kind`): it, or the id its ARN names when it
    doesn't resolve; `keys`: the request's own condition keys (ec2:Attribute...)."""

    kind: str
    named: str
    resource: Any = None
    keys: Keys = field(default_factory=dict)
    association: CidrAssociation | None = None  # the block a Disassociate request names
    value: Any = None  # what the operation sets (an attribute's new value, a new block)

    def checks(self, ctx: RequestContext) -> Iterator[Check]:
        action = f"ec2:{ctx.action}"
        if self.resource is None:
            yield unresolved(ctx, action, self.kind, self.named)
            return
        check = resource_check(ctx, action, self.resource)
        yield Check(check.action, check.resource, {**check.context, **self.keys})


Step = Callable[[RequestContext, Any, ResourcePlan], None]


def resolver(rtype: ResourceType, id_key: str, step: Step) -> Callable[[RequestContext, Any], ResourcePlan]:
    """The resolver of an operation on the VPC or subnet `id_key` names, then `step` on it."""

    def resolve(ctx: RequestContext, req: Any) -> ResourcePlan:
        named = str(req.get(id_key) or "")
        plan = ResourcePlan(rtype.name, named or "*")
        try:
            plan.resource = find_ids(getattr(ctx.ec2, rtype.table), [named], rtype)[0]
            step(ctx, req, plan)
        except AwsError as error:
            plan.fail(error)
        return plan

    return resolve


# Association id prefix → (its owner's type, NotFound code, message). Assumed wordings.
_ASSOCIATIONS: dict[str, tuple[ResourceType, str, str]] = {
    "vpc-cidr-assoc": (
        VPC,
        "InvalidVpcCidrBlockAssociationID.NotFound",
        "The vpc CIDR block association ID '{id}' does not exist",
    ),
    "subnet-cidr-assoc": (
        SUBNET,
        "InvalidSubnetCidrBlockAssociationID.NotFound",
        "The subnet CIDR block with association ID '{id}' does not exist",
    ),
}


def association_resolver(prefix: str, step: Step) -> Callable[[RequestContext, Any], ResourcePlan]:
    """The resolver of a Disassociate… request: the block its AssociationId names and its owner
    (an unknown id: checked on ``TYPE/*``)."""
    rtype, code, message = _ASSOCIATIONS[prefix]

    def resolve(ctx: RequestContext, req: Any) -> ResourcePlan:
        association_id = str(req.get("AssociationId") or "")
        plan = ResourcePlan(rtype.name, "*")
        owner: Any = None
        if association_id.startswith(f"{prefix}-"):
            owner = getattr(ctx.ec2, rtype.table).get(ctx.ec2.cidr_associations.get(association_id, ""))
        blocks: Sequence[CidrAssociation] = ()
        if owner is not None:
            blocks = [*getattr(owner, "cidr_associations", ()), *owner.ipv6_associations]
        plan.association = next((a for a in blocks if a.association_id == association_id), None)
        if plan.association is None:
            plan.fail(AwsError(code, message.format(id=association_id)))
            return plan
        plan.resource, plan.named = owner, owner.id if owner is not None else "*"
        try:
            step(ctx, req, plan)
        except AwsError as error:
            plan.fail(error)
        return plan

    return resolve


def attribute_keys(wire_name: str, value: Any) -> Keys:
    """ec2:Attribute and ec2:Attribute/NAME of a Modify…Attribute request (booleans as
    condition keys carry them)."""
    text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return {"ec2:Attribute": wire_name, f"ec2:Attribute/{wire_name}": text}


def one_change(req: Mapping[str, Any], members: Mapping[str, str]) -> tuple[str, Any]:
    """The one (request member, value) a Modify…Attribute request sets (EC2 modifies one attribute
    per request); members whose values are ``{"Value": …}`` structures are unwrapped."""
    changes = [(m, req[m]) for m in members if req.get(m) is not None]
    if not changes:
        raise AwsError("InvalidParameterCombination", "No attributes specified.")
    if len(changes) > 1:
        raise AwsError("InvalidParameterCombination", "Fields for multiple attribute types specified")
    member, value = changes[0]
    if isinstance(value, Mapping):
        value = value.get("Value")
        if value is None:
            raise AwsError(
                "MissingParameter", f"The request must contain the parameter {members[member]}.Value"
            )
    return member, value
