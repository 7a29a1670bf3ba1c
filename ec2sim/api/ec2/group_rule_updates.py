"""Changing existing security group rules: ModifySecurityGroupRules (a rule by id, replaced:
protocol, ports, peer and description) and UpdateSecurityGroupRuleDescriptionsIngress/Egress
(descriptions only, of rules named by IpPermissions or by id).

Plans resolve the group (`group_plans.group_resolver`), the rules named and what each becomes;
handlers apply them in place, so a rule keeps its ``sgr-`` id and tags. ModifySecurityGroupRules
is authorized on the group, on each rule and on each prefix list a new rule references
(the SAR's security-group, security-group-rule and prefix-list); the description updates on the
group only.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ec2sim.api.authorization import Check
from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.authz import resource_check, unresolved
from ec2sim.api.ec2.group_plans import (
    MAX_RULES,
    GroupPlan,
    check_rule_id,
    group_resolver,
    normalise,
    rule_description,
    rule_not_found,
    rule_text,
    rules_weight,
)
from ec2sim.api.ec2.peering_plans import check_references
from ec2sim.api.ec2.prefix_lists import lookup
from ec2sim.api.errors import AwsError
from ec2sim.api.registry import ec2_action
from ec2sim.store.ec2.network import PEER_FIELDS, SecurityGroupRule

if TYPE_CHECKING:
    from types_boto3_ec2.type_defs import (
        ModifySecurityGroupRulesRequestTypeDef,
        UpdateSecurityGroupRuleDescriptionsEgressRequestTypeDef,
        UpdateSecurityGroupRuleDescriptionsIngressRequestTypeDef,
    )

    DescriptionsRequest = (
        UpdateSecurityGroupRuleDescriptionsIngressRequestTypeDef
        | UpdateSecurityGroupRuleDescriptionsEgressRequestTypeDef
    )

# SecurityGroupRuleRequest's peer → (IpPermission member, the key of the peer in it).
_REQUEST_PEERS = {
    "CidrIpv4": ("IpRanges", "CidrIp"),
    "CidrIpv6": ("Ipv6Ranges", "CidrIpv6"),
    "PrefixListId": ("PrefixListIds", "PrefixListId"),
    "ReferencedGroupId": ("UserIdGroupPairs", "GroupId"),
}
_NO_RULE = "The specified rule does not exist in this security group."
# The fields a rule's replacement sets (its id, group, direction and tags stay).
_REPLACED = (
    "protocol",
    "from_port",
    "to_port",
    *(attr for attr, _ in PEER_FIELDS.values()),
    "referenced_user_id",
    "referenced_group_name",
    "description",
)


@dataclass
class RuleUpdatePlan(GroupPlan):
    """The group, the rules named (by id: `named_rules`, None where unknown) and what each becomes."""

    named_rules: dict[str, SecurityGroupRule | None] = field(default_factory=dict)
    replacements: dict[str, SecurityGroupRule] = field(default_factory=dict)  # rule id → new values
    descriptions: dict[str, str | None] = field(default_factory=dict)  # rule id → new description

    def checks(self, ctx: RequestContext) -> Iterator[Check]:
        yield from super().checks(ctx)
        if ctx.action != "ModifySecurityGroupRules" or self.group is None:
            return
        action = "ec2:ModifySecurityGroupRules"
        for rule_id, rule in self.named_rules.items():
            if rule is None:
                yield unresolved(ctx, action, "security-group-rule", rule_id)
            else:
                yield resource_check(ctx, action, rule)
        for new in self.replacements.values():
            plist = lookup(ctx, new.prefix_list_id) if new.prefix_list_id else None
            if plist is not None:
                yield resource_check(ctx, action, plist)


# ModifySecurityGroupRules -------------------------------------------------------------------


def _permission(request: Mapping[str, Any]) -> dict[str, Any]:
    """A SecurityGroupRuleRequest as the one-peer IpPermission `normalise` validates."""
    peers = [name for name in _REQUEST_PEERS if request.get(name)]
    if not peers:
        raise AwsError(
            "MissingParameter",
            "The request must contain one of the parameters CidrIpv4, CidrIpv6, PrefixListId or "
            "ReferencedGroupId",
        )  # assumed wording
    if len(peers) > 1:
        raise AwsError(
            "InvalidParameterCombination",
            "Only one of CidrIpv4, CidrIpv6, PrefixListId and ReferencedGroupId may be specified",
        )  # assumed wording
    member, key = _REQUEST_PEERS[peers[0]]
    return {
        "IpProtocol": request.get("IpProtocol"),
        "FromPort": request.get("FromPort"),
        "ToPort": request.get("ToPort"),
        member: [{key: request[peers[0]], "Description": request.get("Description")}],
    }


def _check_modifications(
    ctx: RequestContext, req: ModifySecurityGroupRulesRequestTypeDef, plan: RuleUpdatePlan
) -> None:
    group = plan.target
    updates = req["SecurityGroupRules"]  # required: the pipeline refuses a request without
    for update in updates:
        rule_id = update.get("SecurityGroupRuleId", "")
        check_rule_id(rule_id)
        plan.named_rules[rule_id] = group.rule(rule_id)
    for update in updates:
        rule_id = update["SecurityGroupRuleId"]
        rule = plan.named_rules[rule_id]
        if rule is None:
            raise rule_not_found(rule_id)
        request = update.get("SecurityGroupRule")
        if request is None:
            raise AwsError("MissingParameter", "The request must contain the parameter SecurityGroupRule")
        new = group.rules_for(normalise(ctx, _permission(request)), rule.is_egress, numbered=False)[0]
        check_references(ctx, group, [new])
        plan.replacements[rule_id] = new
    _check_result(ctx, plan)


def _check_result(ctx: RequestContext, plan: RuleUpdatePlan) -> None:
    """The group's rules once replaced: no two the same, within the quota."""
    group = plan.target
    for egress in (False, True):
        after = [plan.replacements.get(r.id, r) for r in group.rules(egress)]
        seen: set[tuple[Any, ...]] = set()
        for rule in after:
            if rule.match_key in seen:
                raise AwsError(
                    "InvalidPermission.Duplicate", f'the specified rule "{rule_text(rule)}" already exists'
                )
            seen.add(rule.match_key)
        if rules_weight(ctx.ec2, after) > MAX_RULES:
            raise AwsError(
                "RulesPerSecurityGroupLimitExceeded",
                "The maximum number of rules per security group has been reached.",
            )


