"""Security groups and their rules.

Requests name rules as IpPermissions (or, for ingress, the legacy flat
IpProtocol/FromPort/ToPort/CidrIp/SourceSecurityGroupName form); they are
validated and normalised here into one IpPermission per protocol and port range,
which the store turns into flat `SecurityGroupRule`s with ``sgr-`` ids.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from ec2sim.api.authorization import NO_RESOURCES, legacy_rule
from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.common import find_ids, tag_list
from ec2sim.api.ec2.filters import FilterSet
from ec2sim.api.ec2.paging import paginate
from ec2sim.api.ec2.tagging import tags_for
from ec2sim.api.errors import AwsError
from ec2sim.api.registry import ec2_action
from ec2sim.store.ec2.network import ALL_PROTOCOLS, PEER_FIELDS, SecurityGroup, SecurityGroupRule
from ec2sim.store.ec2.region import Ec2Region
from ec2sim.store.resources import EC2_TYPES

MAX_TEXT = 255
# Characters EC2 allows in VPC security group names and descriptions.
_VALID_TEXT = re.compile(r"[a-zA-Z0-9 ._\-:/()#,@\[\]+=&;{}!$*]*")
_PROTOCOLS = {
    "tcp": "tcp",
    "6": "tcp",
    "udp": "udp",
    "17": "udp",
    "icmp": "icmp",
    "1": "icmp",
    "icmpv6": "icmpv6",
    "58": "icmpv6",
    ALL_PROTOCOLS: ALL_PROTOCOLS,
}
_NOT_FOUND = "InvalidGroup.NotFound"


def _arn(ctx: RequestContext, kind: str, owner: str, resource_id: str) -> str:
    return EC2_TYPES[kind].arn(ctx.region, owner, resource_id)


# Finding groups ---------------------------------------------------------------------------


def _check_group_id(group_id: str) -> None:
    if not group_id.startswith("sg-"):
        raise AwsError("InvalidGroupId.Malformed", f'Invalid id: "{group_id}" (expecting "sg-...")')


def _by_ids(region: Ec2Region, group_ids: list[str]) -> list[SecurityGroup]:
    for group_id in group_ids:
        _check_group_id(group_id)
    return find_ids(region.security_groups, group_ids, _NOT_FOUND, "security group")


def _by_name(region: Ec2Region, name: str, vpc_id: str) -> SecurityGroup | None:
    return next((g for g in region.security_groups.where("vpc_id", vpc_id) if g.name == name), None)


def _by_default_vpc_name(region: Ec2Region, name: str) -> SecurityGroup:
    """[Default VPC] look-ups by name."""
    group = _by_name(region, name, region.default_vpc_id)
    if group is None:
        raise AwsError(
            _NOT_FOUND, f"The security group '{name}' does not exist in default VPC '{region.default_vpc_id}'"
        )
    return group


def _target(region: Ec2Region, req: dict[str, Any]) -> SecurityGroup:
    """The group a request acts on: GroupId, else GroupName in the default VPC."""
    if req.get("GroupId"):
        return _by_ids(region, [req["GroupId"]])[0]
    if req.get("GroupName"):
        return _by_default_vpc_name(region, req["GroupName"])
    raise AwsError("MissingParameter", "The request must contain the parameter groupName or groupId")


# Create / delete --------------------------------------------------------------------------


def _check_text(value: str, parameter: str) -> None:
    if not value:
        raise AwsError("MissingParameter", f"The request must contain the parameter {parameter}")
    if not value.isascii():
        problem = "Character sets beyond ASCII are not supported."
    elif len(value) > MAX_TEXT:
        problem = f"Length exceeds maximum of {MAX_TEXT}."
    elif not _VALID_TEXT.fullmatch(value):
        problem = "Character set is not supported."
    else:
        return
    raise AwsError(
        "InvalidParameterValue", f"Value ({value}) for parameter {parameter} is invalid. {problem}"
    )


@ec2_action("CreateSecurityGroup", resolve=legacy_rule)
def create_security_group(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    name, description = req["GroupName"], req["Description"]
    _check_text(name, "groupName")
    _check_text(description, "GroupDescription")
    if name.lower().startswith("sg-"):
        raise AwsError("InvalidParameterValue", "Group names may not be in the format sg-*")
    if name.lower() == "default":
        raise AwsError(
            "InvalidGroup.Reserved",
            "The name 'default' is reserved, and cannot be used to create a new security group.",
        )
    vpc_id = req.get("VpcId") or ctx.ec2.default_vpc_id
    if ctx.ec2.vpcs.get(vpc_id) is None:
        raise AwsError("InvalidVpcID.NotFound", f"The vpc ID '{vpc_id}' does not exist")
    if any(g.name.lower() == name.lower() for g in ctx.ec2.security_groups.where("vpc_id", vpc_id)):
        raise AwsError(
            "InvalidGroup.Duplicate", f"The security group '{name}' already exists for VPC '{vpc_id}'"
        )
    tags = tags_for(req.get("TagSpecifications"), "security-group", ("security-group",))
    group = ctx.ec2.add_security_group(vpc_id, name, description)
    ctx.ec2.set_tags(group, tags)
    return {
        "GroupId": group.id,
        "SecurityGroupArn": _arn(ctx, "security-group", group.owner_id, group.id),
        "Tags": tag_list(group.tags) or None,
    }


def _check_deletable(region: Ec2Region, group: SecurityGroup) -> None:
    if group.name == "default":
        raise AwsError(
            "CannotDelete", f'the specified group: "{group.id}" name: "default" cannot be deleted by a user'
        )
    in_use = region.group_in_use(group.id) or any(
        g is not group and g.references(group.id)
        for g in region.security_groups.where("vpc_id", group.vpc_id)
    )
    if in_use:
        raise AwsError("DependencyViolation", f"resource {group.id} has a dependent object")


@ec2_action("DeleteSecurityGroup", resolve=legacy_rule)
def delete_security_group(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    group = _target(ctx.ec2, req)
    _check_deletable(ctx.ec2, group)
    ctx.ec2.remove_security_group(group.id)
    return {"Return": True, "GroupId": group.id}


# Describe ---------------------------------------------------------------------------------


def _ip_permissions(rules: list[SecurityGroupRule]) -> list[dict[str, Any]]:
    """Rules regrouped as AWS shows them: one IpPermission per protocol and port range."""
    grouped: dict[tuple[str, int | None, int | None], dict[str, Any]] = {}
    for rule in rules:
        key = (rule.protocol, rule.from_port, rule.to_port)
        permission = grouped.get(key)
        if permission is None:
            permission = grouped[key] = {
                "IpProtocol": rule.protocol,
                "FromPort": rule.from_port,
                "ToPort": rule.to_port,
                "IpRanges": [],
                "Ipv6Ranges": [],
                "PrefixListIds": [],
                "UserIdGroupPairs": [],
            }
        permission[_peer_member(rule)].append(_peer_entry(rule))
    return list(grouped.values())


def _peer_member(rule: SecurityGroupRule) -> str:
    return next(member for member, (attr, _) in PEER_FIELDS.items() if getattr(rule, attr))


def _peer_entry(rule: SecurityGroupRule) -> dict[str, Any]:
    attr, key = PEER_FIELDS[_peer_member(rule)]
    entry: dict[str, Any] = {key: getattr(rule, attr), "Description": rule.description}
    if attr == "referenced_group_id":
        entry["UserId"] = rule.referenced_user_id
    return entry


def _group_item(ctx: RequestContext, group: SecurityGroup) -> dict[str, Any]:
    return {
        "GroupId": group.id,
        "GroupName": group.name,
        "Description": group.description,
        "OwnerId": group.owner_id,
        "VpcId": group.vpc_id,
        "SecurityGroupArn": _arn(ctx, "security-group", group.owner_id, group.id),
        "IpPermissions": _ip_permissions(list(group.ingress)),
        "IpPermissionsEgress": _ip_permissions(list(group.egress)),
        "Tags": tag_list(group.tags) or None,
    }


def _rule_filters(egress: bool) -> dict[str, Any]:
    prefix = "egress.ip-permission." if egress else "ip-permission."

    def over(attr: str) -> Any:
        return lambda g: [getattr(r, attr) for r in g.rules(egress)]

    return {
        prefix + "cidr": over("cidr_ipv4"),
        prefix + "ipv6-cidr": over("cidr_ipv6"),
        prefix + "prefix-list-id": over("prefix_list_id"),
        prefix + "group-id": over("referenced_group_id"),
        prefix + "group-name": over("referenced_group_name"),
        prefix + "user-id": over("referenced_user_id"),
        prefix + "protocol": over("protocol"),
        prefix + "from-port": over("from_port"),
        prefix + "to-port": over("to_port"),
    }


_GROUP_FILTERS = FilterSet(
    {
        "group-id": lambda g: g.id,
        "group-name": lambda g: g.name,
        "description": lambda g: g.description,
        "vpc-id": lambda g: g.vpc_id,
        "owner-id": lambda g: g.owner_id,
        **_rule_filters(egress=False),
        **_rule_filters(egress=True),
    }
)


def _describe_candidates(region: Ec2Region, req: dict[str, Any]) -> list[SecurityGroup]:
    """The asked-for groups by id (index) and name, else an index hit for a literal filter, else all."""
    ids, names = req.get("GroupIds") or [], req.get("GroupNames") or []
    if ids or names:
        found = {g.id: g for g in _by_ids(region, ids)}
        found.update((g.id, g) for g in (_by_default_vpc_name(region, n) for n in names))
        return list(found.values())
    filters = req.get("Filters")
    group_ids = _GROUP_FILTERS.values(filters, "group-id")
    if group_ids is not None:
        return [g for g in map(region.security_groups.get, dict.fromkeys(group_ids)) if g is not None]
    vpc_ids = _GROUP_FILTERS.values(filters, "vpc-id")
    if vpc_ids is not None:
        return [g for v in dict.fromkeys(vpc_ids) for g in region.security_groups.where("vpc_id", v)]
    return list(region.security_groups)


@ec2_action("DescribeSecurityGroups", resolve=NO_RESOURCES)
def describe_security_groups(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    groups = _GROUP_FILTERS.apply(_describe_candidates(ctx.ec2, req), req.get("Filters"))
    page, token = paginate(groups, req)
    return {"SecurityGroups": [_group_item(ctx, g) for g in page], "NextToken": token}


# Parsing rules ----------------------------------------------------------------------------

MAX_RULES = 60  # per direction, AWS's default quota
_PORT_RANGE = "Invalid value for portRange. Must specify both from and to ports with {}."
_BAD_DESCRIPTION = (
    "Invalid rule description. Valid descriptions are strings less than 256 characters from the "
    "following set:  a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*"
)


def _protocol(raw: str | None) -> str:
    if raw is None:
        raise AwsError("MissingParameter", "The request must contain the parameter ipProtocol")
    name = _PROTOCOLS.get(raw.lower())
    if name is not None:
        return name
    if raw.isdigit() and int(raw) <= 255:
        return str(int(raw))
    raise AwsError("InvalidParameterValue", f"Invalid value '{raw}' for IP protocol. Unknown protocol.")


def _ports(protocol: str, low: int | None, high: int | None) -> tuple[int | None, int | None]:
    """The port range as stored: TCP/UDP ports, ICMP type and code, or None for port-less protocols."""
    if protocol in ("tcp", "udp"):
        if low is None or high is None:
            raise AwsError("InvalidParameterValue", _PORT_RANGE.format("TCP/UDP"))
        for end, port in (("from", low), ("to", high)):
            if not 0 <= port <= 65535:
                raise AwsError("InvalidParameterValue", f"TCP/UDP ({end}) port ({port}) out of range")
        if low > high:
            raise AwsError(
                "InvalidParameterValue",
                f"Invalid TCP/UDP port range: from port ({low}) exceeds to port ({high})",
            )
        return low, high
    if protocol in ("icmp", "icmpv6"):
        if low is None and high is None and protocol == "icmpv6":
            return -1, -1
        if low is None or high is None:
            raise AwsError("InvalidParameterValue", _PORT_RANGE.format("ICMP"))
        for what, value in (("type", low), ("code", high)):
            if not -1 <= value <= 255:
                raise AwsError("InvalidParameterValue", f"ICMP {what} ({value}) out of range")
        if low == -1 and high != -1:
            raise AwsError("InvalidParameterValue", f"ICMP code ({high}) out of range")
        return low, high
    return None, None


def _description(entry: dict[str, Any]) -> str | None:
    text = entry.get("Description")
    if text is not None and (len(text) > MAX_TEXT or not _VALID_TEXT.fullmatch(text)):
        raise AwsError("InvalidParameterValue", _BAD_DESCRIPTION)
    return text


def _cidr(raw: str | None, version: int) -> str:
    """A CIDR in AWS's canonical form (host bits cleared)."""
    try:
        network = ipaddress.ip_network(raw or "", strict=False)
    except ValueError:
        network = None
    if network is None or network.version != version or "/" not in (raw or ""):
        raise AwsError("InvalidParameterValue", f"CIDR block {raw} is malformed")
    return str(network)


