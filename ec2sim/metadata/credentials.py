"""Instance role credentials: issued on demand, served until 15 minutes before expiry.

One set per (instance, role) at a time. A request within the last 15 minutes of
the current set's life gets a new set (botocore refreshes at 15 minutes, its
advisory window, so it receives the new one); the old set stays valid in the
store until its own expiration. Nothing is issued in the background: an instance
that is terminated, loses its profile, or whose role is deleted or removed from
the profile is simply never asked for, or never served, a new set.

The set records ``ec2:RoleDelivery`` of the request that caused it to be issued
(1.0 for IMDSv1, 2.0 for IMDSv2): AWS issues one set per role delivery, but an
instance whose software uses both versions is rare, and one set keeps the
rotation rules simple.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeGuard

from ec2sim.iam.sessions import issue
from ec2sim.store import Store
from ec2sim.store.ec2.instances import Instance
from ec2sim.store.iam.credentials import Credential, RoleSession
from ec2sim.store.iam.entities import Role

REFRESH_BEFORE = timedelta(minutes=15)
IDENTITY_ROLE = "aws:ec2-instance"  # the instance identity role of identity-credentials/ec2


def iso(when: datetime) -> str:
    """IMDS's timestamp format: ``2012-04-26T16:39:16Z``."""
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def imds_json(data: dict[str, object]) -> str:
    """JSON laid out as IMDS writes it (two-space indent, ``"Key" : value``)."""
    return json.dumps(data, indent=2, separators=(",", " : "))


@dataclass(frozen=True)
class SessionRole:
    """What a session is issued for: a real role, or the instance identity role."""

    name: str
    id: str
    path: str


def identity_role(instance: Instance) -> SessionRole:
    """The role of identity credentials; its id is derived from the account, stable per server."""
    return SessionRole(IDENTITY_ROLE, "AROA" + instance.owner_id.rjust(17, "0"), "/")


class RoleCredentialCache:
    """The current credential set of each (instance, role id); lives as long as the app."""

    def __init__(self, store: Store, lifetime_seconds: int) -> None:
        self.store = store
        self.lifetime = lifetime_seconds
        self._current: dict[tuple[str, str], Credential] = {}

    def current(
        self, instance: Instance, role: Role | SessionRole, now: datetime, delivery: str
    ) -> Credential:
        """The set to serve now (callers hold `store.lock`)."""
        key = (instance.id, role.id)
        found = self._current.get(key)
        if self._servable(found, now):
            return found
        session = RoleSession(
            role_name=role.name,
            role_id=role.id,
            role_path=role.path,
            session_name=instance.id,
            source_instance_arn=instance.arn,
            role_delivery=delivery,
        )
        credential = issue(
            self.store, instance.owner_id, "role-session", now, self.lifetime, role_session=session
        )
        self._current[key] = credential
        return credential

    def _servable(self, found: Credential | None, now: datetime) -> TypeGuard[Credential]:
        """Still the store's (a reset forgets every key) and not yet in its last 15 minutes."""
        return (
            found is not None
            and found.expiration is not None
            and now < found.expiration - REFRESH_BEFORE
            and self.store.credentials.get(found.access_key_id) is found
        )


def credentials_document(credential: Credential) -> str:
    """The body of ``iam/security-credentials/ROLE``."""
    assert credential.issued is not None and credential.expiration is not None
    return imds_json(
        {
            "Code": "Success",
            "LastUpdated": iso(credential.issued),
            "Type": "AWS-HMAC",
            "AccessKeyId": credential.access_key_id,
            "SecretAccessKey": credential.secret,
            "Token": credential.session_token,
            "Expiration": iso(credential.expiration),
        }
    )