plan_modify_rules = group_resolver(_check_modifications, RuleUpdatePlan)


@ec2_action("ModifySecurityGroupRules", resolve=plan_modify_rules)
def modify_security_group_rules(
    ctx: RequestContext, req: ModifySecurityGroupRulesRequestTypeDef, plan: RuleUpdatePlan
) -> dict[str, Any]:
    for rule_id, new in plan.replacements.items():
        rule = plan.named_rules[rule_id]
        assert rule is not None  # a plan without an error found it
        for name in _REPLACED:
            setattr(rule, name, getattr(new, name))  # a rule's change is its group's (durable state)
    return {"Return": True}


# UpdateSecurityGroupRuleDescriptionsIngress / Egress ----------------------------------------


def _check_descriptions(
    ctx: RequestContext, req: DescriptionsRequest, plan: RuleUpdatePlan, egress: bool
) -> None:
    group = plan.target
    if req.get("SecurityGroupRuleDescriptions"):
        for item in req["SecurityGroupRuleDescriptions"]:
            rule_id = item.get("SecurityGroupRuleId", "")
            check_rule_id(rule_id)
            rule = group.rule(rule_id)
            if rule is None or rule.is_egress != egress:
                raise rule_not_found(rule_id)
            plan.descriptions[rule_id] = rule_description(dict(item))
        return
    permissions = req.get("IpPermissions")
    if not permissions:
        raise AwsError("MissingParameter", "The request must contain the parameter IpPermissions")
    existing = {r.match_key: r for r in group.rules(egress)}
    for permission in permissions:
        for wanted in group.rules_for(normalise(ctx, permission), egress, numbered=False):
            hit = existing.get(wanted.match_key)
            if hit is None:
                raise AwsError("InvalidPermission.NotFound", _NO_RULE)
            plan.descriptions[hit.id] = wanted.description


def _ingress_descriptions(
    ctx: RequestContext, req: UpdateSecurityGroupRuleDescriptionsIngressRequestTypeDef, plan: RuleUpdatePlan
) -> None:
    _check_descriptions(ctx, req, plan, egress=False)


def _egress_descriptions(
    ctx: RequestContext, req: UpdateSecurityGroupRuleDescriptionsEgressRequestTypeDef, plan: RuleUpdatePlan
) -> None:
    _check_descriptions(ctx, req, plan, egress=True)


plan_descriptions_ingress = group_resolver(_ingress_descriptions, RuleUpdatePlan)
plan_descriptions_egress = group_resolver(_egress_descriptions, RuleUpdatePlan)


def _set_descriptions(plan: RuleUpdatePlan) -> dict[str, Any]:
    group = plan.target
    for rule_id, description in plan.descriptions.items():
        rule = group.rule(rule_id)
        assert rule is not None  # a plan without an error found it
        rule.description = description
    return {"Return": True}


@ec2_action("UpdateSecurityGroupRuleDescriptionsIngress", resolve=plan_descriptions_ingress)
def update_security_group_rule_descriptions_ingress(
    ctx: RequestContext, req: UpdateSecurityGroupRuleDescriptionsIngressRequestTypeDef, plan: RuleUpdatePlan
) -> dict[str, Any]:
    return _set_descriptions(plan)


@ec2_action("UpdateSecurityGroupRuleDescriptionsEgress", resolve=plan_descriptions_egress)
def update_security_group_rule_descriptions_egress(
    ctx: RequestContext, req: UpdateSecurityGroupRuleDescriptionsEgressRequestTypeDef, plan: RuleUpdatePlan
) -> dict[str, Any]:
    return _set_descriptions(plan)
