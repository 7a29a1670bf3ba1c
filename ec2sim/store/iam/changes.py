"""The IAM journal's records: one frozen dataclass per kind of mutation, and the only code that
changes IAM state (`Change.apply`).

A change carries everything needed to apply it again (ids, secrets, timestamps), so replaying the
journal into an empty store rebuilds the same state. `apply` also keeps the indexes and back-links
(group members ↔ `User.group_names`, `attachments`, `boundary_uses`, instance-profile roles, a
user's keys and sessions) in step. Changes are built and recorded by `IamAccount`'s operations and
`IamStore`; handlers validate first, so applying never fails.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol, TypeVar

from ec2sim.store.iam.credentials import Credential
from ec2sim.store.iam.entities import (
    AccessKey,
    Group,
    InstanceProfile,
    LoginProfile,
    ManagedPolicy,
    PolicyVersion,
    Principal,
    Role,
    User,
)
from ec2sim.store.iam.tables import CredentialReport, IamTables, Uses

Key = tuple[str, ...]  # a propagation key (`ec2sim.iam.propagation`)
Tags = tuple[tuple[str, str], ...]
T = TypeVar("T")
PrincipalKind = Literal["user", "group", "role"]
TaggableKind = Literal["user", "role", "instance-profile", "policy"]


class IamState(Protocol):
    """What changes apply to (`ec2sim.store.iam.journal.IamStore`)."""

    credentials: dict[str, Credential]
    retired_keys: dict[str, datetime | None]

    def tables(self, account_id: str) -> IamTables: ...

    def add_account(self, account_id: str, create_date: datetime) -> None: ...

    def forget_after_expiry(self, credential: Credential) -> None: ...


@dataclass(frozen=True, kw_only=True)
class Change(ABC):
    account_id: str
    at: datetime

    @abstractmethod
    def apply(self, state: IamState) -> None:
        """Make the change (and nothing else may change IAM state)."""

    def pending_keys(self) -> tuple[Key, ...]:
        """What stays invisible until it has propagated (``--iam-propagation-seconds``)."""
        return ()


def _link(index: Uses, arn: str, who: tuple[str, str]) -> None:
    index.setdefault(arn, set()).add(who)


def _unlink(index: Uses, arn: str, who: tuple[str, str]) -> None:
    uses = index.get(arn)
    if uses is not None:
        uses.discard(who)
        if not uses:
            del index[arn]


def _set_boundary(tables: IamTables, kind: str, entity: User | Role, arn: str | None) -> None:
    who = (kind, entity.name.lower())
    if entity.permissions_boundary:
        _unlink(tables.boundary_uses, entity.permissions_boundary, who)
    entity.permissions_boundary = arn
    if arn:
        _link(tables.boundary_uses, arn, who)


def found(entity: T | None) -> T:
    """What a change names exists: handlers checked before recording it."""
    assert entity is not None
    return entity


def _principal(tables: IamTables, kind: str, name: str) -> Principal:
    entity: Principal = found(tables.table(kind).get(name))
    return entity


def _user(tables: IamTables, name: str) -> User:
    return found(tables.users.get(name))


def role_in(tables: IamTables, name: str) -> Role:
    return found(tables.roles.get(name))


# Accounts and entities -----------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CreateAccount(Change):
    """An account appears (on first use): ``at`` is its root user's CreateDate."""

    def apply(self, state: IamState) -> None:
        state.add_account(self.account_id, self.at)


@dataclass(frozen=True, kw_only=True)
class CreateUser(Change):
    name: str
    path: str
    id: str
    tags: Tags = ()
    boundary: str | None = None

    def apply(self, state: IamState) -> None:
        tables = state.tables(self.account_id)
        arn = tables.arn("user", self.path, self.name)
        user = tables.users.add(User(self.name, self.path, self.id, arn, self.at, dict(self.tags)))
        _set_boundary(tables, "user", user, self.boundary)

    def pending_keys(self) -> tuple[Key, ...]:
        return (("user", self.name),)


@dataclass(frozen=True, kw_only=True)
class CreateGroup(Change):
    name: str
    path: str
    id: str

    def apply(self, state: IamState) -> None:
        tables = state.tables(self.account_id)
        arn = tables.arn("group", self.path, self.name)
        tables.groups.add(Group(self.name, self.path, self.id, arn, self.at))

    def pending_keys(self) -> tuple[Key, ...]:
        return (("group", self.name),)


