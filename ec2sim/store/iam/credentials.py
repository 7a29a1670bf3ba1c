"""Every credential the server has issued, by access key id, across accounts.

SigV4 verification looks the key up here once per request; a key that is not
here is one the server never issued.
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
    source_instance_arn: str | None = None  # for instance role credentials (IMDS)
    role_delivery: str | None = None


@dataclass(eq=False)
class Credential:
    access_key_id: str
    secret: str
    account_id: str
    kind: str  # "root" | "user" | "user-session" | "role-session"
    user_name: str | None = None
    session_token: str | None = None
    expiration: datetime | None = None
    issued: datetime | None = None
    role_session: RoleSession | None = None
    mfa_authenticated: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