def _prefix_list(raw: str | None) -> str:
    if not raw or not re.fullmatch(r"pl-[0-9a-f]+", raw):
        raise AwsError("InvalidPrefixListId.Malformed", f'Invalid id: "{raw}" (expecting "pl-...")')
    return raw


def _group_pair(ctx: RequestContext, pair: dict[str, Any]) -> dict[str, Any]:
    """A referenced group: one of the caller's (it must exist), or another account's, taken as given."""
    user = pair.get("UserId") or ctx.account_id
    entry: dict[str, Any] = {"UserId": user, "Description": _description(pair)}
    if user != ctx.account_id and pair.get("GroupId"):
        return {**entry, "GroupId": pair["GroupId"]}
    if pair.get("GroupId"):
        group = _by_ids(ctx.ec2, [pair["GroupId"]])[0]
    elif pair.get("GroupName"):
        group = _by_default_vpc_name(ctx.ec2, pair["GroupName"])
    else:
        raise AwsError("MissingParameter", "The request must contain the parameter groupName or groupId")
    return {**entry, "GroupId": group.id, "GroupName": group.name}


def _normalise(ctx: RequestContext, permission: dict[str, Any]) -> dict[str, Any]:
    """One requested IpPermission, validated, in the form `SecurityGroup.rules_for` takes."""
    protocol = _protocol(permission.get("IpProtocol"))
    low, high = _ports(protocol, permission.get("FromPort"), permission.get("ToPort"))
    peers = {
        "IpRanges": lambda e: {"CidrIp": _cidr(e.get("CidrIp"), 4), "Description": _description(e)},
        "Ipv6Ranges": lambda e: {"CidrIpv6": _cidr(e.get("CidrIpv6"), 6), "Description": _description(e)},
        "PrefixListIds": lambda e: {
            "PrefixListId": _prefix_list(e.get("PrefixListId")),
            "Description": _description(e),
        },
        "UserIdGroupPairs": lambda e: _group_pair(ctx, e),
    }
    normalised: dict[str, Any] = {"IpProtocol": protocol, "FromPort": low, "ToPort": high}
    for member, convert in peers.items():
        normalised[member] = [convert(entry) for entry in permission.get(member, ())]
    return normalised