@dataclass(frozen=True, kw_only=True)
class CreateRole(Change):
    name: str
    path: str
    id: str
    trust_policy: str
    description: str | None
    max_session_duration: int
    tags: Tags = ()
    boundary: str | None = None

    def apply(self, state: IamState) -> None:
        tables = state.tables(self.account_id)
        role = Role(
            name=self.name,
            path=self.path,
            id=self.id,
            arn=tables.arn("role", self.path, self.name),
            create_date=self.at,
            tags=dict(self.tags),
            assume_role_policy=self.trust_policy,
            description=self.description,
            max_session_duration=self.max_session_duration,
        )
        _set_boundary(tables, "role", tables.roles.add(role), self.boundary)

    def pending_keys(self) -> tuple[Key, ...]:
        return (("role", self.name),)


@dataclass(frozen=True, kw_only=True)
class CreateInstanceProfile(Change):
    name: str
    path: str
    id: str
    tags: Tags = ()

    def apply(self, state: IamState) -> None:
        tables = state.tables(self.account_id)
        arn = tables.arn("instance-profile", self.path, self.name)
        tables.instance_profiles.add(
            InstanceProfile(self.name, self.path, self.id, arn, self.at, dict(self.tags))
        )

    def pending_keys(self) -> tuple[Key, ...]:
        return (("instance-profile", self.name),)


@dataclass(frozen=True, kw_only=True)
class RenameEntity(Change):
    """UpdateUser/UpdateGroup: a new name and/or path; the ARN, the policy indexes, the membership
    back-links, and a user's keys and sessions follow."""

    kind: Literal["user", "group"]
    name: str
    new_name: str
    new_path: str | None

    def apply(self, state: IamState) -> None:
        tables = state.tables(self.account_id)
        table = tables.table(self.kind)
        entity: User | Group = found(table.get(self.name))
        old_key, new_key = entity.name.lower(), self.new_name.lower()
        table.rename(entity, self.new_name, self.new_path)
        entity.arn = tables.arn(self.kind, entity.path, entity.name)
        if new_key != old_key:
            for uses in (*tables.attachments.values(), *tables.boundary_uses.values()):
                if (self.kind, old_key) in uses:
                    uses.discard((self.kind, old_key))
                    uses.add((self.kind, new_key))
            if isinstance(entity, User):
                for group in filter(None, map(tables.groups.get, entity.group_names)):
                    group.member_names[group.member_names.index(old_key)] = new_key
            else:
                for user in filter(None, map(tables.users.get, entity.member_names)):
                    user.group_names[user.group_names.index(old_key)] = new_key
        if isinstance(entity, User):
            for key in entity.access_keys.values():
                key.user_name = entity.name
            for credential in state.credentials.values():  # a rename is rare: a scan will do
                if (
                    credential.account_id == self.account_id
                    and credential.kind in ("user", "user-session", "federated-user")
                    and (credential.user_name or "").lower() == old_key
                ):
                    credential.user_name = entity.name


@dataclass(frozen=True, kw_only=True)
class DeleteEntity(Change):
    """A user, group, role or instance profile, once nothing holds on to it (handlers check)."""

    kind: Literal["user", "group", "role", "instance-profile"]
    name: str

    def apply(self, state: IamState) -> None:
        tables = state.tables(self.account_id)
        entity = tables.table(self.kind).remove(self.name)
        if isinstance(entity, User | Role):
            _set_boundary(tables, self.kind, entity, None)


@dataclass(frozen=True, kw_only=True)
class SetTags(Change):
    """The whole new tag set of a user, role, instance profile or customer managed policy (by ARN)."""

    kind: TaggableKind
    name: str
    tags: Tags

    def apply(self, state: IamState) -> None:
        tables = state.tables(self.account_id)
        if self.kind == "policy":
            tables.policies[self.name].tags = dict(self.tags)
        else:
            found(tables.table(self.kind).get(self.name)).tags = dict(self.tags)


