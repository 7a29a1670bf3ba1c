"""Who is calling, resolved once per request and shared by handlers and the policy engine."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Principal:
    account_id: str
    kind: str  # "root" | "user" | "assumed-role"
    arn: str
    user_id: str
    access_key_id: str = ""

    @classmethod
    def root(cls, account_id: str, access_key_id: str = "") -> Principal:
        return cls(account_id, "root", f"arn:aws:iam::{account_id}:root", account_id, access_key_id)