def _legacy_permissions(req: dict[str, Any]) -> list[dict[str, Any]]:
    """The flat IpProtocol/FromPort/ToPort/CidrIp/SourceSecurityGroup* parameters as IpPermissions."""
    source = req.get("SourceSecurityGroupName")
    if source is None and req.get("CidrIp") is None and req.get("IpProtocol") is None:
        return []
    ports = {"FromPort": req.get("FromPort"), "ToPort": req.get("ToPort")}
    if source is not None:
        pair = {"GroupName": source, "UserId": req.get("SourceSecurityGroupOwnerId")}
        if req.get("IpProtocol") is not None:
            return [{"IpProtocol": req["IpProtocol"], **ports, "UserIdGroupPairs": [pair]}]
        # A named source group alone grants full TCP, UDP and ICMP access.
        return [
            {"IpProtocol": "tcp", "FromPort": 0, "ToPort": 65535, "UserIdGroupPairs": [pair]},
            {"IpProtocol": "udp", "FromPort": 0, "ToPort": 65535, "UserIdGroupPairs": [pair]},
            {"IpProtocol": "icmp", "FromPort": -1, "ToPort": -1, "UserIdGroupPairs": [pair]},
        ]
    ranges = [{"CidrIp": req["CidrIp"]}] if req.get("CidrIp") is not None else []
    return [{"IpProtocol": req.get("IpProtocol"), **ports, "IpRanges": ranges}]


