"""The policies that apply to a principal, gathered from the store for the engine.

Identity policies: a user's inline and attached policies and its groups'; a
role session's role's. Its permissions boundary, if set, and a role session's
session policies (inline and managed) narrow them.
"""

from __future__ import annotations

from dataclasses import dataclass

from ec2sim.iam.policy.engine import PolicySource
from ec2sim.iam.policy.grammar import parse_policy
from ec2sim.iam.principals import Principal
from ec2sim.store import Store
from ec2sim.store.iam.account import IamAccount
from ec2sim.store.iam.entities import Principal as IamPrincipal
from ec2sim.store.iam.managed import aws_managed_policy


@dataclass(frozen=True)
class ApplicablePolicies:
    identity: tuple[PolicySource, ...] = ()
    boundary: tuple[PolicySource, ...] | None = None
    session: tuple[PolicySource, ...] | None = None


def _managed(iam: IamAccount, arn: str) -> PolicySource | None:
    policy = iam.policies.get(arn) or aws_managed_policy(arn)
    if policy is None:
        return None
    kind = "aws-managed" if policy.is_aws_managed else "user-managed"
    return PolicySource(arn, kind, parse_policy(policy.default_document, "managed"))


def _entity_policies(iam: IamAccount, entity: IamPrincipal, kind: str) -> list[PolicySource]:
    sources = [PolicySource(name, kind, parse_policy(text, "inline")) for name, text in entity.inline_policies.items()]
    sources += [s for s in (_managed(iam, arn) for arn in entity.attached_policies) if s is not None]
    return sources


def _boundary(iam: IamAccount, arn: str | None) -> tuple[PolicySource, ...] | None:
    if not arn:
        return None
    found = _managed(iam, arn)
    return (found,) if found is not None else ()


def applicable_policies(store: Store, principal: Principal) -> ApplicablePolicies:
    """What the engine needs for `principal` (root: nothing, it is never limited by identity policies)."""
    iam = store.account(principal.account_id).iam
    if principal.kind == "user":
        user = iam.users.get(principal.name)
        if user is None:
            return ApplicablePolicies()
        sources = _entity_policies(iam, user, "user")
        for group_name in user.group_names:
            group = iam.groups.get(group_name)
            if group is not None:
                sources += _entity_policies(iam, group, "group")
        return ApplicablePolicies(tuple(sources), _boundary(iam, user.permissions_boundary))
    if principal.kind == "assumed-role":
        role = iam.roles.get(principal.name)
        if role is None:
            return ApplicablePolicies()
        session = principal.credential.role_session if principal.credential else None
        session_sources = None
        if session is not None and (session.session_policies or session.session_policy_arns):
            session_sources = tuple(
                [PolicySource("session-policy", "none", parse_policy(text, "session"))
                 for text in session.session_policies]
                + [s for s in (_managed(iam, arn) for arn in session.session_policy_arns) if s is not None]
            )
        return ApplicablePolicies(
            tuple(_entity_policies(iam, role, "role")), _boundary(iam, role.permissions_boundary), session_sources
        )
    return ApplicablePolicies()


def principal_tags(store: Store, principal: Principal) -> dict[str, str]:
    """aws:PrincipalTag values: the user's or role's tags, with a session's tags over them."""
    iam = store.account(principal.account_id).iam
    if principal.kind == "user":
        user = iam.users.get(principal.name)
        return dict(user.tags) if user else {}
    if principal.kind == "assumed-role":
        role = iam.roles.get(principal.name)
        tags = dict(role.tags) if role else {}
        session = principal.credential.role_session if principal.credential else None
        tags.update(dict(session.tags) if session else {})
        return tags
    return {}
