"""Authentication: from a signed request to the Principal who sent it.

Keys the server issued (IAM users' keys, temporary credentials) must sign
correctly, be active and, if temporary, carry their token and be unexpired.
Keys it never issued act as the root user of the account a 12-digit key id
names, or of the default account, unless strict credentials are configured.
Two phases: `check_signature` needs no lock (the HMAC chain runs while another request holds
the store), `principal_for` runs under it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from ec2sim.iam.owners import owning_role, owning_user
from ec2sim.iam.principals import Principal
from ec2sim.iam.sigv4 import SignatureError, check_time, is_signed, read_signature, verify
from ec2sim.store import Store
from ec2sim.store.iam.credentials import Credential
from ec2sim.store.resources import assumed_role_arn, federated_user_arn

if TYPE_CHECKING:
    from ec2sim.store.iam.account import IamAccount
    from ec2sim.store.iam.entities import Role, User

_ACCOUNT_KEY = re.compile(r"\d{12}")
_INVALID = "The security token included in the request is invalid."


class AuthenticationError(Exception):
    """`reason`: missing | incomplete | mismatch | expired (request time) | invalid (key or token)
    | token-expired; each service names these its own way."""

    def __init__(self, reason: str, message: str = "") -> None:
        super().__init__(message or reason)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class Signature:
    """A request's signature, checked without the store lock (`check_signature`): the key it was
    signed with and, for a key the server issued, the credential whose secret verified it."""

    key: str | None  # None: the request is not signed
    credential: Credential | None
    token: str | None  # the session token it carried
    service: str  # the credential scope's


def check_signature(
    store: Store,
    strict: bool,
    method: str,
    path: str,
    query: Sequence[tuple[str, str]],
    headers: Mapping[str, str],
    body: bytes,
) -> Signature:
    """The part of authentication that needs no lock: the signature's form and time and, for a
    key the server issued, the HMAC chain against its secret (the credential is one dictionary
    read; a credential's secret never changes). Run before taking the store lock, so concurrent
    requests hash in parallel with the one holding it; `principal_for` checks, under the lock,
    that the key still stands for that credential."""
    params = dict(query)
    if not is_signed(headers, params):
        if strict:
            raise AuthenticationError("missing", "Request is missing Authentication Token")
        return Signature(None, None, None, "")
    try:
        signed = read_signature(method, path, query, headers, body)
        check_time(signed)
        key = signed.scope.access_key_id
        credential = store.credentials.get(key)
        if credential is not None:
            verify(signed, credential.secret)
    except SignatureError as error:
        raise AuthenticationError(error.reason, error.message) from None
    token = headers.get("x-amz-security-token") or params.get("X-Amz-Security-Token")
    return Signature(key, credential, token, signed.scope.service)


def principal_for(
    store: Store, default_account: str, strict: bool, now: datetime, signature: Signature
) -> Principal:
    """Who a checked signature stands for, under the store lock: the issued key's token, expiry
    and owner, or the root user a key the server never issued acts as."""
    key = signature.key
    if key is None:
        return Principal.root(default_account)
    credential = store.credentials.get(key)
    if credential is not signature.credential:
        # the key was issued, deleted or replaced while the request was in flight: its signature
        # was not verified against the credential that is current now
        raise AuthenticationError("invalid", _INVALID)
    if credential is None:
        if store.retired_keys.get(key) is not None:  # a temporary key forgotten after it expired
            raise AuthenticationError(
                "token-expired", "The security token included in the request is expired"
            )
        if strict or key in store.retired_keys:
            raise AuthenticationError("invalid", _INVALID)
        return Principal.root(key if _ACCOUNT_KEY.fullmatch(key) else default_account, key)
    if credential.session_token != (signature.token or None):
        raise AuthenticationError("invalid", _INVALID)
    if credential.expiration is not None and now >= credential.expiration:
        raise AuthenticationError("token-expired", "The security token included in the request is expired")
    if signature.service == "iam" and (
        _session_without_mfa(credential) or credential.kind == "federated-user"
    ):
        raise AuthenticationError("invalid", _INVALID)
    return principal_of(store, credential)


def _session_without_mfa(credential: Credential) -> bool:
    """GetSessionToken credentials without MFA can't call IAM (GetSessionToken API reference); nor
    can GetFederationToken's ("You cannot call any IAM operations", GetFederationToken API reference:
    assumed answered as AWS answers the former)."""
    return (
        credential.kind in ("user-session", "root")
        and credential.session_token is not None
        and not credential.mfa_authenticated
    )


def principal_of(store: Store, credential: Credential) -> Principal:
    """The principal a known credential stands for: refused if its key is inactive, or if the user
    or role it was issued to is gone (by unique id: one created again under the same name is
    another principal, `ec2sim.iam.owners`)."""
    account = credential.account_id
    if credential.kind == "root":
        return Principal.root(account, credential.access_key_id, credential)
    iam = store.account(account).iam
    session = credential.role_session
    if session is not None:
        if session.iam_role and owning_role(iam, credential) is None:
            raise AuthenticationError("invalid", _INVALID)
        arn = assumed_role_arn(account, session.role_name, session.session_name)
        return Principal(
            account,
            "assumed-role",
            arn,
            f"{session.role_id}:{session.session_name}",
            credential.access_key_id,
            session.role_name,
            credential,
        )
    if credential.federated is not None:
        return _federated_principal(iam, credential)
    user = owning_user(iam, credential)
    if user is None or (
        credential.kind == "user" and user.access_keys[credential.access_key_id].status != "Active"
    ):
        raise AuthenticationError("invalid", _INVALID)
    return Principal(account, "user", user.arn, user.id, credential.access_key_id, user.name, credential)


def _federated_principal(iam: IamAccount, credential: Credential) -> Principal:
    """A GetFederationToken session, refused once the IAM user who asked for it is gone (the root
    user's sessions have no user). Its id is ``ACCOUNT:NAME`` (GetFederationToken's FederatedUserId)."""
    federated = credential.federated
    assert federated is not None
    if credential.user_id is not None and owning_user(iam, credential) is None:
        raise AuthenticationError("invalid", _INVALID)
    account = credential.account_id
    return Principal(
        account,
        "federated-user",
        federated_user_arn(account, federated.name),
        f"{account}:{federated.name}",
        credential.access_key_id,
        federated.name,
        credential,
    )


def record_use(
    store: Store, principal: Principal, service: str, action: str | None, region: str, now: datetime
) -> None:
    """What principals did, as IAM reports it: an IAM user's long-term key's last use
    (GetAccessKeyLastUsed), a role's last use by its sessions (RoleLastUsed), and the user's or
    role's last use of the service and, ``action`` (``service:Action``) if IAM tracks it, of the
    action (access advisor). Every authenticated attempt counts, denied ones too (IAM User Guide,
    "Things to know about last accessed information"). O(1): a few dictionary writes."""
    credential = principal.credential
    if credential is None or credential.kind == "root":
        return
    from ec2sim.store.iam.account import IamAccount  # loaded with the first IAM account
    from ec2sim.store.iam.usage import Use

    iam = store.account(principal.account_id).iam
    entity: User | Role | None
    if credential.role_session is not None:
        entity = owning_role(iam, credential)
        if entity is not None:
            IamAccount.record_role_use(entity, now, region)
    else:
        entity = owning_user(iam, credential)
        if entity is not None and credential.kind == "user":
            IamAccount.record_key_use(entity.access_keys[credential.access_key_id], now, service, region)
    if entity is not None:
        iam.usage.record(entity.id, service, action, Use(now, region), lambda: _entity_ids(iam))


def _entity_ids(iam: IamAccount) -> Iterator[str]:
    yield from (user.id for user in iam.users)
    yield from (role.id for role in iam.roles)
