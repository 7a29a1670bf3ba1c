"""Global condition keys of a request (lower-cased, as the engine expects).

Only keys AWS sets for the kind of caller are present: aws:username only for
IAM users, aws:TokenIssueTime and aws:MultiFactorAuthPresent only with
temporary credentials.
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
        "aws:currenttime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:epochtime": str(int(now.timestamp())),
        "aws:sourceip": source_ip,
        "aws:useragent": user_agent,
        "aws:securetransport": "true" if secure else "false",
        "aws:requestedregion": region,
        "aws:principalarn": principal.arn,
        "aws:principalaccount": principal.account_id,
        "aws:principaltype": _PRINCIPAL_TYPE.get(principal.kind, "Account"),
        "aws:userid": principal.user_id,
    }
    if principal.kind == "user":
        keys["aws:username"] = principal.name
    credential = principal.credential
    if credential is not None and credential.session_token:
        keys["aws:multifactorauthpresent"] = "true" if credential.mfa_authenticated else "false"
        if credential.issued is not None:
            keys["aws:tokenissuetime"] = credential.issued.strftime("%Y-%m-%dT%H:%M:%SZ")
    for key, value in (principal_tags or {}).items():
        keys[f"aws:principaltag/{key.lower()}"] = value
    return keys