@dataclass(frozen=True, kw_only=True)
class SetBoundary(Change):
    kind: Literal["user", "role"]
    name: str
    arn: str | None

    def apply(self, state: IamState) -> None:
        tables = state.tables(self.account_id)
        _set_boundary(tables, self.kind, found(tables.table(self.kind).get(self.name)), self.arn)

    def pending_keys(self) -> tuple[Key, ...]:
        return ((self.kind, self.name, "boundary"),) if self.arn else ()


@dataclass(frozen=True, kw_only=True)
class UpdateRole(Change):
    """UpdateRole, UpdateRoleDescription, UpdateAssumeRolePolicy: the role's new settings, whole."""

    name: str
    description: str | None
    max_session_duration: int
    trust_policy: str

    def apply(self, state: IamState) -> None:
        role = role_in(state.tables(self.account_id), self.name)
        role.description = self.description
        role.max_session_duration = self.max_session_duration
        role.assume_role_policy = self.trust_policy


# Memberships and attachments ----------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class SetGroupMembership(Change):
    """Add (``member``) or remove a user from a group, on both sides."""

    user: str
    group: str
    member: bool

    def apply(self, state: IamState) -> None:
        tables = state.tables(self.account_id)
        user, group = _user(tables, self.user), found(tables.groups.get(self.group))
        user_key, group_key = user.name.lower(), group.name.lower()
        if self.member:
            user.group_names.append(group_key)
            group.member_names.append(user_key)
        else:
            user.group_names.remove(group_key)
            group.member_names.remove(user_key)

    def pending_keys(self) -> tuple[Key, ...]:
        return (("user", self.user, "group", self.group),) if self.member else ()


@dataclass(frozen=True, kw_only=True)
class SetAttachment(Change):
    """Attach (``attached``) or detach a managed policy, keeping ``attachments`` in step."""

    kind: PrincipalKind
    name: str
    arn: str
    attached: bool

    def apply(self, state: IamState) -> None:
        tables = state.tables(self.account_id)
        entity = _principal(tables, self.kind, self.name)
        who = (self.kind, entity.name.lower())
        if self.attached:
            entity.attached_policies.append(self.arn)
            _link(tables.attachments, self.arn, who)
        else:
            entity.attached_policies.remove(self.arn)
            _unlink(tables.attachments, self.arn, who)

    def pending_keys(self) -> tuple[Key, ...]:
        return ((self.kind, self.name, "attached", self.arn),) if self.attached else ()


@dataclass(frozen=True, kw_only=True)
class SetInlinePolicy(Change):
    """Put an inline policy (``document``), or delete it (None)."""

    kind: PrincipalKind
    name: str
    policy_name: str
    document: str | None

    def apply(self, state: IamState) -> None:
        policies = _principal(state.tables(self.account_id), self.kind, self.name).inline_policies
        if self.document is None:
            del policies[self.policy_name]
        else:
            policies[self.policy_name] = self.document

    def pending_keys(self) -> tuple[Key, ...]:
        return ((self.kind, self.name, "inline", self.policy_name),) if self.document is not None else ()


@dataclass(frozen=True, kw_only=True)
class SetProfileRole(Change):
    """Add (``member``) or remove a role from an instance profile, on both sides."""

    profile: str
    role: str
    member: bool

    def apply(self, state: IamState) -> None:
        tables = state.tables(self.account_id)
        profile, role = found(tables.instance_profiles.get(self.profile)), role_in(tables, self.role)
        profile_key, role_key = profile.name.lower(), role.name.lower()
        if self.member:
            profile.role_names.append(role_key)
            role.profile_names.append(profile_key)
        else:
            profile.role_names.remove(role_key)
            role.profile_names.remove(profile_key)

    def pending_keys(self) -> tuple[Key, ...]:
        return (("instance-profile", self.profile, "role"),) if self.member else ()


# Managed policies -----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CreatePolicy(Change):
    name: str
    path: str
    id: str
    description: str | None
    document: str
    tags: Tags = ()

    def apply(self, state: IamState) -> None:
        tables = state.tables(self.account_id)
        policy = ManagedPolicy(
            name=self.name,
            path=self.path,
            id=self.id,
            arn=tables.arn("policy", self.path, self.name),
            create_date=self.at,
            update_date=self.at,
            description=self.description,
            versions={"v1": PolicyVersion("v1", self.document, self.at)},
            tags=dict(self.tags),
        )
        tables.policies[policy.arn] = policy
        tables.policy_names[self.name.lower()] = policy.arn


