"""One account's IAM tables: plain data, with the indexes and back-links the changes keep in step.

Only `ec2sim.store.iam.changes` writes here (through `IamAccount`'s operations); everything else reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ec2sim.store.iam.entities import Group, InstanceProfile, ManagedPolicy, NamedTable, Role, User
from ec2sim.store.iam.usage import AccessUsage
from ec2sim.store.iam.user_credentials import UserCredentials
from ec2sim.store.resources import IAM_TYPES

if TYPE_CHECKING:
    from ec2sim.store.iam.oidc import OidcProvider
    from ec2sim.store.iam.saml import SamlProvider

# Managed policy ARN → the entities using it: ("user"|"group"|"role", lower-cased name).
Uses = dict[str, set[tuple[str, str]]]


@dataclass(eq=False)
class CredentialReport:
    generated: datetime
    content: str  # CSV


@dataclass(eq=False)
class IamTables:
    account_id: str
    create_date: datetime  # when the account first appeared (the root user's CreateDate)
    users: NamedTable[User] = field(default_factory=NamedTable)
    groups: NamedTable[Group] = field(default_factory=NamedTable)
    roles: NamedTable[Role] = field(default_factory=NamedTable)
    instance_profiles: NamedTable[InstanceProfile] = field(default_factory=NamedTable)
    policies: dict[str, ManagedPolicy] = field(default_factory=dict)  # customer managed, by ARN
    policy_names: dict[str, str] = field(default_factory=dict)  # lower-cased name → ARN (names are unique)
    attachments: Uses = field(default_factory=dict)  # customer or AWS managed policy → attachments
    boundary_uses: Uses = field(default_factory=dict)  # managed policy → entities it bounds
    password_policy: dict[str, Any] | None = None
    aliases: list[str] = field(default_factory=list)
    credential_report: CredentialReport | None = None
    settings: dict[str, str] = field(default_factory=dict)  # `ec2sim.store.iam.settings`
    oidc_providers: dict[str, OidcProvider] = field(default_factory=dict)  # by ARN (`ec2sim.store.iam.oidc`)
    saml_providers: dict[str, SamlProvider] = field(default_factory=dict)  # by ARN (`ec2sim.store.iam.saml`)
    # MFA devices, SSH keys, server and signing certificates, service-specific credentials
    user_credentials: UserCredentials = field(default_factory=UserCredentials)
    deletion_tasks: dict[str, str] = field(default_factory=dict)  # service-linked role deletions: id → status
    # IAM changes not yet propagated (--iam-propagation-seconds): key → when they become visible.
    # Derived from the journal and the setting (`ec2sim.store.iam.journal`), not journaled itself.
    pending_changes: dict[tuple[str, ...], datetime] = field(default_factory=dict)
    # Access advisor's last uses by entity (`ec2sim.store.iam.usage`): usage, written in place.
    usage: AccessUsage = field(default_factory=AccessUsage)

    # The store revision of this account's last IAM change (`IamStore.record`): what per-principal
    # caches key on (`ec2sim.iam.principal_cache`); a change elsewhere leaves them be. Derived, so
    # deliberately no dataclass field (unannotated): no part of the account's state.
    revision = 0

    def arn(self, kind: str, path: str, name: str) -> str:
        """``arn:aws:iam::123456789012:user/path/name``."""
        return IAM_TYPES[kind].arn("", self.account_id, name, path)

    def table(self, kind: str) -> NamedTable[Any]:
        """The entities of a kind: "user", "group", "role" or "instance-profile"."""
        tables: dict[str, NamedTable[Any]] = {
            "user": self.users,
            "group": self.groups,
            "role": self.roles,
            "instance-profile": self.instance_profiles,
        }
        return tables[kind]

    def find_instance_profile(self, name_or_arn: str) -> InstanceProfile | None:
        """The profile a name or a full ARN (path included, as IAM writes it) designates, if any."""
        if not name_or_arn.startswith("arn:"):
            return self.instance_profiles.get(name_or_arn)
        profile = self.instance_profiles.get(name_or_arn.rsplit("/", 1)[-1])
        return profile if profile is not None and profile.arn == name_or_arn else None
