"""Every credential the server has issued, by access key id, across accounts.

SigV4 verification looks the key up here once per request; a key that is not
here is one the server never issued. A credential belongs to its user or role by unique id
(`user_id`, `RoleSession.role_id`), not by name: see `ec2sim.iam.owners`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class RoleSession:
    role_name: str
    role_id: str
    role_path: str
    session_name: str
    session_policies: tuple[str, ...] = ()  # inline session policy text and managed ARNs' documents
    session_policy_arns: tuple[str, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()
    transitive_tag_keys: tuple[str, ...] = ()  # passed on to sessions chained from this one
    source_instance_arn: str | None = None  # for instance role credentials (IMDS)
    role_delivery: str | None = None
    iam_role: bool = True  # False for the instance identity role, which is no IAM role
    # AssumeRoleWithWebIdentity: the condition keys the token gave the session (aws:FederatedProvider,
    # <provider>:sub...), each with its values (one value: a single-valued key).
    web_identity: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class FederatedSession:
    """A GetFederationToken session: the federated user's name, the session policies that (with the
    calling IAM user's policies, or alone for the root user) are its permissions, and its tags."""

    name: str
    session_policies: tuple[str, ...] = ()
    session_policy_arns: tuple[str, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()


@dataclass(eq=False)
class Credential:
    access_key_id: str
    secret: str
    account_id: str
    kind: str  # "root" | "user" | "user-session" | "role-session" | "federated-user"
    user_name: str | None = None
    user_id: str | None = None  # the user's AIDA… id (GetSessionToken sessions; a key lives in its user)
    session_token: str | None = None
    expiration: datetime | None = None
    issued: datetime | None = None
    role_session: RoleSession | None = None
    federated: FederatedSession | None = None  # GetFederationToken sessions
    mfa_authenticated: bool = False
    # When MFA authenticated the session, or the session it chains from (aws:MultiFactorAuthAge).
    mfa_authenticated_at: datetime | None = None
    # GetScopedCredentials' scope-down policies, one layer per call in the chain: each must allow too.
    scope_policies: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)
