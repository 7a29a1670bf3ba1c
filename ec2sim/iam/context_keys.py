"""Global condition keys of a request, spelled as AWS spells them.

Only keys AWS sets for the kind of caller are present: aws:username only for
IAM users, aws:TokenIssueTime and aws:MultiFactorAuthPresent only with
temporary credentials. The engine matches keys case-insensitively and takes
them lower-cased (`lowered`); the canonical spelling is kept for the decoded
authorization message.
"""

from __future__ import annotations

from datetime import datetime

from ec2sim.iam.policy.engine import ContextValue
from ec2sim.iam.principals import Principal

_PRINCIPAL_TYPE = {"root": "Account", "user": "User", "assumed-role": "AssumedRole"}


def global_context(
    principal: Principal,
    *,
    now: datetime,
    source_ip: str,
    user_agent: str,
    region: str,
    secure: bool,
    principal_tags: dict[str, str] | None = None,
) -> dict[str, ContextValue]:
    keys: dict[str, ContextValue] = {
        "aws:CurrentTime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:EpochTime": str(int(now.timestamp())),
        "aws:SourceIp": source_ip,
        "aws:UserAgent": user_agent,
        "aws:SecureTransport": "true" if secure else "false",
        "aws:RequestedRegion": region,
        "aws:PrincipalArn": principal.arn,
        "aws:PrincipalAccount": principal.account_id,
        "aws:PrincipalType": _PRINCIPAL_TYPE.get(principal.kind, "Account"),
        "aws:userid": principal.user_id,
    }
    if principal.kind == "user":
        keys["aws:username"] = principal.name
    credential = principal.credential
    if credential is not None and credential.session_token:
        keys["aws:MultiFactorAuthPresent"] = "true" if credential.mfa_authenticated else "false"
        if credential.issued is not None:
            keys["aws:TokenIssueTime"] = credential.issued.strftime("%Y-%m-%dT%H:%M:%SZ")
        session = credential.role_session
        if session is not None and session.source_instance_arn:
            keys["ec2:SourceInstanceARN"] = session.source_instance_arn
            keys["ec2:RoleDelivery"] = session.role_delivery or "1.0"
    for key, value in (principal_tags or {}).items():
        keys[f"aws:PrincipalTag/{key}"] = value
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


def lowered(keys: dict[str, ContextValue]) -> dict[str, ContextValue]:
    """The engine's form: keys lower-cased (condition keys are case-insensitive)."""
    return {k.lower(): v for k, v in keys.items()}
