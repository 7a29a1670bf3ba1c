"""Network ACLs: create, delete, describe, their entries, and which one a subnet uses.

Every VPC has a default ACL (rule 100 allows everything, rule 32767 denies the rest, each way);
every subnet is associated with exactly one ACL, its VPC's default until replaced. A new ACL has
only the catch-all deny rules. Entries are numbered 1 to 32766 per direction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ec2sim.api.authorization import NO_RESOURCES
from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.common import dependency_violation, tag_list
from ec2sim.api.ec2.filters import FilterSet
from ec2sim.api.ec2.network_plans import (
    NetPlan,
    missing,
    need,
    net_resolver,
    plan_in_vpc,
    token_fields,
)
from ec2sim.api.ec2.routes import cidr
from ec2sim.api.ec2.vpcs import describe_resources
from ec2sim.api.errors import AwsError
from ec2sim.api.registry import ec2_action
from ec2sim.store.ec2.region import Ec2Region
from ec2sim.store.ec2.routing import (
    ALL_PROTOCOLS,
    LAST_RULE,
    AclEntry,
    NetworkAcl,
    NetworkAclAssociation,
    last_entries,
)
from ec2sim.store.resources import NETWORK_ACL, SUBNET

if TYPE_CHECKING:
    from types_boto3_ec2.type_defs import (
        CreateNetworkAclEntryRequestTypeDef,
        CreateNetworkAclRequestTypeDef,
        DeleteNetworkAclEntryRequestTypeDef,
        DeleteNetworkAclRequestTypeDef,
        DescribeNetworkAclsRequestTypeDef,
        ReplaceNetworkAclAssociationRequestTypeDef,
        ReplaceNetworkAclEntryRequestTypeDef,
    )

    EntryRequest = (
        CreateNetworkAclEntryRequestTypeDef
        | ReplaceNetworkAclEntryRequestTypeDef
        | DeleteNetworkAclEntryRequestTypeDef
    )

MAX_ACLS = 200  # per VPC, AWS's default quota
MAX_ENTRIES = 20  # per direction, besides the catch-all rule (AWS's default quota)
_PROTOCOLS = {"tcp": "6", "udp": "17", "icmp": "1", "icmpv6": "58", "all": ALL_PROTOCOLS}
_PORTED = ("6", "17")
_ICMP = ("1", "58")
RULE_ACTIONS = ("allow", "deny")


# Entries --------------------------------------------------------------------------------------


def _invalid(value: object, parameter: str, why: str) -> AwsError:
    return AwsError("InvalidParameterValue", f"Value ({value}) for parameter {parameter} is invalid. {why}")


def _rule_number(value: Any) -> int:
    if not isinstance(value, int) or not 1 <= value <= LAST_RULE - 1:
        # Assumed wording: EC2 keeps 32767 for the catch-all rule.
        raise _invalid(value, "ruleNumber", f"Valid values: 1 to {LAST_RULE - 1}.")
    return value


def _protocol(raw: Any) -> str:
    text = str(raw).lower() if raw is not None else ""
    text = _PROTOCOLS.get(text, text)
    if text == ALL_PROTOCOLS:
        return text
    if not text.isdigit() or not 0 <= int(text) <= 255:
        raise _invalid(
            raw, "protocol", "Valid values: -1, tcp, udp, icmp, icmpv6, or a protocol number from 0 to 255."
        )
    return str(int(text))


def _range(low: Any, high: Any, bottom: int, parameter: str) -> tuple[int, int]:
    for value in (low, high):
        if not isinstance(value, int) or not bottom <= value <= (65535 if bottom == 0 else 255):
            raise _invalid(value, parameter, "It is out of range.")
    return low, high


def entry_of(req: CreateNetworkAclEntryRequestTypeDef | ReplaceNetworkAclEntryRequestTypeDef) -> AclEntry:
    """The entry a request describes, validated (AWS's wording where known, else assumed)."""
    rule = _rule_number(req.get("RuleNumber"))
    protocol = _protocol(req.get("Protocol"))
    action = req.get("RuleAction")
    if action not in RULE_ACTIONS:
        raise _invalid(action, "ruleAction", "Valid values: allow, deny.")
    v4, v6 = req.get("CidrBlock"), req.get("Ipv6CidrBlock")
    if v4 is None and v6 is None:
        raise missing("cidrBlock or ipv6CidrBlock")
    if v4 is not None and v6 is not None:
        raise AwsError(
            "InvalidParameterCombination", "Only one of cidrBlock or ipv6CidrBlock may be specified"
        )
    entry = AclEntry(
        rule,
        bool(req.get("Egress")),
        protocol,
        str(action),
        cidr(v4, 4, "cidrBlock") if v4 is not None else None,
        cidr(v6, 6, "ipv6CidrBlock") if v6 is not None else None,
    )
    if protocol in _PORTED:
        ports = req.get("PortRange")
        if not ports or ports.get("From") is None or ports.get("To") is None:
            raise missing("portRange")
        entry.port_from, entry.port_to = _range(ports.get("From"), ports.get("To"), 0, "portRange")
        if entry.port_from > entry.port_to:
            raise _invalid(f"{entry.port_from}-{entry.port_to}", "portRange", "From port exceeds to port.")
    elif protocol in _ICMP:
        icmp = req.get("IcmpTypeCode")
        if not icmp or icmp.get("Type") is None or icmp.get("Code") is None:
            raise missing("icmpTypeCode")
        entry.icmp_type, entry.icmp_code = _range(icmp.get("Type"), icmp.get("Code"), -1, "icmpTypeCode")
    return entry


def _acl(ctx: RequestContext, req: Any, plan: NetPlan) -> NetworkAcl:
    acl_id = req.get("NetworkAclId")
    found = plan.look(ctx.ec2.network_acls, NETWORK_ACL, acl_id)
    acl = plan.values["acl"] = need(found, NETWORK_ACL, acl_id, "networkAclId")
    return acl


def _not_found(rule: int) -> AwsError:
    # Assumed: worded as AWS's NetworkAclEntryAlreadyExists ("The network acl entry identified by 100 ...").
    return AwsError(
        "InvalidNetworkAclEntry.NotFound", f"The network acl entry identified by {rule} does not exist."
    )


def _plan_create_entry(ctx: RequestContext, req: CreateNetworkAclEntryRequestTypeDef, plan: NetPlan) -> None:
    acl = _acl(ctx, req, plan)
    entry = plan.values["entry"] = entry_of(req)
    if acl.entry(entry.rule_number, entry.egress) is not None:
        raise AwsError(
            "NetworkAclEntryAlreadyExists",
            f"The network acl entry identified by {entry.rule_number} already exists.",
        )
    if sum(1 for e in acl.entries if e.egress == entry.egress and e.rule_number != LAST_RULE) >= MAX_ENTRIES:
        raise AwsError(
            "NetworkAclEntryLimitExceeded", "The maximum number of network acl entries has been reached."
        )


def _plan_replace_entry(
    ctx: RequestContext, req: ReplaceNetworkAclEntryRequestTypeDef, plan: NetPlan
) -> None:
    acl = _acl(ctx, req, plan)
    entry = plan.values["entry"] = entry_of(req)
    if acl.entry(entry.rule_number, entry.egress) is None:
        raise _not_found(entry.rule_number)


def _plan_delete_entry(ctx: RequestContext, req: DeleteNetworkAclEntryRequestTypeDef, plan: NetPlan) -> None:
    acl = _acl(ctx, req, plan)
    rule, egress = _rule_number(req.get("RuleNumber")), bool(req.get("Egress"))
    if acl.entry(rule, egress) is None:
        raise _not_found(rule)
    plan.values["key"] = (rule, egress)


@ec2_action("CreateNetworkAclEntry", resolve=net_resolver(_plan_create_entry))
def create_network_acl_entry(
    ctx: RequestContext, req: CreateNetworkAclEntryRequestTypeDef, plan: NetPlan
) -> None:
    plan["acl"].set_entry(plan["entry"])


@ec2_action("ReplaceNetworkAclEntry", resolve=net_resolver(_plan_replace_entry))
def replace_network_acl_entry(
    ctx: RequestContext, req: ReplaceNetworkAclEntryRequestTypeDef, plan: NetPlan
) -> None:
    plan["acl"].set_entry(plan["entry"])


@ec2_action("DeleteNetworkAclEntry", resolve=net_resolver(_plan_delete_entry))
def delete_network_acl_entry(
    ctx: RequestContext, req: DeleteNetworkAclEntryRequestTypeDef, plan: NetPlan
) -> None:
    plan["acl"].remove_entry(*plan["key"])


# ACLs and associations ------------------------------------------------------------------------


def _plan_create(ctx: RequestContext, req: CreateNetworkAclRequestTypeDef, plan: NetPlan) -> None:
    quota = AwsError("NetworkAclLimitExceeded", "The maximum number of network ACLs has been reached.")
    plan_in_vpc(ctx, plan, ctx.ec2.network_acls, "network-acl", quota, MAX_ACLS)


def _plan_delete(ctx: RequestContext, req: DeleteNetworkAclRequestTypeDef, plan: NetPlan) -> None:
    acl = _acl(ctx, req, plan)
    if acl.is_default:
        raise AwsError("InvalidParameterValue", f"cannot delete default network ACL {acl.id}")
    if any(ctx.ec2.network_acl_associations.where("network_acl_id", acl.id)):
        raise dependency_violation("networkAcl", acl.id)


def _plan_replace_association(
    ctx: RequestContext, req: ReplaceNetworkAclAssociationRequestTypeDef, plan: NetPlan
) -> None:
    region = ctx.ec2
    association_id = req.get("AssociationId")
    association = region.network_acl_associations.get(association_id) if association_id else None
    if association is not None:
        plan.look(region.subnets, SUBNET, association.subnet_id)
    acl = _acl(ctx, req, plan)
    if not association_id:
        raise missing("associationId")
    if association is None:
        raise AwsError(
            "InvalidAssociationID.NotFound", f"The association ID '{association_id}' does not exist"
        )
    subnet = region.subnets.get(association.subnet_id)
    if subnet is not None and subnet.vpc_id != acl.vpc_id:
        raise AwsError(
            "InvalidParameterValue",
            f"Network ACL {acl.id} and subnet {subnet.id} belong to different networks",
        )
    plan.values["association"] = association


@ec2_action("CreateNetworkAcl", resolve=net_resolver(_plan_create, "network-acl"))
def create_network_acl(
    ctx: RequestContext, req: CreateNetworkAclRequestTypeDef, plan: NetPlan
) -> dict[str, Any]:
    token = req.get("ClientToken")
    acl = plan["earlier"]
    if acl is None:
        acl = NetworkAcl(
            ctx.ec2.ids.hex_id("acl"),
            ctx.account_id,
            plan["vpc"].id,
            False,
            last_entries(),
            **token_fields(req),
            tags=plan.tags,
        )
        ctx.ec2.network_acls.add(acl)
    return {"NetworkAcl": _item(ctx.ec2, acl), "ClientToken": token}


@ec2_action("DeleteNetworkAcl", resolve=net_resolver(_plan_delete))
def delete_network_acl(ctx: RequestContext, req: DeleteNetworkAclRequestTypeDef, plan: NetPlan) -> None:
    ctx.ec2.network_acls.remove(plan["acl"].id)


@ec2_action("ReplaceNetworkAclAssociation", resolve=net_resolver(_plan_replace_association))
def replace_network_acl_association(
    ctx: RequestContext, req: ReplaceNetworkAclAssociationRequestTypeDef, plan: NetPlan
) -> dict[str, Any]:
    """The subnet moves to the new ACL under a new association id, as AWS gives it."""
    region, old = ctx.ec2, plan["association"]
    region.network_acl_associations.remove(old.id)
    new = NetworkAclAssociation(region.ids.hex_id("aclassoc"), plan["acl"].id, old.subnet_id)
    region.network_acl_associations.add(new)
    return {"NewAssociationId": new.id}


# Describe -------------------------------------------------------------------------------------


def _entry_item(entry: AclEntry) -> dict[str, Any]:
    return {
        "RuleNumber": entry.rule_number,
        "Egress": entry.egress,
        "Protocol": entry.protocol,
        "RuleAction": entry.rule_action,
        "CidrBlock": entry.cidr_block,
        "Ipv6CidrBlock": entry.ipv6_cidr_block,
        "IcmpTypeCode": {"Type": entry.icmp_type, "Code": entry.icmp_code}
        if entry.icmp_type is not None
        else None,
        "PortRange": {"From": entry.port_from, "To": entry.port_to} if entry.port_from is not None else None,
    }


def _associations(region: Ec2Region, acl: NetworkAcl) -> list[NetworkAclAssociation]:
    return list(region.network_acl_associations.where("network_acl_id", acl.id))


def _item(region: Ec2Region, acl: NetworkAcl) -> dict[str, Any]:
    return {
        "NetworkAclId": acl.id,
        "VpcId": acl.vpc_id,
        "OwnerId": acl.owner_id,
        "IsDefault": acl.is_default,
        "Entries": [_entry_item(e) for e in acl.entries],
        "Associations": [
            {"NetworkAclAssociationId": a.id, "NetworkAclId": a.network_acl_id, "SubnetId": a.subnet_id}
            for a in _associations(region, acl)
        ],
        "Tags": tag_list(acl.tags),
    }


def _entries(field: str) -> Any:
    return lambda acl: [getattr(e, field) for e in acl.entries]


def _filters(region: Ec2Region) -> FilterSet:
    def associations(acl: NetworkAcl) -> list[NetworkAclAssociation]:
        return _associations(region, acl)

    return FilterSet(
        {
            "association.association-id": lambda a: [x.id for x in associations(a)],
            "association.network-acl-id": lambda a: [x.network_acl_id for x in associations(a)],
            "association.subnet-id": lambda a: [x.subnet_id for x in associations(a)],
            "default": lambda a: a.is_default,
            "entry.cidr": _entries("cidr_block"),
            "entry.ipv6-cidr": _entries("ipv6_cidr_block"),
            "entry.icmp.code": _entries("icmp_code"),
            "entry.icmp.type": _entries("icmp_type"),
            "entry.port-range.from": _entries("port_from"),
            "entry.port-range.to": _entries("port_to"),
            "entry.protocol": _entries("protocol"),
            "entry.rule-action": _entries("rule_action"),
            "entry.egress": _entries("egress"),
            "entry.rule-number": _entries("rule_number"),
            "owner-id": lambda a: a.owner_id,
            "vpc-id": lambda a: a.vpc_id,
        },
        NETWORK_ACL,
    )


@ec2_action("DescribeNetworkAcls", resolve=NO_RESOURCES)
def describe_network_acls(ctx: RequestContext, req: DescribeNetworkAclsRequestTypeDef) -> dict[str, Any]:
    page, token = describe_resources(
        ctx.ec2.network_acls, req, "NetworkAclIds", _filters(ctx.ec2), ("vpc-id", "vpc_id")
    )
    return {"NetworkAcls": [_item(ctx.ec2, a) for a in page], "NextToken": token}
