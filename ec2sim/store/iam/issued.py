"""Journal records of issued temporary credentials (STS sessions, instance role sets) and their end."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ec2sim.store.iam.changes import Change, IamState, role_in
from ec2sim.store.iam.credentials import Credential, FederatedSession, RoleSession


@dataclass(frozen=True, kw_only=True)
class IssueCredential(Change):
    """An STS session or instance role set, issued ``at``. ``role_used_region`` (AssumeRole) records
    the role's last use with it: usage that comes with a journaled change costs nothing more."""

    access_key_id: str
    secret: str
    kind: str
    session_token: str
    expiration: datetime
    user_name: str | None = None
    user_id: str | None = None
    role_session: RoleSession | None = None
    federated: FederatedSession | None = None
    role_used_region: str | None = None
    mfa_authenticated_at: datetime | None = None  # the session (or the one it chains from) used MFA then
    scope_policies: tuple[str, ...] = ()  # GetScopedCredentials' layers

    def apply(self, state: IamState) -> None:
        credential = Credential(
            access_key_id=self.access_key_id,
            secret=self.secret,
            account_id=self.account_id,
            kind=self.kind,
            user_name=self.user_name,
            user_id=self.user_id,
            session_token=self.session_token,
            expiration=self.expiration,
            issued=self.at,
            role_session=self.role_session,
            federated=self.federated,
            mfa_authenticated=self.mfa_authenticated_at is not None,
            mfa_authenticated_at=self.mfa_authenticated_at,
            scope_policies=self.scope_policies,
        )
        state.credentials[self.access_key_id] = credential
        state.forget_after_expiry(credential)
        if self.role_used_region is not None and self.role_session is not None:
            role = role_in(state.tables(self.account_id), self.role_session.role_name)
            role.last_used_date, role.last_used_region = self.at, self.role_used_region


@dataclass(frozen=True, kw_only=True)
class ForgetCredential(Change):
    """A temporary key expired long enough ago is forgotten: only its expiry is kept (ExpiredToken)."""

    access_key_id: str
    expiration: datetime

    def apply(self, state: IamState) -> None:
        del state.credentials[self.access_key_id]
        state.retired_keys[self.access_key_id] = self.expiration