def _requested_rules(
    ctx: RequestContext, group: SecurityGroup, req: dict[str, Any], egress: bool
) -> list[SecurityGroupRule]:
    """The request's rules as new (not yet added) rules of `group`."""
    permissions = req.get("IpPermissions") or _legacy_permissions(req)
    if not permissions:
        raise AwsError("MissingParameter", "The request must contain the parameter ipPermissions")
    return [rule for p in permissions for rule in group.rules_for(_normalise(ctx, p), egress)]


def _rule_text(rule: SecurityGroupRule) -> str:
    """A rule as EC2 words it in InvalidPermission.Duplicate."""
    if rule.protocol in ("tcp", "udp"):
        ports = f"{rule.protocol.upper()}, from port: {rule.from_port}, to port: {rule.to_port}"
    elif rule.protocol in ("icmp", "icmpv6"):
        ports = f"{rule.protocol.upper()}, type: {rule.from_port}, code: {rule.to_port}"
    else:
        ports = "ALL" if rule.protocol == ALL_PROTOCOLS else rule.protocol
    return f"peer: {rule.peer}, {ports}, ALLOW"


# Authorize / revoke -----------------------------------------------------------------------


def _rule_fields(rule: SecurityGroupRule) -> dict[str, Any]:
    """What SecurityGroupRule and RevokedSecurityGroupRule share."""
    return {
        "SecurityGroupRuleId": rule.id,
        "GroupId": rule.group_id,
        "IsEgress": rule.is_egress,
        "IpProtocol": rule.protocol,
        "FromPort": -1 if rule.from_port is None else rule.from_port,
        "ToPort": -1 if rule.to_port is None else rule.to_port,
        "CidrIpv4": rule.cidr_ipv4,
        "CidrIpv6": rule.cidr_ipv6,
        "PrefixListId": rule.prefix_list_id,
        "Description": rule.description,
    }


