"""Instance role credentials: issued on demand, rotated before they expire.

One set per (instance, role, role delivery) at a time. AWS keeps IMDSv1 and
IMDSv2 role credentials apart ("without a session token, you receive the IMDSv1
role credentials … using a valid session token, you receive the IMDSv2 role
credentials": ModifyInstanceMetadataOptions, HttpTokens), so each delivery
version gets its own rotating set whose ``ec2:RoleDelivery`` is 1.0 or 2.0; a
policy on that key sees exactly how the holder fetched them.

A request near the end of the current set's life (see `served_until`) gets a
new set; the old set stays valid in the store until its own expiration.
Nothing is issued in the background: an instance that is terminated, loses its
profile, or whose role is deleted or removed from the profile is simply never
asked for, or never served, a new set. A set belongs to its role's unique id
(`ec2sim.iam.owners`): once the role is deleted, even if created again under
the same name, the sets issued for it are refused; the new role gets new sets.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from ec2sim.store import Store
from ec2sim.store.iam.credentials import Credential, RoleSession

if TYPE_CHECKING:
    from ec2sim.store.ec2.instances import Instance
    from ec2sim.store.iam.entities import Role

REFRESH_BEFORE = timedelta(minutes=15)  # botocore's advisory refresh window
IDENTITY_ROLE = "aws:ec2-instance"  # the instance identity role of identity-credentials/ec2


def iso(when: datetime) -> str:
    """IMDS's timestamp format: ``2012-04-26T16:39:16Z``."""
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def imds_json(data: dict[str, object]) -> str:
    """JSON laid out as IMDS writes it (two-space indent, ``"Key" : value``)."""
    return json.dumps(data, indent=2, separators=(",", " : "))


@dataclass(frozen=True)
class SessionRole:
    """The instance identity role: not an IAM role, so its sessions are not checked against one."""

    name: str
    id: str
    path: str


def identity_role(instance: Instance) -> SessionRole:
    """The role of identity credentials; its id is derived from the account, stable per server."""
    return SessionRole(IDENTITY_ROLE, "AROA" + instance.owner_id.rjust(17, "0"), "/")


def served_until(credential: Credential) -> datetime:
    """When a set stops being served: min(15 minutes, half its lifetime) before it expires.

    15 minutes is botocore's advisory refresh window, so an SDK refreshing then
    receives the new set (AWS: new credentials are available "at least five
    minutes before the expiration of the old credentials"). A set living 30
    minutes or less would be inside that window from the start and be replaced on
    every request; serving it for the first half of its life keeps one set per
    rotation whatever the configured lifetime (at least 900 seconds).
    """
    assert credential.issued is not None and credential.expiration is not None
    lifetime = credential.expiration - credential.issued
    return credential.expiration - min(REFRESH_BEFORE, lifetime / 2)


class RoleCredentialCache:
    """The current set's key id per (instance, role id, delivery); lives as long as the app.

    Only key ids are kept: the sets themselves live in `store.credentials` and
    leave it some time after they expire (or on a reset), which ends their use here.
    """

    def __init__(self, store: Store, lifetime_seconds: int) -> None:
        self.store = store
        self.lifetime = lifetime_seconds
        self._current: dict[tuple[str, str, str], str] = _issued_sets(store)
        self._documents: dict[str, str] = {}  # key id of a current set: its document

    def current(
        self, instance: Instance, role: Role | SessionRole, now: datetime, delivery: str
    ) -> Credential:
        """The set to serve now for this role delivery, "1.0" or "2.0" (callers hold `store.lock`)."""
        key = (instance.id, role.id, delivery)
        key_id = self._current.get(key)
        found = self.store.credentials.get(key_id) if key_id is not None else None
        if found is not None and now < served_until(found):
            return found
        from ec2sim.iam.sessions import issue  # the IAM journal's changes: with the first set

        session = RoleSession(
            role_name=role.name,
            role_id=role.id,
            role_path=role.path,
            session_name=instance.id,
            source_instance_arn=instance.arn,
            role_delivery=delivery,
            iam_role=not isinstance(role, SessionRole),  # an IAM role's, not the identity role's
        )
        credential = issue(
            self.store, instance.owner_id, "role-session", now, self.lifetime, role_session=session
        )
        if key_id is not None:
            self._documents.pop(key_id, None)
        self._current[key] = credential.access_key_id
        return credential

    def document(self, credential: Credential) -> str:
        """`credentials_document` of the set, rendered once per set (a set never changes; the
        rendering leaves with the set when the next one is issued)."""
        found = self._documents.get(credential.access_key_id)
        if found is None:
            found = self._documents[credential.access_key_id] = credentials_document(credential)
        return found


def _issued_sets(store: Store) -> dict[tuple[str, str, str], str]:
    """The newest set of each (instance, role id, delivery) the store holds: after a restart with
    durable state (``--state-dir``), instances keep being served the sets issued before it."""
    with store.lock:
        sets = [
            c for c in store.credentials.values() if c.role_session and c.role_session.source_instance_arn
        ]
        sets.sort(key=lambda c: c.issued or datetime.min.replace(tzinfo=timezone.utc))
        return {
            (
                c.role_session.session_name,
                c.role_session.role_id,
                c.role_session.role_delivery or "",
            ): c.access_key_id
            for c in sets
            if c.role_session is not None
        }


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
