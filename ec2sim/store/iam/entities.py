"""IAM entities as plain data. IAM is global per account: no regions here.

Names are unique per account regardless of case, so every collection is keyed
by the lower-cased name (`NamedTable`); policies are keyed by ARN.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar


@dataclass(eq=False)
class Entity:
    """A user, group, role or instance profile: name, path, unique id, ARN."""

    name: str
    path: str
    id: str
    arn: str
    create_date: datetime
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(eq=False)
class Principal(Entity):
    """A user, group or role: holds inline policies and attached managed policies."""

    inline_policies: dict[str, str] = field(default_factory=dict)  # name → document text
    attached_policies: list[str] = field(default_factory=list)  # managed policy ARNs, in order


@dataclass(eq=False)
class AccessKey:
    id: str
    secret: str
    user_name: str
    create_date: datetime
    status: str = "Active"
    last_used_date: datetime | None = None
    last_used_service: str | None = None
    last_used_region: str | None = None


@dataclass(eq=False)
class LoginProfile:
    password_hash: str  # "pbkdf2_sha256$iterations$salt$hash"
    create_date: datetime
    password_reset_required: bool = False
    password_history: list[str] = field(default_factory=list)  # recent hashes, newest last (reuse prevention)


@dataclass(eq=False)
class User(Principal):
    permissions_boundary: str | None = None
    access_keys: dict[str, AccessKey] = field(default_factory=dict)
    login_profile: LoginProfile | None = None
    password_last_used: datetime | None = None
    group_names: list[str] = field(default_factory=list)  # lower-cased group names
    mfa_devices: list[str] = field(default_factory=list)


@dataclass(eq=False)
class Group(Principal):
    member_names: list[str] = field(default_factory=list)  # lower-cased user names


@dataclass(eq=False)
class Role(Principal):
    assume_role_policy: str = ""
    description: str | None = None
    max_session_duration: int = 3600
    permissions_boundary: str | None = None
    last_used_date: datetime | None = None
    last_used_region: str | None = None
    profile_names: list[str] = field(default_factory=list)  # lower-cased instance profile names


@dataclass(eq=False)
class InstanceProfile(Entity):
    role_names: list[str] = field(default_factory=list)  # lower-cased role names (at most one)


@dataclass(eq=False)
class PolicyVersion:
    version_id: str  # "v1", "v2", ...
    document: str
    create_date: datetime


@dataclass(eq=False)
class ManagedPolicy:
    name: str
    path: str
    id: str
    arn: str
    create_date: datetime
    update_date: datetime
    description: str | None = None
    versions: dict[str, PolicyVersion] = field(default_factory=dict)
    default_version_id: str = "v1"
    next_version: int = 2
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def is_aws_managed(self) -> bool:
        return self.arn.startswith("arn:aws:iam::aws:")

    @property
    def default_document(self) -> str:
        return self.versions[self.default_version_id].document


E = TypeVar("E", bound=Entity)


class NamedTable(Generic[E]):
    """Entities by case-insensitive name."""

    def __init__(self) -> None:
        self._items: dict[str, E] = {}

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[E]:
        return iter(self._items.values())

    def get(self, name: str) -> E | None:
        return self._items.get(name.lower())

    def add(self, entity: E) -> E:
        self._items[entity.name.lower()] = entity
        return entity

    def remove(self, name: str) -> E | None:
        return self._items.pop(name.lower(), None)

    def rename(self, entity: E, new_name: str, new_path: str | None = None) -> E:
        self._items.pop(entity.name.lower(), None)
        entity.name = new_name
        if new_path is not None:
            entity.path = new_path
        self._items[new_name.lower()] = entity
        return entity

    def sorted(self) -> list[E]:
        """In IAM's listing order (by name)."""
        return sorted(self._items.values(), key=lambda e: e.name.lower())
