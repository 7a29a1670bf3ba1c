"""Plans of the security group operations: the group a request names, looked up once, and the rules.

CreateSecurityGroup is authorized on the new ``security-group/*`` (with ec2:Vpc) and on its VPC;
Delete, Authorize and Revoke on the group they name (GroupId, else GroupName in the default VPC; a
group that doesn't resolve: on the ARN the request names), and rules tagged at creation need
ec2:CreateTags on ``security-group-rule/*``. A plan also holds what the handler applies (the
validated new rules, or the rules to revoke) and the first error in AWS's order.

Requests name rules as IpPermissions (or, for ingress, the legacy flat
IpProtocol/FromPort/ToPort/CidrIp/SourceSecurityGroupName form); they are validated and
normalised here into one IpPermission per protocol and port range, which the store turns into flat
`SecurityGroupRule`s; new rules get their ``sgr-`` ids when added (a request refused or a dry
run leaves no trace).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from ec2sim.api.authorization import Check, Plan
from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.authz import Keys, arn, creating, resource_check, spec_tags, tag_on_create, unresolved
from ec2sim.api.ec2.common import find_ids
from ec2sim.api.ec2.peering_plans import check_references
from ec2sim.api.ec2.prefix_lists import RULES_QUOTA, find_prefix_list, rule_weight
from ec2sim.api.ec2.tagging import tags_for
from ec2sim.api.errors import AwsError
from ec2sim.store.ec2.network import ALL_PROTOCOLS, SecurityGroup, SecurityGroupRule, Vpc
from ec2sim.store.ec2.region import Ec2Region
from ec2sim.store.resources import SECURITY_GROUP

if TYPE_CHECKING:
    from types_boto3_ec2.type_defs import (
        AuthorizeSecurityGroupEgressRequestTypeDef,
        AuthorizeSecurityGroupIngressRequestTypeDef,
        CreateSecurityGroupRequestTypeDef,
        DeleteSecurityGroupRequestTypeDef,
        RevokeSecurityGroupEgressRequestTypeDef,
        RevokeSecurityGroupIngressRequestTypeDef,
    )

    AuthorizeRequest = (
        AuthorizeSecurityGroupIngressRequestTypeDef | AuthorizeSecurityGroupEgressRequestTypeDef
    )
    RevokeRequest = RevokeSecurityGroupIngressRequestTypeDef | RevokeSecurityGroupEgressRequestTypeDef
    RuleRequest = AuthorizeRequest | RevokeRequest

MAX_TEXT = 255
MAX_RULES = RULES_QUOTA  # per direction, AWS's default quota
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
_PORT_RANGE = "Invalid value for portRange. Must specify both from and to ports with {}."
_BAD_DESCRIPTION = (
    "Invalid rule description. Valid descriptions are strings less than 256 characters from the "
    "following set:  a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*"
)


# Finding groups and rules -------------------------------------------------------------------


def _check_group_id(group_id: str) -> None:
    if not group_id.startswith("sg-"):
        raise AwsError("InvalidGroupId.Malformed", f'Invalid id: "{group_id}" (expecting "sg-...")')


def by_ids(region: Ec2Region, group_ids: Sequence[str]) -> list[SecurityGroup]:
    for group_id in group_ids:
        _check_group_id(group_id)
    return find_ids(region.security_groups, group_ids, SECURITY_GROUP)


def by_default_vpc_name(region: Ec2Region, name: str) -> SecurityGroup:
    """[Default VPC] look-ups by name."""
    group = next(
        (g for g in region.security_groups.where("vpc_id", region.default_vpc_id) if g.name == name), None
    )
    if group is None:
        raise AwsError(
            _NOT_FOUND, f"The security group '{name}' does not exist in default VPC '{region.default_vpc_id}'"
        )
    return group


def _target(region: Ec2Region, req: Mapping[str, Any]) -> SecurityGroup:
    """The group a request acts on: GroupId, else GroupName in the default VPC (the egress
    operations' requests have no GroupName)."""
    if req.get("GroupId"):
        return by_ids(region, [req["GroupId"]])[0]
    if req.get("GroupName"):
        return by_default_vpc_name(region, req["GroupName"])
    raise AwsError("MissingParameter", "The request must contain the parameter groupName or groupId")


def check_rule_id(rule_id: str) -> None:
    if not rule_id.startswith("sgr-"):
        raise AwsError(
            "InvalidSecurityGroupRuleId.Malformed", f'Invalid id: "{rule_id}" (expecting "sgr-...")'
        )


def rule_not_found(rule_id: str) -> AwsError:
    return AwsError(
        "InvalidSecurityGroupRuleId.NotFound", f"The security group rule ID '{rule_id}' does not exist"
    )


def _rules_by_id(group: SecurityGroup, rule_ids: Sequence[str], egress: bool) -> list[SecurityGroupRule]:
    rules = []
    for rule_id in dict.fromkeys(rule_ids):
        check_rule_id(rule_id)
        rule = group.rule(rule_id)
        if rule is None or rule.is_egress != egress:
            raise rule_not_found(rule_id)
        rules.append(rule)
    return rules


# Create / delete ----------------------------------------------------------------------------


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


@dataclass
class NewGroupPlan(Plan):
    """CreateSecurityGroup: the new group's VPC (the default one unless named) and its tags."""

    req: CreateSecurityGroupRequestTypeDef
    vpc_id: str
    vpc: Vpc | None
    tags: dict[str, str] = field(default_factory=dict)

    def checks(self, ctx: RequestContext) -> Iterator[Check]:
        keys: Keys = {"ec2:Vpc": arn(ctx, "vpc", self.vpc_id)}
        yield from creating(ctx, "ec2:CreateSecurityGroup", "security-group", self.req, keys)
        if self.vpc is not None:
            yield resource_check(ctx, "ec2:CreateSecurityGroup", self.vpc)


def _check_new_group(ctx: RequestContext, plan: NewGroupPlan) -> None:
    name, description = plan.req["GroupName"], plan.req["Description"]
    _check_text(name, "groupName")
    _check_text(description, "GroupDescription")
    if name.lower().startswith("sg-"):
        raise AwsError("InvalidParameterValue", "Group names may not be in the format sg-*")
    if name.lower() == "default":
        raise AwsError(
            "InvalidGroup.Reserved",
            "The name 'default' is reserved, and cannot be used to create a new security group.",
        )
    if plan.vpc is None:
        raise AwsError("InvalidVpcID.NotFound", f"The vpc ID '{plan.vpc_id}' does not exist")
    if any(g.name.lower() == name.lower() for g in ctx.ec2.security_groups.where("vpc_id", plan.vpc_id)):
        raise AwsError(
            "InvalidGroup.Duplicate", f"The security group '{name}' already exists for VPC '{plan.vpc_id}'"
        )
    plan.tags = tags_for(plan.req.get("TagSpecifications"), "security-group", ("security-group",))


def plan_new_group(ctx: RequestContext, req: CreateSecurityGroupRequestTypeDef) -> NewGroupPlan:
    vpc_id = req.get("VpcId") or ctx.ec2.default_vpc_id
    plan = NewGroupPlan(req, vpc_id, ctx.ec2.vpcs.get(vpc_id))
    try:
        _check_new_group(ctx, plan)
    except AwsError as error:
        plan.fail(error)
    return plan


@dataclass
class GroupPlan(Plan):
    """Delete, Authorize or Revoke: the group named, and the rules to add or revoke."""

    named: str  # what its ARN names when it doesn't resolve
    group: SecurityGroup | None = None
    rule_tags: dict[str, str] = field(default_factory=dict)  # TagSpecifications' (unvalidated)
    tags: dict[str, str] = field(default_factory=dict)  # the same, validated
    rules: list[SecurityGroupRule] = field(default_factory=list)  # new, or those revoked
    unknown: list[SecurityGroupRule] = field(default_factory=list)  # revoked but absent

    @property
    def target(self) -> SecurityGroup:
        assert self.group is not None  # a plan without an error resolved it
        return self.group

    def checks(self, ctx: RequestContext) -> Iterator[Check]:
        action = f"ec2:{ctx.action}"
        if self.group is None:
            yield unresolved(ctx, action, "security-group", self.named)
            return
        yield resource_check(ctx, action, self.group)
        if self.rule_tags:
            yield tag_on_create(ctx, arn(ctx, "security-group-rule", "*"), self.rule_tags)


# DeleteSecurityGroup's, or an Authorize/Revoke operation's request: each names an existing group.
Req = TypeVar("Req", bound=Mapping[str, Any])


GroupResolver = Callable[[RequestContext, Req], GroupPlan]
P = TypeVar("P", bound=GroupPlan)


def group_resolver(
    step: Callable[[RequestContext, Req, P], None],
    kind: type[P] = GroupPlan,  # type: ignore[assignment]  # P is GroupPlan when left out
) -> Callable[[RequestContext, Req], P]:
    """A resolver of the group a request names (into a plan of type `kind`), then `step`
    (validation, the rules) on it."""

    def resolve(ctx: RequestContext, req: Req) -> P:
        plan = kind(req.get("GroupId") or req.get("GroupName") or "*")
        try:
            plan.group = _target(ctx.ec2, req)
            step(ctx, req, plan)
        except AwsError as error:
            plan.fail(error)
        return plan

    return resolve


def _check_deletable(ctx: RequestContext, req: DeleteSecurityGroupRequestTypeDef, plan: GroupPlan) -> None:
    group, region = plan.target, ctx.ec2
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


plan_delete_group = group_resolver(_check_deletable)


# Parsing rules ----------------------------------------------------------------------------


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


def rule_description(entry: dict[str, Any]) -> str | None:
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


def _group_pair(ctx: RequestContext, pair: dict[str, Any]) -> dict[str, Any]:
    """A referenced group: one of the caller's (it must exist), or another account's, taken as given."""
    user = pair.get("UserId") or ctx.account_id
    entry: dict[str, Any] = {"UserId": user, "Description": rule_description(pair)}
    if user != ctx.account_id and pair.get("GroupId"):
        return {**entry, "GroupId": pair["GroupId"]}
    if pair.get("GroupId"):
        group = by_ids(ctx.ec2, [pair["GroupId"]])[0]
    elif pair.get("GroupName"):
        group = by_default_vpc_name(ctx.ec2, pair["GroupName"])
    else:
        raise AwsError("MissingParameter", "The request must contain the parameter groupName or groupId")
    return {**entry, "GroupId": group.id, "GroupName": group.name}


def normalise(ctx: RequestContext, permission: Mapping[str, Any]) -> dict[str, Any]:
    """One requested IpPermission, validated, in the form `SecurityGroup.rules_for` takes."""
    protocol = _protocol(permission.get("IpProtocol"))
    low, high = _ports(protocol, permission.get("FromPort"), permission.get("ToPort"))
    peers = {
        "IpRanges": lambda e: {"CidrIp": _cidr(e.get("CidrIp"), 4), "Description": rule_description(e)},
        "Ipv6Ranges": lambda e: {"CidrIpv6": _cidr(e.get("CidrIpv6"), 6), "Description": rule_description(e)},
        "PrefixListIds": lambda e: {
            "PrefixListId": find_prefix_list(ctx, e.get("PrefixListId")).id,
            "Description": rule_description(e),
        },
        "UserIdGroupPairs": lambda e: _group_pair(ctx, e),
    }
    normalised: dict[str, Any] = {"IpProtocol": protocol, "FromPort": low, "ToPort": high}
    for member, convert in peers.items():
        normalised[member] = [convert(entry) for entry in permission.get(member, ())]
    return normalised


def _legacy_permissions(req: RuleRequest) -> list[dict[str, Any]]:
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
    ctx: RequestContext, group: SecurityGroup, req: RuleRequest, egress: bool
) -> list[SecurityGroupRule]:
    """The request's rules as new (not yet added) rules of `group`."""
    permissions = req.get("IpPermissions") or _legacy_permissions(req)
    if not permissions:
        raise AwsError("MissingParameter", "The request must contain the parameter ipPermissions")
    return [rule for p in permissions for rule in group.rules_for(normalise(ctx, p), egress, numbered=False)]