def _rule_item(ctx: RequestContext, rule: SecurityGroupRule) -> dict[str, Any]:
    referenced = (
        {"GroupId": rule.referenced_group_id, "UserId": rule.referenced_user_id}
        if rule.referenced_group_id
        else None
    )
    return {
        **_rule_fields(rule),
        "GroupOwnerId": rule.owner_id,
        "ReferencedGroupInfo": referenced,
        "Tags": tag_list(rule.tags),
        "SecurityGroupRuleArn": _arn(ctx, "security-group-rule", rule.owner_id, rule.id),
    }


def _authorize(ctx: RequestContext, req: dict[str, Any], egress: bool) -> dict[str, Any]:
    group = _target(ctx.ec2, req)
    new = _requested_rules(ctx, group, req, egress)
    tags = tags_for(req.get("TagSpecifications"), "security-group-rule", ("security-group-rule",))
    existing = {r.match_key for r in group.rules(egress)}
    seen: set[tuple[Any, ...]] = set()
    for rule in new:
        if rule.match_key in seen:
            raise AwsError("InvalidParameterValue", "The same permission must not appear multiple times")
        if rule.match_key in existing:
            raise AwsError(
                "InvalidPermission.Duplicate", f'the specified rule "{_rule_text(rule)}" already exists'
            )
        seen.add(rule.match_key)
    if len(existing) + len(new) > MAX_RULES:
        raise AwsError(
            "RulesPerSecurityGroupLimitExceeded",
            "The maximum number of rules per security group has been reached.",
        )
    for rule in new:
        rule.tags.update(tags)
    group.add_rules(new)
    return {"Return": True, "SecurityGroupRules": [_rule_item(ctx, r) for r in new]}


