"""STS handlers (Query protocol, 2011-06-15)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ec2sim.api.authorization import NO_PERMISSION, NO_RESOURCES, Check, Plan, decode_message
from ec2sim.api.context import RequestContext
from ec2sim.api.errors import AwsError
from ec2sim.api.registry import sts_action
from ec2sim.iam.context_keys import request_tags
from ec2sim.iam.policy.document import PolicyDocument
from ec2sim.iam.policy.grammar import PolicyError, parse_policy
from ec2sim.iam.policy.variables import ContextValue
from ec2sim.iam.sessions import credentials_dict, issue
from ec2sim.store.iam.credentials import RoleSession
from ec2sim.store.iam.entities import Role
from ec2sim.store.iam.managed import aws_managed_policy
from ec2sim.store.resources import assumed_role_arn

if TYPE_CHECKING:
    from types_boto3_sts.type_defs import (
        AssumeRoleRequestTypeDef,
        DecodeAuthorizationMessageRequestTypeDef,
        GetAccessKeyInfoRequestTypeDef,
        GetSessionTokenRequestTypeDef,
    )

_ACCOUNT_KEY = re.compile(r"\d{12}")


# GetCallerIdentity and GetSessionToken need no permission and no policy can deny them
# (GetCallerIdentity API reference; IAM User Guide, "Permissions for GetSessionToken").


@sts_action("GetCallerIdentity", NO_PERMISSION)
def get_caller_identity(ctx: RequestContext, req: dict[str, Any], plan: Plan) -> dict[str, Any]:
    principal = ctx.principal
    return {"UserId": principal.user_id, "Account": principal.account_id, "Arn": principal.arn}


@sts_action("GetSessionToken", NO_PERMISSION)
def get_session_token(ctx: RequestContext, req: GetSessionTokenRequestTypeDef, plan: Plan) -> dict[str, Any]:
    principal = ctx.principal
    if principal.is_temporary:
        raise AwsError("AccessDenied", "Cannot call GetSessionToken with session credentials")
    limit = 3600 if principal.kind == "root" else 129600
    duration = req.get("DurationSeconds", 3600 if principal.kind == "root" else 43200)
    if duration > limit:
        raise AwsError(
            "ValidationError",
            f"1 validation error detected: Value '{duration}' at 'durationSeconds' failed to satisfy "
            f"constraint: Member must have value less than or equal to {limit}",
        )
    if principal.kind == "root":
        kind, user_name, user_id = "root", None, None
    else:
        kind, user_name, user_id = "user-session", principal.name, principal.user_id
    credential = issue(
        ctx.store, principal.account_id, kind, ctx.now, duration, user_name=user_name, user_id=user_id
    )
    return {"Credentials": credentials_dict(credential)}


@sts_action("GetAccessKeyInfo", NO_RESOURCES)
def get_access_key_info(ctx: RequestContext, req: GetAccessKeyInfoRequestTypeDef) -> dict[str, Any]:
    key = req["AccessKeyId"]
    credential = ctx.store.credentials.get(key)
    if credential is not None:
        return {"Account": credential.account_id}
    return {"Account": key if _ACCOUNT_KEY.fullmatch(key) else ctx.config.account_id}


_ROLE_ARN = re.compile(r"arn:aws:iam::(\d{12}):role/(?:[\x21-\x7e]*/)?([\w+=,.@-]+)")
_CHAINED_LIMIT = 3600
_MAX_POLICY_ARNS = 10


def _denied(ctx: RequestContext, role_arn: str) -> AwsError:
    return AwsError(
        "AccessDenied",
        f"User: {ctx.principal.arn} is not authorized to perform: sts:AssumeRole on resource: {role_arn}",
    )


def _session_policies(
    req: AssumeRoleRequestTypeDef, plan: AssumeRolePlan
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The session policy text and managed policy ARNs, validated as IAM does."""
    texts: tuple[str, ...] = ()
    if req.get("Policy"):
        try:
            parse_policy(req["Policy"], "session")
        except PolicyError as error:
            raise AwsError("MalformedPolicyDocument", str(error)) from None
        texts = (req["Policy"],)
    for arn, found in plan.session_policies:
        if not found:
            raise AwsError("InvalidParameterValue", f"Policy {arn} does not exist or is not attachable.")
    return texts, tuple(arn for arn, _ in plan.session_policies)


def _check_session_tags(req: AssumeRoleRequestTypeDef) -> None:
    """Session tag keys are case-insensitive: two differing only by case are refused."""
    keys = [t["Key"].lower() for t in req.get("Tags", [])]
    if len(set(keys)) != len(keys):
        raise AwsError(
            "InvalidParameterValue",
            "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
        )


_PACKED_LIMIT = 2048  # the packed budget; plain text counts against it uncompressed here


