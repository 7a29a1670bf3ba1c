"""Issuing temporary credentials (STS sessions and instance role credentials)."""

from __future__ import annotations

import base64
import secrets
from datetime import datetime, timedelta

from ec2sim.store import Store
from ec2sim.store.iam.credentials import Credential, FederatedSession, RoleSession
from ec2sim.store.iam.issued import IssueCredential


def session_token(minimum: int = 0) -> str:
    """An opaque token shaped like AWS's (long base64), at least `minimum` characters long
    (GetScopedCredentials' MinimumSessionTokenSize)."""
    size = max(264, -(-(minimum - 17) * 3 // 4))  # base64 turns 3 bytes into 4 characters
    return "IQoJb3JpZ2luX2VjE" + base64.b64encode(secrets.token_bytes(size)).decode()


def issue(
    store: Store,
    account_id: str,
    kind: str,
    now: datetime,
    duration_seconds: int,
    *,
    user_name: str | None = None,
    user_id: str | None = None,
    role_session: RoleSession | None = None,
    federated: FederatedSession | None = None,
    role_used_region: str | None = None,
    mfa_authenticated_at: datetime | None = None,
    scope_policies: tuple[str, ...] = (),
    token_size: int = 0,
) -> Credential:
    """A new ASIA key with its secret and token, valid for `duration_seconds` of emulated time.

    It belongs to the user `user_id` (a user session) or to `role_session`'s role, by unique id;
    `role_used_region` (AssumeRole) records the role's use; `mfa_authenticated_at`: when MFA
    authenticated it (GetSessionToken, AssumeRole with a code, or the MFA session it chains from);
    `scope_policies`: GetScopedCredentials' layers; `token_size`: the token's minimum length.
    One journaled change (`IssueCredential`)."""
    change = IssueCredential(
        account_id=account_id,
        at=now,
        access_key_id=store.ids.access_key_id("ASIA"),
        secret=store.ids.secret(),
        kind=kind,
        session_token=session_token(token_size),
        expiration=(now + timedelta(seconds=duration_seconds)).replace(microsecond=0),
        user_name=user_name,
        user_id=user_id,
        role_session=role_session,
        federated=federated,
        role_used_region=role_used_region,
        mfa_authenticated_at=mfa_authenticated_at,
        scope_policies=scope_policies,
    )
    return store.iam.issue(change)


def credentials_dict(credential: Credential) -> dict[str, object]:
    """STS's ``Credentials`` structure."""
    return {
        "AccessKeyId": credential.access_key_id,
        "SecretAccessKey": credential.secret,
        "SessionToken": credential.session_token,
        "Expiration": credential.expiration,
    }
