"""One account's IAM state and the operations that change it.

Each operation builds one `Change` (`ec2sim.store.iam.changes`) and records it in the store's
journal, which applies it: handlers validate, then call these, and never assign IAM fields.
Handlers don't call them for requests that change nothing (attaching a policy or adding a member
again, setting the same status, boundary or role settings), so those don't move the revision.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from ec2sim.store.iam import changes as c
from ec2sim.store.iam.credential_changes import UserCredentialOps
from ec2sim.store.iam.entities import (
    AccessKey,
    Group,
    InstanceProfile,
    ManagedPolicy,
    PolicyVersion,
    Role,
    User,
)
from ec2sim.store.iam.oidc_changes import OidcProviderOperations
from ec2sim.store.iam.saml_changes import SamlProviderOps
from ec2sim.store.iam.service_linked import ServiceLinkedRoleOps
from ec2sim.store.iam.settings import AccountSettingOps
from ec2sim.store.iam.tables import CredentialReport, IamTables

__all__ = ["CredentialReport", "IamAccount"]


def _unbound(change: c.Change) -> None:
    raise RuntimeError("an IamAccount changes only inside its store (IamStore.add_account)")


def _tags(tags: dict[str, str]) -> c.Tags:
    return tuple(tags.items())


@dataclass(eq=False)
class IamAccount(
    UserCredentialOps,
    OidcProviderOperations,
    SamlProviderOps,
    ServiceLinkedRoleOps,
    AccountSettingOps,
    IamTables,
):
    record: Callable[[c.Change], None] = field(default=_unbound, repr=False)

    # Entities ---------------------------------------------------------------------------------------

    def create_user(
        self, now: datetime, name: str, path: str, user_id: str, tags: dict[str, str], boundary: str | None
    ) -> User:
        self.record(
            c.CreateUser(
                account_id=self.account_id,
                at=now,
                name=name,
                path=path,
                id=user_id,
                tags=_tags(tags),
                boundary=boundary,
            )
        )
        return c.found(self.users.get(name))

    def create_group(self, now: datetime, name: str, path: str, group_id: str) -> Group:
        self.record(c.CreateGroup(account_id=self.account_id, at=now, name=name, path=path, id=group_id))
        return c.found(self.groups.get(name))

    def create_role(
        self,
        now: datetime,
        name: str,
        path: str,
        role_id: str,
        trust_policy: str,
        description: str | None,
        max_session_duration: int,
        tags: dict[str, str],
        boundary: str | None,
    ) -> Role:
        self.record(
            c.CreateRole(
                account_id=self.account_id,
                at=now,
                name=name,
                path=path,
                id=role_id,
                trust_policy=trust_policy,
                description=description,
                max_session_duration=max_session_duration,
                tags=_tags(tags),
                boundary=boundary,
            )
        )
        return c.found(self.roles.get(name))

    def create_instance_profile(
        self, now: datetime, name: str, path: str, profile_id: str, tags: dict[str, str]
    ) -> InstanceProfile:
        self.record(
            c.CreateInstanceProfile(
                account_id=self.account_id, at=now, name=name, path=path, id=profile_id, tags=_tags(tags)
            )
        )
        return c.found(self.instance_profiles.get(name))

    def rename(
        self, now: datetime, kind: Literal["user", "group"], name: str, new_name: str, new_path: str | None
    ) -> None:
        self.record(
            c.RenameEntity(
                account_id=self.account_id, at=now, kind=kind, name=name, new_name=new_name, new_path=new_path
            )
        )

    def delete(
        self, now: datetime, kind: Literal["user", "group", "role", "instance-profile"], name: str
    ) -> None:
        self.record(c.DeleteEntity(account_id=self.account_id, at=now, kind=kind, name=name))

    def set_tags(self, now: datetime, kind: c.TaggableKind, name: str, tags: dict[str, str]) -> None:
        """The whole new tag set of an entity (a policy by ARN)."""
        self.record(c.SetTags(account_id=self.account_id, at=now, kind=kind, name=name, tags=_tags(tags)))

    def set_boundary(self, now: datetime, kind: Literal["user", "role"], name: str, arn: str | None) -> None:
        self.record(c.SetBoundary(account_id=self.account_id, at=now, kind=kind, name=name, arn=arn))

    def update_role(
        self, now: datetime, role: Role, description: str | None, max_session_duration: int, trust_policy: str
    ) -> None:
        """A role's description, maximum session duration and trust policy, whole."""
        current = (role.description, role.max_session_duration, role.assume_role_policy)
        if current == (description, max_session_duration, trust_policy):
            return
        self.record(
            c.UpdateRole(
                account_id=self.account_id,
                at=now,
                name=role.name,
                description=description,
                max_session_duration=max_session_duration,
                trust_policy=trust_policy,
            )
        )

    # Memberships and policies -------------------------------------------------------------------------

    def set_group_membership(self, now: datetime, user: str, group: str, member: bool) -> None:
        self.record(
            c.SetGroupMembership(account_id=self.account_id, at=now, user=user, group=group, member=member)
        )

    def set_attachment(
        self, now: datetime, kind: c.PrincipalKind, name: str, arn: str, attached: bool
    ) -> None:
        self.record(
            c.SetAttachment(
                account_id=self.account_id, at=now, kind=kind, name=name, arn=arn, attached=attached
            )
        )

    def set_inline_policy(
        self, now: datetime, kind: c.PrincipalKind, name: str, policy_name: str, document: str | None
    ) -> None:
        """Put (a document) or delete (None) an inline policy."""
        self.record(
            c.SetInlinePolicy(
                account_id=self.account_id,
                at=now,
                kind=kind,
                name=name,
                policy_name=policy_name,
                document=document,
            )
        )

    def set_profile_role(self, now: datetime, profile: str, role: str, member: bool) -> None:
        self.record(
            c.SetProfileRole(account_id=self.account_id, at=now, profile=profile, role=role, member=member)
        )

    def create_policy(
        self,
        now: datetime,
        name: str,
        path: str,
        policy_id: str,
        description: str | None,
        document: str,
        tags: dict[str, str],
    ) -> ManagedPolicy:
        self.record(
            c.CreatePolicy(
                account_id=self.account_id,
                at=now,
                name=name,
                path=path,
                id=policy_id,
                description=description,
                document=document,
                tags=_tags(tags),
            )
        )
        return self.policies[self.arn("policy", path, name)]

    def delete_policy(self, now: datetime, arn: str) -> None:
        self.record(c.DeletePolicy(account_id=self.account_id, at=now, arn=arn))

    def create_policy_version(
        self, now: datetime, arn: str, document: str, set_as_default: bool
    ) -> PolicyVersion:
        policy = self.policies[arn]
        version_id = f"v{policy.next_version}"
        self.record(
            c.CreatePolicyVersion(
                account_id=self.account_id, at=now, arn=arn, document=document, set_as_default=set_as_default
            )
        )
        return policy.versions[version_id]

    def delete_policy_version(self, now: datetime, arn: str, version_id: str) -> None:
        self.record(c.DeletePolicyVersion(account_id=self.account_id, at=now, arn=arn, version_id=version_id))

    def set_default_policy_version(self, now: datetime, arn: str, version_id: str) -> None:
        self.record(
            c.SetDefaultPolicyVersion(account_id=self.account_id, at=now, arn=arn, version_id=version_id)
        )

    # Passwords, keys, account settings -----------------------------------------------------------------

    def set_login_profile(
        self,
        now: datetime,
        user: str,
        password_hash: str,
        reset_required: bool,
        history: list[str],
        created: datetime,
    ) -> None:
        profile = (password_hash, reset_required, tuple(history), created)
        self.record(c.SetLoginProfile(account_id=self.account_id, at=now, user=user, profile=profile))

    def delete_login_profile(self, now: datetime, user: str) -> None:
        self.record(c.SetLoginProfile(account_id=self.account_id, at=now, user=user, profile=None))

    def create_access_key(self, now: datetime, user: str, key_id: str, secret: str) -> AccessKey:
        self.record(
            c.CreateAccessKey(account_id=self.account_id, at=now, user=user, key_id=key_id, secret=secret)
        )
        return c.found(self.users.get(user)).access_keys[key_id]

    def update_access_key(self, now: datetime, user: str, key_id: str, status: str) -> None:
        self.record(
            c.UpdateAccessKey(account_id=self.account_id, at=now, user=user, key_id=key_id, status=status)
        )

    def delete_access_key(self, now: datetime, user: str, key_id: str) -> None:
        self.record(c.DeleteAccessKey(account_id=self.account_id, at=now, user=user, key_id=key_id))

    def set_password_policy(self, now: datetime, policy: dict[str, Any] | None) -> None:
        items = None if policy is None else tuple(policy.items())
        self.record(c.SetPasswordPolicy(account_id=self.account_id, at=now, policy=items))

    def set_aliases(self, now: datetime, aliases: list[str]) -> None:
        self.record(c.SetAccountAliases(account_id=self.account_id, at=now, aliases=tuple(aliases)))

    def store_credential_report(self, now: datetime, content: str) -> CredentialReport:
        self.record(c.StoreCredentialReport(account_id=self.account_id, at=now, content=content))
        assert self.credential_report is not None
        return self.credential_report

    # Usage ----------------------------------------------------------------------------------------------

    @staticmethod
    def record_key_use(key: AccessKey, now: datetime, service: str, region: str) -> None:
        """GetAccessKeyLastUsed's data, on every request signed with a user's key: written in place,
        NOT journaled. It is usage, not configuration: journaling it would append a change and move
        the revision on every request (reads included), invalidating whatever keys on the revision
        and growing the journal without bound. Persistence saves it as a snapshot of the keys'
        last-use fields next to the journal (losing the latest uses in a crash is harmless).
        A role's last use comes with AssumeRole's journaled `IssueCredential` instead."""
        key.last_used_date, key.last_used_service, key.last_used_region = now, service, region

    @staticmethod
    def record_role_use(role: Role, now: datetime, region: str) -> None:
        """RoleLastUsed, on every request a session of the role signs: in place, as `record_key_use`."""
        role.last_used_date, role.last_used_region = now, region