def rule_text(rule: SecurityGroupRule) -> str:
    """A rule as EC2 words it in InvalidPermission.Duplicate."""
    if rule.protocol in ("tcp", "udp"):
        ports = f"{rule.protocol.upper()}, from port: {rule.from_port}, to port: {rule.to_port}"
    elif rule.protocol in ("icmp", "icmpv6"):
        ports = f"{rule.protocol.upper()}, type: {rule.from_port}, code: {rule.to_port}"
    else:
        ports = "ALL" if rule.protocol == ALL_PROTOCOLS else rule.protocol
    return f"peer: {rule.peer}, {ports}, ALLOW"


def _matching(
    ctx: RequestContext, group: SecurityGroup, req: RevokeRequest, egress: bool
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


# Authorize / revoke -----------------------------------------------------------------------


def _check_new_rules(ctx: RequestContext, req: AuthorizeRequest, plan: GroupPlan, egress: bool) -> None:
    plan.rule_tags = spec_tags(req, "security-group-rule")
    group = plan.target
    new = _requested_rules(ctx, group, req, egress)
    check_references(ctx, group, new)  # groups of other VPCs: peered ones only
    plan.tags = tags_for(req.get("TagSpecifications"), "security-group-rule", ("security-group-rule",))
    existing = {r.match_key for r in group.rules(egress)}
    seen: set[tuple[Any, ...]] = set()
    for rule in new:
        if rule.match_key in seen:
            raise AwsError("InvalidParameterValue", "The same permission must not appear multiple times")
        if rule.match_key in existing:
            raise AwsError(
                "InvalidPermission.Duplicate", f'the specified rule "{rule_text(rule)}" already exists'
            )
        seen.add(rule.match_key)
    if rules_weight(ctx.ec2, [*group.rules(egress), *new]) > MAX_RULES:
        raise AwsError(
            "RulesPerSecurityGroupLimitExceeded",
            "The maximum number of rules per security group has been reached.",
        )
    plan.rules = new


def rules_weight(region: Ec2Region, rules: list[SecurityGroupRule]) -> int:
    """What `rules` count toward a group's rule quota (a prefix list counts its MaxEntries)."""
    return sum(rule_weight(region, rule) for rule in rules)


def _revoked(ctx: RequestContext, req: RevokeRequest, plan: GroupPlan, egress: bool) -> None:
    if req.get("SecurityGroupRuleIds"):
        plan.rules = _rules_by_id(plan.target, req["SecurityGroupRuleIds"], egress)
    else:
        plan.rules, plan.unknown = _matching(ctx, plan.target, req, egress)


plan_authorize_ingress: GroupResolver[AuthorizeSecurityGroupIngressRequestTypeDef] = group_resolver(
    lambda ctx, req, plan: _check_new_rules(ctx, req, plan, False)
)
plan_authorize_egress: GroupResolver[AuthorizeSecurityGroupEgressRequestTypeDef] = group_resolver(
    lambda ctx, req, plan: _check_new_rules(ctx, req, plan, True)
)
plan_revoke_ingress: GroupResolver[RevokeSecurityGroupIngressRequestTypeDef] = group_resolver(
    lambda ctx, req, plan: _revoked(ctx, req, plan, False)
)
plan_revoke_egress: GroupResolver[RevokeSecurityGroupEgressRequestTypeDef] = group_resolver(
    lambda ctx, req, plan: _revoked(ctx, req, plan, True)
)
