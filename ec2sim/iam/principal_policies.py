"""The policies that apply to a principal, gathered from the store for the engine.

Identity policies: a user's inline and attached policies and its groups'; a
role session's role's; a federated user's (GetFederationToken), its IAM user's. Its permissions boundary, if set, and a role session's
session policies (inline and managed) narrow them, and so does each layer of
GetScopedCredentials' scope-down policies. Changes that have not yet
propagated (`ec2sim.iam.propagation`) are left out. A principal's user or role is found by
unique id (`ec2sim.iam.owners`): one deleted and created again under the same name grants nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from ec2sim.iam.owners import owning_user, principal_role, principal_user
from ec2sim.iam.policy.engine import PolicySource
from ec2sim.iam.policy.grammar import parse_policy
from ec2sim.iam.principal_cache import PrincipalEntry, principal_entry
from ec2sim.iam.principals import Principal
from ec2sim.iam.propagation import pending, visible
from ec2sim.store import Store
from ec2sim.store.iam.entities import Group, Role, User
from ec2sim.store.iam.entities import Principal as IamPrincipal
from ec2sim.store.iam.managed import aws_managed_policy

if TYPE_CHECKING:
    from ec2sim.store.iam.account import IamAccount
    from ec2sim.store.iam.changes import Key

    Pending = dict[Key, datetime] | None


@dataclass(frozen=True)
class ApplicablePolicies:
    identity: tuple[PolicySource, ...] = ()
    boundary: tuple[PolicySource, ...] | None = None
    session: tuple[PolicySource, ...] | None = None
    # GetScopedCredentials' scope-down layers: each must allow as well (the intersection).
    scopes: tuple[tuple[PolicySource, ...], ...] = ()


_NONE = ApplicablePolicies()


def _managed(iam: IamAccount, arn: str, changes: Pending = None) -> PolicySource | None:
    policy = iam.policies.get(arn) or aws_managed_policy(arn)
    if policy is None or not visible(changes, "policy", arn):
        return None
    kind = "aws-managed" if policy.is_aws_managed else "user-managed"
    grammar = "aws-managed" if policy.is_aws_managed else "managed"
    return PolicySource(arn, kind, parse_policy(policy.default_document, grammar))


def _entity_policies(
    iam: IamAccount, entity: IamPrincipal, kind: str, changes: Pending = None
) -> list[PolicySource]:
    name = entity.name
    sources = [
        PolicySource(policy, kind, parse_policy(text, "inline"))
        for policy, text in entity.inline_policies.items()
        if visible(changes, kind, name, "inline", policy)
    ]
    attached = (
        _managed(iam, arn, changes)
        for arn in entity.attached_policies
        if visible(changes, kind, name, "attached", arn)
    )
    return sources + [s for s in attached if s is not None]


def _boundary(
    iam: IamAccount, entity: User | Role, kind: str, changes: Pending = None
) -> tuple[PolicySource, ...] | None:
    arn = entity.permissions_boundary
    if not arn or not visible(changes, kind, entity.name, "boundary"):
        return None
    found = _managed(iam, arn, changes)
    return (found,) if found is not None else ()


def _user_policies(iam: IamAccount, user: User, changes: Pending = None) -> ApplicablePolicies:
    """A user's own policies, its groups' and its boundary."""
    sources = _entity_policies(iam, user, "user", changes)
    for group_name in user.group_names:
        group = iam.groups.get(group_name)
        if (
            group is not None
            and visible(changes, "group", group_name)
            and visible(changes, "user", user.name, "group", group_name)
        ):
            sources += _entity_policies(iam, group, "group", changes)
    return ApplicablePolicies(tuple(sources), _boundary(iam, user, "user", changes))


def entity_policies(iam: IamAccount, entity: User | Group | Role) -> ApplicablePolicies:
    """What the policy simulator evaluates for a user, group or role, as stored now."""
    if isinstance(entity, User):
        return _user_policies(iam, entity)
    if isinstance(entity, Role):
        return ApplicablePolicies(
            tuple(_entity_policies(iam, entity, "role")), _boundary(iam, entity, "role")
        )
    return ApplicablePolicies(tuple(_entity_policies(iam, entity, "group")))


def _session_policies(iam: IamAccount, principal: Principal) -> tuple[PolicySource, ...] | None:
    credential = principal.credential
    session = (credential.role_session or credential.federated) if credential else None
    if session is None:
        return None
    if not (session.session_policies or session.session_policy_arns):
        # A federated session without session policies has no permissions (GetFederationToken
        # API reference); a role session without them has its role's.
        return () if principal.kind == "federated-user" else None
    return tuple(
        [
            PolicySource("session-policy", "none", parse_policy(text, "session"))
            for text in session.session_policies
        ]
        + [s for s in (_managed(iam, arn) for arn in session.session_policy_arns) if s is not None]
    )


def cached_entry(store: Store, principal: Principal) -> PrincipalEntry[ApplicablePolicies] | None:
    """`principal`'s cache entry (`ec2sim.iam.principal_cache`), None when it has none: the root
    user and unsigned callers (no identity policies), or while its account's changes propagate."""
    credential = principal.credential
    if credential is None or principal.kind in ("root", "anonymous"):
        return None
    iam = store.account(principal.account_id).iam
    if iam.pending_changes and pending(iam, store.clock.now()) is not None:
        return None
    return principal_entry(iam, credential, lambda: _gather(iam, principal, None))


