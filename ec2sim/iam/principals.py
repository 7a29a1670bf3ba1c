"""Who is calling, resolved once per request and shared by handlers and the policy engine."""

from __future__ import annotations

from dataclasses import dataclass

from ec2sim.store.iam.credentials import Credential
from ec2sim.store.resources import root_arn


@dataclass(frozen=True)
class Principal:
    account_id: str
    kind: str  # "root" | "user" | "assumed-role"
    arn: str
    user_id: str  # account id (root), AIDA… (user), AROA…:session (assumed role)
    access_key_id: str = ""
    name: str = ""  # the user name, or the role name of a session
    credential: Credential | None = None  # None for keys the server never issued

    @classmethod
    def root(
        cls, account_id: str, access_key_id: str = "", credential: Credential | None = None
    ) -> Principal:
        return cls(
            account_id,
            "root",
            root_arn(account_id),
            account_id,
            access_key_id,
            credential=credential,
        )

    @classmethod
    def anonymous(cls, account_id: str) -> Principal:
        """The sender of an unsigned request to an operation AWS serves without credentials
        (AssumeRoleWithWebIdentity, AssumeRoleWithSAML): no identity, no identity-based policies."""
        return cls(account_id, "anonymous", "anonymous", "anonymous")

    @property
    def session_name(self) -> str | None:
        session = self.credential.role_session if self.credential else None
        return session.session_name if session else None

    @property
    def is_temporary(self) -> bool:
        return bool(self.credential and self.credential.session_token)
