"""Global condition keys of a request, spelled as AWS spells them.

Only keys AWS sets for the kind of caller are present: aws:username only for
IAM users, aws:TokenIssueTime and aws:MultiFactorAuthPresent only with
temporary credentials. The engine matches keys case-insensitively and takes
them lower-cased; the canonical spelling is kept for the decoded authorization
message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime

from ec2sim.iam.policy.variables import ContextValue
from ec2sim.iam.principals import Principal

_PRINCIPAL_TYPE = {
    "root": "Account",
    "user": "User",
    "assumed-role": "AssumedRole",
    "federated-user": "FederatedUser",
}

Thunk = Callable[[], "ContextValue | None"]


class ConditionKeys(Mapping[str, ContextValue]):
    """A request's condition keys, looked up by lower-cased name, each computed on first use.

    Most policies read no condition key at all, so nothing is formatted until a
    statement asks (``aws:CurrentTime`` costs a strftime, ``aws:PrincipalTag/*``
    a look-up of the principal's tags). `canonical` gives every key as AWS spells
    it, for the decoded authorization message.
    """

    def __init__(self, keys: dict[str, ContextValue | Thunk] | None = None) -> None:
        self._entries: dict[str, tuple[str, ContextValue | Thunk]] = {
            key.lower(): (key, value) for key, value in (keys or {}).items()
        }
        self._families: list[tuple[str, str, Callable[[], Mapping[str, ContextValue]]]] = []
        self._cache: dict[str, ContextValue | None] = {}

    def add(self, key: str, value: ContextValue | Thunk) -> None:
        self._entries[key.lower()] = (key, value)

    def add_family(self, prefix: str, members: Callable[[], Mapping[str, ContextValue]]) -> None:
        """Keys ``<prefix><name>`` for each name → value `members` returns (e.g. tags)."""
        self._families.append((prefix.lower(), prefix, members))

    def _compute(self, key: str) -> ContextValue | None:
        entry = self._entries.get(key)
        if entry is not None:
            value = entry[1]
            return value() if callable(value) else value
        for lower_prefix, _, members in self._families:
            if key.startswith(lower_prefix):
                name = key[len(lower_prefix) :]
                return next((v for k, v in members().items() if k.lower() == name), None)
        return None

    def __getitem__(self, key: str) -> ContextValue:
        if key not in self._cache:
            self._cache[key] = self._compute(key)
        value = self._cache[key]
        if value is None:
            raise KeyError(key)
        return value

    def canonical(self) -> dict[str, ContextValue]:
        """Every key that has a value, spelled as AWS spells it."""
        keys: dict[str, ContextValue] = {}
        for lower, (name, _) in self._entries.items():
            value = self.get(lower)
            if value is not None:
                keys[name] = value
        for _, prefix, members in self._families:
            keys.update({f"{prefix}{k}": v for k, v in members().items()})
        return keys

    def __iter__(self) -> Iterator[str]:
        return iter([k.lower() for k in self.canonical()])

    def __len__(self) -> int:
        return len(self.canonical())


def global_context(
    principal: Principal,
    *,
    now: datetime,
    source_ip: str,
    user_agent: str,
    region: str,
    secure: bool,
    principal_tags: Callable[[], dict[str, str]] | None = None,
) -> ConditionKeys:
    keys = ConditionKeys(
        {
            "aws:CurrentTime": lambda: now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "aws:EpochTime": lambda: str(int(now.timestamp())),
            "aws:SourceIp": source_ip,
            "aws:UserAgent": user_agent,
            "aws:SecureTransport": "true" if secure else "false",
            "aws:RequestedRegion": region,
            "aws:PrincipalArn": principal.arn,
            "aws:PrincipalAccount": principal.account_id,
            "aws:PrincipalType": _PRINCIPAL_TYPE.get(principal.kind, "Account"),
            "aws:userid": principal.user_id,
        }
    )
    if principal.kind == "user":
        keys.add("aws:username", principal.name)
    credential = principal.credential
    if credential is not None and credential.session_token:
        keys.add("aws:MultiFactorAuthPresent", "true" if credential.mfa_authenticated else "false")
        mfa_at = credential.mfa_authenticated_at
        if mfa_at is not None:  # seconds since MFA authenticated the session, on the emulated clock
            keys.add("aws:MultiFactorAuthAge", lambda: str(max(0, int((now - mfa_at).total_seconds()))))
        if credential.issued is not None:
            issued = credential.issued
            keys.add("aws:TokenIssueTime", lambda: issued.strftime("%Y-%m-%dT%H:%M:%SZ"))
        session = credential.role_session
        if session is not None and session.source_instance_arn:
            keys.add("ec2:SourceInstanceARN", session.source_instance_arn)
            keys.add("ec2:RoleDelivery", session.role_delivery or "1.0")
        for key, values in session.web_identity if session is not None else ():
            keys.add(key, values[0] if len(values) == 1 else list(values))
    if principal_tags is not None:
        keys.add_family("aws:PrincipalTag/", principal_tags)
    return keys


def request_tags(tags: dict[str, str]) -> dict[str, ContextValue]:
    """aws:RequestTag/* and aws:TagKeys for tags a request sets."""
    keys: dict[str, ContextValue] = {f"aws:RequestTag/{k}": v for k, v in tags.items()}
    if tags:
        keys["aws:TagKeys"] = list(tags)
    return keys


def resource_tags(tags: dict[str, str], *prefixes: str) -> dict[str, ContextValue]:
    """``<prefix>:ResourceTag/*`` for a resource's tags (aws: and, for EC2, ec2:)."""
    return {f"{prefix}:ResourceTag/{k}": v for prefix in prefixes or ("aws",) for k, v in tags.items()}


def lowered(keys: Mapping[str, ContextValue]) -> dict[str, ContextValue]:
    """The engine's form: keys lower-cased (condition keys are case-insensitive)."""
    return {k.lower(): v for k, v in keys.items()}
