"""One account's IAM state."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ec2sim.store.iam.entities import Group, InstanceProfile, ManagedPolicy, NamedTable, Role, User


@dataclass
class CredentialReport:
    generated: datetime
    content: str  # CSV


@dataclass(eq=False)
class IamAccount:
    account_id: str
    create_date: datetime  # when the account first appeared (the root user's CreateDate)
    users: NamedTable[User] = field(default_factory=NamedTable)
    groups: NamedTable[Group] = field(default_factory=NamedTable)
    roles: NamedTable[Role] = field(default_factory=NamedTable)
    instance_profiles: NamedTable[InstanceProfile] = field(default_factory=NamedTable)
    policies: dict[str, ManagedPolicy] = field(default_factory=dict)  # customer managed, by ARN
    # Managed policy ARN (customer or AWS) → attachments ("user"|"group"|"role", lower-cased name).
    attachments: dict[str, set[tuple[str, str]]] = field(default_factory=dict)
    # Managed policy ARN → entities using it as permissions boundary.
    boundary_uses: dict[str, set[tuple[str, str]]] = field(default_factory=dict)
    password_policy: dict[str, Any] | None = None
    aliases: list[str] = field(default_factory=list)
    credential_report: CredentialReport | None = None
    # IAM changes not yet propagated (--iam-propagation-seconds): key → when they become visible.
    pending_changes: dict[tuple[str, ...], datetime] = field(default_factory=dict)

    def arn(self, kind: str, path: str, name: str) -> str:
        """``arn:aws:iam::123456789012:user/path/name``."""
        return f"arn:aws:iam::{self.account_id}:{kind}{path}{name}"

    def find_instance_profile(self, name_or_arn: str) -> InstanceProfile | None:
        """The profile a name or a full ARN (path included, as IAM writes it) designates, if any."""
        if not name_or_arn.startswith("arn:"):
            return self.instance_profiles.get(name_or_arn)
        profile = self.instance_profiles.get(name_or_arn.rsplit("/", 1)[-1])
        return profile if profile is not None and profile.arn == name_or_arn else None