def _packed_percent(texts: tuple[str, ...], arns: tuple[str, ...], tags: tuple[tuple[str, str], ...]) -> int:
    """PackedPolicySize: how much of the packed budget the session policies and tags take, in percent."""
    size = sum(len(t) for t in texts) + 64 * len(arns) + sum(len(k) + len(v) for k, v in tags)
    return -(-size * 100 // _PACKED_LIMIT)


def _check_packed_size(
    texts: tuple[str, ...], arns: tuple[str, ...], tags: tuple[tuple[str, str], ...]
) -> None:
    """Over 2,048 plaintext characters, over 10 managed ARNs or over the packed budget: PackedPolicyTooLarge."""
    percent = _packed_percent(texts, arns, tags)
    if percent > 100 or sum(len(t) for t in texts) > _PACKED_LIMIT or len(arns) > _MAX_POLICY_ARNS:
        raise AwsError(
            "PackedPolicyTooLarge",
            f"Packed policy consumes {percent}% of allotted space, please use smaller policy.",
        )


def _request_keys(req: AssumeRoleRequestTypeDef) -> dict[str, ContextValue]:
    """The condition keys an AssumeRole request carries besides the global ones (sts:*, request tags)."""
    context: dict[str, ContextValue] = {"sts:RoleSessionName": req["RoleSessionName"]}
    if req.get("ExternalId") is not None:
        context["sts:ExternalId"] = req["ExternalId"]
    if req.get("SourceIdentity"):
        context["sts:SourceIdentity"] = req["SourceIdentity"]
    context.update(request_tags({t["Key"]: t["Value"] for t in req.get("Tags", [])}))
    return context


def _requested_role(ctx: RequestContext, role_arn: str) -> Role | None:
    """The role at `role_arn`, in whichever account this server knows."""
    match = _ROLE_ARN.fullmatch(role_arn)
    role = None
    if match and (account := ctx.store.accounts.get(match.group(1))) is not None:
        role = account.iam.roles.get(match.group(2))
    return role if role is not None and role.arn == role_arn else None


def _role_account(role: Role) -> str:
    return role.arn.split(":", 5)[4]


@dataclass
class AssumeRolePlan(Plan):
    """The role AssumeRole asks for and its trust policy, which must allow sts:AssumeRole, and
    sts:TagSession with session tags (IAM User Guide, "Passing session tags in AWS STS")."""

    keys: dict[str, ContextValue] = field(default_factory=dict)
    role: Role | None = None
    trust: PolicyDocument | None = None
    tagged: bool = False
    # PolicyArns, each with whether it exists: "The policies must exist in the same account as the
    # role" (AssumeRole API reference), customer managed there or AWS managed.
    session_policies: list[tuple[str, bool]] = field(default_factory=list)
    resource_policies = True  # the trust policy decides, in every mode

    def checks(self, ctx: RequestContext) -> Iterator[Check]:
        if self.role is None:
            return
        account = _role_account(self.role)
        yield Check("sts:AssumeRole", self.role.arn, self.keys, self.trust, account)
        if self.tagged:
            yield Check("sts:TagSession", self.role.arn, self.keys, self.trust, account)


def plan_assume_role(ctx: RequestContext, req: AssumeRoleRequestTypeDef) -> AssumeRolePlan:
    """The root user may assume no role; a role that doesn't exist (at that ARN) is denied like
    one the caller may not assume."""
    plan = AssumeRolePlan(_request_keys(req), tagged=bool(req.get("Tags")))
    if ctx.principal.kind == "root":
        plan.fail(AwsError("AccessDenied", "Roles may not be assumed by root accounts."))
        return plan
    plan.role = _requested_role(ctx, req["RoleArn"])
    if plan.role is None:
        plan.fail(_denied(ctx, req["RoleArn"]))
    else:
        plan.trust = parse_policy(plan.role.assume_role_policy, "trust")
        policies = ctx.store.account(_role_account(plan.role)).iam.policies
        plan.session_policies = [
            (arn, arn in policies or aws_managed_policy(arn) is not None)
            for arn in (p["arn"] for p in req.get("PolicyArns", []) if p.get("arn"))
        ]
    return plan


@sts_action("AssumeRole", plan_assume_role)
def assume_role(ctx: RequestContext, req: AssumeRoleRequestTypeDef, plan: AssumeRolePlan) -> dict[str, Any]:
    """Temporary credentials for the role (its trust policy was decided with the request's authorization)."""
    role = plan.role
    assert role is not None  # else the plan's error was raised
    _check_session_tags(req)
    chained = ctx.principal.kind == "assumed-role"
    duration = req.get("DurationSeconds", 3600)
    if chained and duration > _CHAINED_LIMIT:
        raise AwsError(
            "ValidationError",
            "The requested DurationSeconds exceeds the 1 hour session limit "
            "for roles assumed by role chaining.",
        )
    if duration > role.max_session_duration:
        raise AwsError(
            "ValidationError",
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        )
    texts, arns = _session_policies(req, plan)
    tags = tuple((t["Key"], t["Value"]) for t in req.get("Tags", []))
    _check_packed_size(texts, arns, tags)
    session_name = req["RoleSessionName"]
    session = RoleSession(
        role_name=role.name,
        role_id=role.id,
        role_path=role.path,
        session_name=session_name,
        session_policies=texts,
        session_policy_arns=arns,
        tags=tags,
    )
    account_id = _role_account(role)
    credential = issue(
        ctx.store,
        account_id,
        "role-session",
        ctx.now,
        duration,
        role_session=session,
        role_used_region=ctx.region,
    )
    return {
        "Credentials": credentials_dict(credential),
        "AssumedRoleUser": {
            "AssumedRoleId": f"{role.id}:{session_name}",
            "Arn": assumed_role_arn(account_id, role.name, session_name),
        },
        "PackedPolicySize": _packed_percent(texts, arns, session.tags) or None,
        "SourceIdentity": req.get("SourceIdentity"),
    }


@sts_action("DecodeAuthorizationMessage", NO_RESOURCES)
def decode_authorization_message(
    ctx: RequestContext, req: DecodeAuthorizationMessageRequestTypeDef
) -> dict[str, Any]:
    return {"DecodedMessage": decode_message(req["EncodedMessage"])}