@dataclass(frozen=True, kw_only=True)
class DeletePolicy(Change):
    arn: str

    def apply(self, state: IamState) -> None:
        tables = state.tables(self.account_id)
        del tables.policy_names[tables.policies.pop(self.arn).name.lower()]
        tables.attachments.pop(self.arn, None)
        tables.boundary_uses.pop(self.arn, None)


@dataclass(frozen=True, kw_only=True)
class CreatePolicyVersion(Change):
    arn: str
    document: str
    set_as_default: bool

    def apply(self, state: IamState) -> None:
        policy = state.tables(self.account_id).policies[self.arn]
        version = PolicyVersion(f"v{policy.next_version}", self.document, self.at)
        policy.versions[version.version_id] = version
        policy.next_version += 1
        if self.set_as_default:
            policy.default_version_id = version.version_id
            policy.update_date = self.at

    def pending_keys(self) -> tuple[Key, ...]:
        return (("policy", self.arn),) if self.set_as_default else ()


@dataclass(frozen=True, kw_only=True)
class DeletePolicyVersion(Change):
    arn: str
    version_id: str

    def apply(self, state: IamState) -> None:
        del state.tables(self.account_id).policies[self.arn].versions[self.version_id]


@dataclass(frozen=True, kw_only=True)
class SetDefaultPolicyVersion(Change):
    arn: str
    version_id: str

    def apply(self, state: IamState) -> None:
        policy = state.tables(self.account_id).policies[self.arn]
        policy.default_version_id = self.version_id
        policy.update_date = self.at

    def pending_keys(self) -> tuple[Key, ...]:
        return (("policy", self.arn),)


# Passwords, keys and account settings -------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class SetLoginProfile(Change):
    """A user's console password (its hash and recent hashes), whole; None deletes it."""

    user: str
    profile: tuple[str, bool, tuple[str, ...], datetime] | None  # hash, reset required, history, created

    def apply(self, state: IamState) -> None:
        user = _user(state.tables(self.account_id), self.user)
        if self.profile is None:
            user.login_profile = None
            return
        digest, reset, history, created = self.profile
        profile = user.login_profile or LoginProfile(digest, created)
        profile.password_hash, profile.password_reset_required = digest, reset
        profile.password_history = list(history)
        user.login_profile = profile  # the same record through its life, as readers may hold it


@dataclass(frozen=True, kw_only=True)
class CreateAccessKey(Change):
    user: str
    key_id: str
    secret: str

    def apply(self, state: IamState) -> None:
        user = _user(state.tables(self.account_id), self.user)
        user.access_keys[self.key_id] = AccessKey(self.key_id, self.secret, user.name, self.at)
        state.credentials[self.key_id] = Credential(
            self.key_id, self.secret, self.account_id, "user", user_name=user.name, issued=self.at
        )


@dataclass(frozen=True, kw_only=True)
class UpdateAccessKey(Change):
    user: str
    key_id: str
    status: str

    def apply(self, state: IamState) -> None:
        _user(state.tables(self.account_id), self.user).access_keys[self.key_id].status = self.status


@dataclass(frozen=True, kw_only=True)
class DeleteAccessKey(Change):
    """The key leaves its user, and SigV4 refuses it from now on (not taken for an unknown key)."""

    user: str
    key_id: str

    def apply(self, state: IamState) -> None:
        del _user(state.tables(self.account_id), self.user).access_keys[self.key_id]
        if state.credentials.pop(self.key_id, None) is not None:
            state.retired_keys[self.key_id] = None


@dataclass(frozen=True, kw_only=True)
class SetPasswordPolicy(Change):
    policy: tuple[tuple[str, Any], ...] | None  # None: no policy

    def apply(self, state: IamState) -> None:
        state.tables(self.account_id).password_policy = None if self.policy is None else dict(self.policy)


@dataclass(frozen=True, kw_only=True)
class SetAccountAliases(Change):
    aliases: tuple[str, ...]

    def apply(self, state: IamState) -> None:
        state.tables(self.account_id).aliases[:] = self.aliases


@dataclass(frozen=True, kw_only=True)
class StoreCredentialReport(Change):
    content: str

    def apply(self, state: IamState) -> None:
        state.tables(self.account_id).credential_report = CredentialReport(self.at, self.content)
