"""Security groups and their rules: the handlers apply the plans `group_plans` resolves
(the group named, the rules validated), and the views AWS returns."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ec2sim.api.authorization import NO_RESOURCES
from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.common import tag_list
from ec2sim.api.ec2.filters import FilterSet
from ec2sim.api.ec2.group_plans import (
    GroupPlan,
    NewGroupPlan,
    by_default_vpc_name,
    by_ids,
    check_rule_id,
    plan_authorize_egress,
    plan_authorize_ingress,
    plan_delete_group,
    plan_new_group,
    plan_revoke_egress,
    plan_revoke_ingress,
    rule_not_found,
)
from ec2sim.api.ec2.paging import paginate
from ec2sim.api.registry import ec2_action
from ec2sim.store.ec2.network import PEER_FIELDS, SecurityGroup, SecurityGroupRule
from ec2sim.store.ec2.region import Ec2Region
from ec2sim.store.resources import EC2_TYPES, SECURITY_GROUP, SECURITY_GROUP_RULE

if TYPE_CHECKING:
    from types_boto3_ec2.type_defs import (
        AuthorizeSecurityGroupEgressRequestTypeDef,
        AuthorizeSecurityGroupIngressRequestTypeDef,
        CreateSecurityGroupRequestTypeDef,
        DeleteSecurityGroupRequestTypeDef,
        DescribeSecurityGroupRulesRequestTypeDef,
        DescribeSecurityGroupsRequestTypeDef,
        RevokeSecurityGroupEgressRequestTypeDef,
        RevokeSecurityGroupIngressRequestTypeDef,
    )


def _arn(ctx: RequestContext, kind: str, owner: str, resource_id: str) -> str:
    return EC2_TYPES[kind].arn(ctx.region, owner, resource_id)


# Create / delete --------------------------------------------------------------------------


@ec2_action("CreateSecurityGroup", resolve=plan_new_group)
def create_security_group(
    ctx: RequestContext, req: CreateSecurityGroupRequestTypeDef, plan: NewGroupPlan
) -> dict[str, Any]:
    group = ctx.ec2.add_security_group(plan.vpc_id, req["GroupName"], req["Description"])
    ctx.ec2.set_tags(group, plan.tags)
    return {
        "GroupId": group.id,
        "SecurityGroupArn": _arn(ctx, "security-group", group.owner_id, group.id),
        "Tags": tag_list(group.tags) or None,
    }


@ec2_action("DeleteSecurityGroup", resolve=plan_delete_group)
def delete_security_group(
    ctx: RequestContext, req: DeleteSecurityGroupRequestTypeDef, plan: GroupPlan
) -> dict[str, Any]:
    ctx.ec2.remove_security_group(plan.target.id)
    return {"Return": True, "GroupId": plan.target.id}


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
        "group-name": lambda g: g.name,
        "description": lambda g: g.description,
        "vpc-id": lambda g: g.vpc_id,
        "owner-id": lambda g: g.owner_id,
        **_rule_filters(egress=False),
        **_rule_filters(egress=True),
    },
    SECURITY_GROUP,
)


def _describe_candidates(region: Ec2Region, req: DescribeSecurityGroupsRequestTypeDef) -> list[SecurityGroup]:
    """The asked-for groups by id (index) and name, else an index hit for a literal filter, else all."""
    ids, names = req.get("GroupIds") or [], req.get("GroupNames") or []
    if ids or names:
        found = {g.id: g for g in by_ids(region, ids)}
        found.update((g.id, g) for g in (by_default_vpc_name(region, n) for n in names))
        return list(found.values())
    filters = req.get("Filters")
    group_ids = _GROUP_FILTERS.ids(filters)
    if group_ids is not None:
        return [g for g in map(region.security_groups.get, dict.fromkeys(group_ids)) if g is not None]
    vpc_ids = _GROUP_FILTERS.values(filters, "vpc-id")
    if vpc_ids is not None:
        return [g for v in dict.fromkeys(vpc_ids) for g in region.security_groups.where("vpc_id", v)]
    return list(region.security_groups)


@ec2_action("DescribeSecurityGroups", resolve=NO_RESOURCES)
def describe_security_groups(
    ctx: RequestContext, req: DescribeSecurityGroupsRequestTypeDef
) -> dict[str, Any]:
    groups = _GROUP_FILTERS.apply(_describe_candidates(ctx.ec2, req), req.get("Filters"))
    page, token = paginate(groups, req)
    return {"SecurityGroups": [_group_item(ctx, g) for g in page], "NextToken": token}


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


def _authorize(ctx: RequestContext, plan: GroupPlan) -> dict[str, Any]:
    for rule in plan.rules:
        rule.tags.update(plan.tags)
    plan.target.add_rules(plan.rules)
    return {"Return": True, "SecurityGroupRules": [_rule_item(ctx, r) for r in plan.rules]}


@ec2_action("AuthorizeSecurityGroupIngress", resolve=plan_authorize_ingress)
def authorize_security_group_ingress(
    ctx: RequestContext, req: AuthorizeSecurityGroupIngressRequestTypeDef, plan: GroupPlan
) -> dict[str, Any]:
    return _authorize(ctx, plan)


@ec2_action("AuthorizeSecurityGroupEgress", resolve=plan_authorize_egress)
def authorize_security_group_egress(
    ctx: RequestContext, req: AuthorizeSecurityGroupEgressRequestTypeDef, plan: GroupPlan
) -> dict[str, Any]:
    return _authorize(ctx, plan)


def _revoke(plan: GroupPlan) -> dict[str, Any]:
    plan.target.remove_rules({r.id for r in plan.rules})
    return {
        "Return": True,
        "RevokedSecurityGroupRules": [
            {**_rule_fields(r), "ReferencedGroupId": r.referenced_group_id} for r in plan.rules
        ],
        "UnknownIpPermissions": _ip_permissions(plan.unknown) or None,
    }


@ec2_action("RevokeSecurityGroupIngress", resolve=plan_revoke_ingress)
def revoke_security_group_ingress(
    ctx: RequestContext, req: RevokeSecurityGroupIngressRequestTypeDef, plan: GroupPlan
) -> dict[str, Any]:
    return _revoke(plan)


@ec2_action("RevokeSecurityGroupEgress", resolve=plan_revoke_egress)
def revoke_security_group_egress(
    ctx: RequestContext, req: RevokeSecurityGroupEgressRequestTypeDef, plan: GroupPlan
) -> dict[str, Any]:
    return _revoke(plan)


# Describe rules ---------------------------------------------------------------------------

_RULE_FILTERS = FilterSet({"group-id": lambda r: r.group_id}, SECURITY_GROUP_RULE)


@ec2_action("DescribeSecurityGroupRules", resolve=NO_RESOURCES)
def describe_security_group_rules(
    ctx: RequestContext, req: DescribeSecurityGroupRulesRequestTypeDef
) -> dict[str, Any]:
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
            check_rule_id(rule_id)
            if rule_id not in by_id and group_ids is None:
                raise rule_not_found(rule_id)
        rules = [by_id[i] for i in dict.fromkeys(req["SecurityGroupRuleIds"]) if i in by_id]
    page, token = paginate(_RULE_FILTERS.apply(rules, req.get("Filters")), req)
    return {"SecurityGroupRules": [_rule_item(ctx, r) for r in page], "NextToken": token}
