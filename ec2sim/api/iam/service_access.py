"""ListPoliciesGrantingServiceAccess: which of a user's, group's or role's policies allow actions
of each service asked about.

A policy grants a service when one of its Allow statements has an ``Action`` whose service prefix
matches the namespace (``*``, ``ec2:*``, ``EC2:Describe*``, ``e?2:*``), or a ``NotAction`` that
does not exclude the whole service (``ec2:*``): conditions and resources are not looked at
("regardless of whether the policies' conditions allow the access" is AWS's own caveat for the
access advisor data this operation serves). For a user, its groups' policies are listed too.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ec2sim import wildcards
from ec2sim.api.authorization import Check, Plan
from ec2sim.api.context import RequestContext
from ec2sim.api.iam.authz import iam_action
from ec2sim.api.iam.messages import iam_error
from ec2sim.api.iam.simulator import source_entity
from ec2sim.iam.policy.document import PolicyDocument, Statement
from ec2sim.iam.policy.grammar import PolicyError, parse_policy
from ec2sim.store.iam.entities import Group, Role, User
from ec2sim.store.iam.managed import aws_managed_policy

if TYPE_CHECKING:
    from types_boto3_iam.type_defs import ListPoliciesGrantingServiceAccessRequestTypeDef

_ENTITY_TYPES = {User: "USER", Group: "GROUP", Role: "ROLE"}


@dataclass
class ServiceAccessPlan(Plan):
    """The entity the ARN names: the action is on it (the SAR's user, group or role)."""

    arn: str = ""
    entity: User | Group | Role | None = None

    def checks(self, ctx: RequestContext) -> Iterator[Check]:
        yield Check("iam:ListPoliciesGrantingServiceAccess", self.arn)


def plan_service_access(
    ctx: RequestContext, req: ListPoliciesGrantingServiceAccessRequestTypeDef
) -> ServiceAccessPlan:
    """An ARN naming no user, group or role of the account: NoSuchEntity (the wording is assumed
    to be the policy simulator's for the same kind of ARN)."""
    arn = req["Arn"]
    plan = ServiceAccessPlan(arn, source_entity(ctx, arn))
    if plan.entity is None:
        plan.fail(iam_error("EntityArnNotFound", arn=arn))
    return plan


def _prefix_matches(pattern: str, namespace: str) -> bool:
    prefix = "*" if pattern == "*" else pattern.partition(":")[0]
    return wildcards.compile_tokens(wildcards.parse(prefix.lower()))(namespace)


def _grants(statement: Statement, namespace: str) -> bool:
    if statement.effect != "Allow":
        return False
    if statement.actions is not None:
        return any(_prefix_matches(a, namespace) for a in statement.actions)
    excluded = (a for a in statement.not_actions or () if a == "*" or a.partition(":")[2] == "*")
    return not any(_prefix_matches(a, namespace) for a in excluded)


def _document(text: str, kind: str) -> PolicyDocument | None:
    try:
        return parse_policy(text, kind)
    except PolicyError:  # stored documents were validated; one that no longer parses grants nothing
        return None


def _policies(ctx: RequestContext, entity: User | Group | Role) -> Iterator[tuple[dict[str, Any], str]]:
    """Each policy of `entity` (and of a user's groups) as listed, with its document text."""
    owners: list[User | Group | Role] = [entity]
    if isinstance(entity, User):
        owners += [g for g in map(ctx.iam.groups.get, entity.group_names) if g is not None]
    for owner in owners:
        kind = _ENTITY_TYPES[type(owner)]
        for name, text in owner.inline_policies.items():
            yield (
                {"PolicyName": name, "PolicyType": "INLINE", "EntityType": kind, "EntityName": owner.name},
                text,
            )
    seen: set[str] = set()
    for owner in owners:
        for arn in owner.attached_policies:
            policy = ctx.iam.policies.get(arn) or aws_managed_policy(arn)
            if policy is not None and arn not in seen:
                seen.add(arn)
                yield (
                    {"PolicyName": policy.name, "PolicyType": "MANAGED", "PolicyArn": arn},
                    policy.default_document,
                )


@iam_action("ListPoliciesGrantingServiceAccess", plan_service_access)
def list_policies_granting_service_access(
    ctx: RequestContext, req: ListPoliciesGrantingServiceAccessRequestTypeDef, plan: ServiceAccessPlan
) -> dict[str, Any]:
    """One entry per namespace asked for, in the request's order (all of them in one page)."""
    assert plan.entity is not None  # else the plan's NoSuchEntity was raised
    namespaces = req["ServiceNamespaces"]
    if not namespaces:
        raise iam_error("ServiceNamespacesEmpty")
    policies = [
        (view, document)
        for view, text in _policies(ctx, plan.entity)
        if (document := _document(text, "inline" if view["PolicyType"] == "INLINE" else "managed"))
        is not None
    ]
    return {
        "PoliciesGrantingServiceAccess": [
            {
                "ServiceNamespace": namespace,
                "Policies": [
                    view
                    for view, document in policies
                    if any(_grants(s, namespace.lower()) for s in document.statements)
                ],
            }
            for namespace in namespaces
        ],
        "IsTruncated": False,
    }
