"""What every way of assuming a role shares (AssumeRole, AssumeRoleWithWebIdentity,
AssumeRoleWithSAML): finding the role by ARN, the session policies and their packed size, what a
trust policy sees of an unsigned caller, and opening the role session itself."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from ec2sim.api.context import RequestContext
from ec2sim.api.errors import AwsError
from ec2sim.iam.context_keys import lowered
from ec2sim.iam.policy.grammar import PolicyError, parse_policy, policy_size
from ec2sim.iam.policy.variables import ContextValue
from ec2sim.iam.sessions import credentials_dict, issue
from ec2sim.store.iam.account import IamAccount
from ec2sim.store.iam.credentials import RoleSession
from ec2sim.store.iam.entities import Role
from ec2sim.store.iam.managed import aws_managed_policy
from ec2sim.store.resources import assumed_role_arn

ROLE_ARN = re.compile(r"arn:aws:iam::(\d{12}):role/(?:[\x21-\x7e]*/)?([\w+=,.@-]+)")
PACKED_LIMIT = 2048  # the packed budget; plain text counts against it uncompressed here
MAX_POLICY_ARNS = 10
# Global keys that describe a signed caller: an unsigned request (web identity, SAML) has none of them.
_CALLER_KEYS = ("aws:principal", "aws:userid", "aws:username", "aws:multifactor", "aws:tokenissuetime")

Tags = tuple[tuple[str, str], ...]
FederatedKeys = tuple[tuple[str, tuple[str, ...]], ...]


def requested_role(ctx: RequestContext, role_arn: str) -> Role | None:
    """The role at `role_arn`, in whichever account this server knows (exactly that ARN: its path too)."""
    match = ROLE_ARN.fullmatch(role_arn)
    iam = ctx.store.iam.accounts.get(match.group(1)) if match else None
    role = iam.roles.get(match.group(2)) if iam is not None and match else None
    return role if role is not None and role.arn == role_arn else None


def role_account(role: Role) -> str:
    return role.arn.split(":", 5)[4]


def find_session_policies(iam: IamAccount, req: Mapping[str, Any]) -> list[tuple[str, bool]]:
    """PolicyArns, each with whether it exists: "The policies must exist in the same account as the
    role" (AssumeRole API reference), customer managed there (`iam`) or AWS managed."""
    arns = (p["arn"] for p in req.get("PolicyArns", []) if p.get("arn"))
    return [(arn, arn in iam.policies or aws_managed_policy(arn) is not None) for arn in arns]


def session_policies(
    req: Mapping[str, Any], found: Sequence[tuple[str, bool]]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The session policy text and managed policy ARNs (`find_session_policies`), validated as IAM does."""
    texts: tuple[str, ...] = ()
    if req.get("Policy"):
        try:
            parse_policy(req["Policy"], "session")
        except PolicyError as error:
            raise AwsError("MalformedPolicyDocument", str(error)) from None
        texts = (req["Policy"],)
    for arn, exists in found:
        if not exists:
            raise AwsError("InvalidParameterValue", f"Policy {arn} does not exist or is not attachable.")
    return texts, tuple(arn for arn, _ in found)


def packed_percent(texts: tuple[str, ...], arns: tuple[str, ...], tags: Tags) -> int:
    """PackedPolicySize: how much of the packed budget the session policies and tags take, in percent
    (STS API reference: "a percentage value that indicates the packed size of the session policies
    and session tags combined"). AWS keeps its packing undocumented; assumed here: the policy counted
    as IAM counts policy size (white space outside strings is free), each managed ARN and each tag by
    its characters, against the 2,048-character plaintext budget."""
    size = sum(policy_size(t) for t in texts) + sum(map(len, arns)) + sum(len(k) + len(v) for k, v in tags)
    return -(-size * 100 // PACKED_LIMIT)


def check_packed_size(texts: tuple[str, ...], arns: tuple[str, ...], tags: Tags) -> None:
    """Over 2,048 plaintext characters, over 10 managed ARNs or over the packed budget: PackedPolicyTooLarge."""
    percent = packed_percent(texts, arns, tags)
    if percent > 100 or sum(len(t) for t in texts) > PACKED_LIMIT or len(arns) > MAX_POLICY_ARNS:
        raise AwsError(
            "PackedPolicyTooLarge",
            f"Packed policy consumes {percent}% of allotted space, please use smaller policy.",
        )


def trust_context(ctx: RequestContext, keys: dict[str, ContextValue]) -> dict[str, ContextValue]:
    """What a trust policy sees of an unsigned request: its global keys (none about a caller) and
    the token's or assertion's."""
    glob = {k: v for k, v in ctx.condition_keys().items() if not k.lower().startswith(_CALLER_KEYS)}
    return lowered({**glob, **keys})


def open_role_session(
    ctx: RequestContext,
    role: Role,
    session_name: str,
    duration: int,
    req: Mapping[str, Any],
    found: Sequence[tuple[str, bool]],
    tags: Tags = (),
    federated: FederatedKeys = (),
    mfa_authenticated_at: datetime | None = None,
    transitive_tag_keys: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Validate the session policies, issue the role session's credentials and answer the part of
    the response every AssumeRole* shares: Credentials, AssumedRoleUser, PackedPolicySize."""
    if duration > role.max_session_duration:
        raise AwsError(
            "ValidationError",
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        )
    texts, arns = session_policies(req, found)
    check_packed_size(texts, arns, tags)
    session = RoleSession(
        role_name=role.name,
        role_id=role.id,
        role_path=role.path,
        session_name=session_name,
        session_policies=texts,
        session_policy_arns=arns,
        tags=tags,
        transitive_tag_keys=transitive_tag_keys,
        web_identity=federated,
    )
    account_id = role_account(role)
    credential = issue(
        ctx.store,
        account_id,
        "role-session",
        ctx.now,
        duration,
        role_session=session,
        role_used_region=ctx.region,
        mfa_authenticated_at=mfa_authenticated_at,
    )
    return {
        "Credentials": credentials_dict(credential),
        "AssumedRoleUser": {
            "AssumedRoleId": f"{role.id}:{session_name}",
            "Arn": assumed_role_arn(account_id, role.name, session_name),
        },
        "PackedPolicySize": packed_percent(texts, arns, tags) or None,
    }
