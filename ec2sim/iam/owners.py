"""The IAM user or role a credential belongs to, recognised by its unique id.

Credentials name their user or role (to find it) and carry its unique id (``AIDA…``/``AROA…``) to
recognise it: AWS ties credentials to the id, not the name, so a user or role deleted and created
again under the same name is another principal, and the old credentials belong to nobody. A rename
keeps the id (UpdateUser moves its credentials' user name along). Everything that goes from a
credential or a principal back to its user or role goes through here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ec2sim.iam.principals import Principal
from ec2sim.store.iam.credentials import Credential

if TYPE_CHECKING:
    from ec2sim.store.iam.account import IamAccount
    from ec2sim.store.iam.entities import Role, User


def owning_user(iam: IamAccount, credential: Credential | None) -> User | None:
    """The user whose long-term key, GetSessionToken or GetFederationToken session this is, if that
    user still exists.

    A long-term key lives in its user's record (`User.access_keys`), which a user created again
    under the same name starts without; a session names its user's unique id."""
    if credential is None or credential.kind not in ("user", "user-session", "federated-user"):
        return None
    user = iam.users.get(credential.user_name or "")
    if user is None:
        return None
    if credential.kind == "user":
        return user if credential.access_key_id in user.access_keys else None
    return user if user.id == credential.user_id else None


def owning_role(iam: IamAccount, credential: Credential | None) -> Role | None:
    """The role of a role session (AssumeRole or instance credentials), if that role still exists."""
    session = credential.role_session if credential is not None else None
    if session is None:
        return None
    role = iam.roles.get(session.role_name)
    return role if role is not None and role.id == session.role_id else None


def principal_user(iam: IamAccount, principal: Principal) -> User | None:
    """The IAM user `principal` is (None for the root user and role sessions, or if it is gone)."""
    return owning_user(iam, principal.credential) if principal.kind == "user" else None


def principal_role(iam: IamAccount, principal: Principal) -> Role | None:
    """The role of a role-session `principal` (None for others, or if the role is gone)."""
    return owning_role(iam, principal.credential) if principal.kind == "assumed-role" else None