@ec2_action("AuthorizeSecurityGroupIngress", resolve=legacy_rule)
def authorize_security_group_ingress(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    return _authorize(ctx, req, egress=False)


@ec2_action("AuthorizeSecurityGroupEgress", resolve=legacy_rule)
def authorize_security_group_egress(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    return _authorize(ctx, req, egress=True)


def _check_rule_id(rule_id: str) -> None:
    if not rule_id.startswith("sgr-"):
        raise AwsError(
            "InvalidSecurityGroupRuleId.Malformed", f'Invalid id: "{rule_id}" (expecting "sgr-...")'
        )


def _rule_not_found(rule_id: str) -> AwsError:
    return AwsError(
        "InvalidSecurityGroupRuleId.NotFound", f"The security group rule ID '{rule_id}' does not exist"
    )


def _rules_by_id(group: SecurityGroup, rule_ids: list[str], egress: bool) -> list[SecurityGroupRule]:
    rules = []
    for rule_id in dict.fromkeys(rule_ids):
        _check_rule_id(rule_id)
        rule = group.rule(rule_id)
        if rule is None or rule.is_egress != egress:
            raise _rule_not_found(rule_id)
        rules.append(rule)
    return rules


def _matching(
    ctx: RequestContext, group: SecurityGroup, req: dict[str, Any], egress: bool
) -> tuple[list[SecurityGroupRule], list[SecurityGroupRule]]:
    """The group's rules the request names, and the named rules it does not have.

    Unknown rules are an error in a non-default VPC; in the default VPC AWS
    revokes the rest and reports them as UnknownIpPermissions.
    """
    existing = {r.match_key: r for r in group.rules(egress)}
    found, unknown = [], []
    for wanted in _requested_rules(ctx, group, req, egress):
        hit = existing.get(wanted.match_key)
        if hit is not None:
            found.append(hit)
        else:
            unknown.append(wanted)
    vpc = ctx.ec2.vpcs.get(group.vpc_id)
    if unknown and not (vpc and vpc.is_default):
        raise AwsError(
            "InvalidPermission.NotFound", "The specified rule does not exist in this security group."
        )
    return found, unknown


def _revoke(ctx: RequestContext, req: dict[str, Any], egress: bool) -> dict[str, Any]:
    group = _target(ctx.ec2, req)
    unknown: list[SecurityGroupRule]
    if req.get("SecurityGroupRuleIds"):
        rules, unknown = _rules_by_id(group, req["SecurityGroupRuleIds"], egress), []
    else:
        rules, unknown = _matching(ctx, group, req, egress)
    group.remove_rules({r.id for r in rules})
    return {
        "Return": True,
        "RevokedSecurityGroupRules": [
            {**_rule_fields(r), "ReferencedGroupId": r.referenced_group_id} for r in rules
        ],
        "UnknownIpPermissions": _ip_permissions(unknown) or None,
    }


@ec2_action("RevokeSecurityGroupIngress", resolve=legacy_rule)
def revoke_security_group_ingress(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    return _revoke(ctx, req, egress=False)


@ec2_action("RevokeSecurityGroupEgress", resolve=legacy_rule)
def revoke_security_group_egress(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    return _revoke(ctx, req, egress=True)


# Describe rules ---------------------------------------------------------------------------

_RULE_FILTERS = FilterSet(
    {
        "group-id": lambda r: r.group_id,
        "security-group-rule-id": lambda r: r.id,
    }
)


@ec2_action("DescribeSecurityGroupRules", resolve=NO_RESOURCES)
def describe_security_group_rules(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    group_ids = _RULE_FILTERS.values(req.get("Filters"), "group-id")
    groups = (
        [g for g in map(ctx.ec2.security_groups.get, dict.fromkeys(group_ids)) if g is not None]
        if group_ids is not None
        else ctx.ec2.security_groups
    )
    rules = [r for g in groups for r in g.rules()]
    if req.get("SecurityGroupRuleIds"):
        by_id = {r.id: r for r in rules}
        for rule_id in req["SecurityGroupRuleIds"]:
            _check_rule_id(rule_id)
            if rule_id not in by_id and group_ids is None:
                raise _rule_not_found(rule_id)
        rules = [by_id[i] for i in dict.fromkeys(req["SecurityGroupRuleIds"]) if i in by_id]
    page, token = paginate(_RULE_FILTERS.apply(rules, req.get("Filters")), req)
    return {"SecurityGroupRules": [_rule_item(ctx, r) for r in page], "NextToken": token}