def applicable_policies(store: Store, principal: Principal) -> ApplicablePolicies:
    """What the engine needs for `principal` (root: nothing, it is never limited by identity policies)."""
    if principal.kind == "root":
        return _NONE
    entry = cached_entry(store, principal)
    if entry is not None:
        return entry.policies
    iam = store.account(principal.account_id).iam
    return _gather(iam, principal, pending(iam, store.clock.now()))


def _gather(iam: IamAccount, principal: Principal, changes: Pending) -> ApplicablePolicies:
    found = _gather_unscoped(iam, principal, changes)
    layers = principal.credential.scope_policies if principal.credential else ()
    if not layers or found is _NONE:
        return found
    return replace(
        found,
        scopes=tuple(
            (PolicySource("scope-policy", "none", parse_policy(text, "session")),) for text in layers
        ),
    )


def _gather_unscoped(iam: IamAccount, principal: Principal, changes: Pending) -> ApplicablePolicies:
    if principal.kind == "user":
        user = principal_user(iam, principal)
        if user is None or not visible(changes, "user", principal.name):
            return _NONE
        return _user_policies(iam, user, changes)
    if principal.kind == "assumed-role":
        role = principal_role(iam, principal)
        if role is None or not visible(changes, "role", principal.name):
            return _NONE
        return ApplicablePolicies(
            tuple(_entity_policies(iam, role, "role", changes)),
            _boundary(iam, role, "role", changes),
            _session_policies(iam, principal),
        )
    if principal.kind == "federated-user":
        return _federated_policies(iam, principal, changes)
    return ApplicablePolicies()


def _federated_policies(iam: IamAccount, principal: Principal, changes: Pending) -> ApplicablePolicies:
    """The intersection of the IAM user's policies (within its boundary) and the session policies;
    for the root user's federated sessions, the session policies alone (the root user's own
    permissions are everything)."""
    session = _session_policies(iam, principal) or ()
    credential = principal.credential
    if credential is None or credential.user_id is None:
        return ApplicablePolicies(session)
    user = owning_user(iam, credential)
    if user is None or not visible(changes, "user", user.name):
        return _NONE
    own = _user_policies(iam, user, changes)
    return ApplicablePolicies(own.identity, own.boundary, session)


def principal_tags(store: Store, principal: Principal) -> dict[str, str]:
    """aws:PrincipalTag values: the user's or role's tags, with a session's tags over them."""
    entry = cached_entry(store, principal)
    if entry is None:
        return _principal_tags(store.account(principal.account_id).iam, principal)
    if entry.tags is None:
        entry.tags = _principal_tags(store.account(principal.account_id).iam, principal)
    return entry.tags


def _principal_tags(iam: IamAccount, principal: Principal) -> dict[str, str]:
    if principal.kind == "user":
        user = principal_user(iam, principal)
        return dict(user.tags) if user else {}
    if principal.kind == "assumed-role":
        role = principal_role(iam, principal)
        tags = dict(role.tags) if role else {}
        session = principal.credential.role_session if principal.credential else None
        tags.update(dict(session.tags) if session else {})
        return tags
    federated = principal.credential.federated if principal.credential else None
    return dict(federated.tags) if federated else {}
