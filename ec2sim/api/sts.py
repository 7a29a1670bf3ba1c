"""STS handlers (Query protocol, 2011-06-15)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ec2sim.api.authorization import NO_PERMISSION, NO_RESOURCES, Check, Plan, decode_message
from ec2sim.api.context import RequestContext
from ec2sim.api.errors import AwsError
from ec2sim.api.iam.mfa import session_mfa
from ec2sim.api.registry import sts_action
from ec2sim.api.sts_sessions import (
    ROLE_ARN,
    Tags,
    find_session_policies,
    open_role_session,
    requested_role,
    role_account,
)
from ec2sim.iam.context_keys import request_tags
from ec2sim.iam.policy.document import PolicyDocument
from ec2sim.iam.policy.grammar import parse_policy
from ec2sim.iam.policy.variables import ContextValue
from ec2sim.iam.sessions import credentials_dict, issue
from ec2sim.store.iam.entities import Role

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
    mfa_at = session_mfa(ctx, req.get("SerialNumber"), req.get("TokenCode"))
    if principal.kind == "root":
        kind, user_name, user_id = "root", None, None
    else:
        kind, user_name, user_id = "user-session", principal.name, principal.user_id
    credential = issue(
        ctx.store,
        principal.account_id,
        kind,
        ctx.now,
        duration,
        user_name=user_name,
        user_id=user_id,
        mfa_authenticated_at=mfa_at,
    )
    return {"Credentials": credentials_dict(credential)}


@sts_action("GetAccessKeyInfo", NO_RESOURCES)
def get_access_key_info(ctx: RequestContext, req: GetAccessKeyInfoRequestTypeDef) -> dict[str, Any]:
    key = req["AccessKeyId"]
    credential = ctx.store.credentials.get(key)
    if credential is not None:
        return {"Account": credential.account_id}
    return {"Account": key if _ACCOUNT_KEY.fullmatch(key) else ctx.config.account_id}


_CHAINED_LIMIT = 3600


def _denied(ctx: RequestContext, role_arn: str) -> AwsError:
    return AwsError(
        "AccessDenied",
        f"User: {ctx.principal.arn} is not authorized to perform: sts:AssumeRole on resource: {role_arn}",
    )


def check_session_tags(req: Mapping[str, Any]) -> None:
    """Session tag keys are case-insensitive: two differing only by case are refused."""
    keys = [t["Key"].lower() for t in req.get("Tags", [])]
    if len(set(keys)) != len(keys):
        raise AwsError(
            "InvalidParameterValue",
            "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
        )


def _session_tags(ctx: RequestContext, req: AssumeRoleRequestTypeDef) -> tuple[Tags, tuple[str, ...]]:
    """The new session's tags and transitive keys: the request's, after the calling session's
    transitive ones, which it may not set again (IAM User Guide, "Chaining roles with session tags").
    Keys are case-insensitive (`check_session_tags`); each TransitiveTagKeys entry must be among the
    request's tags. Messages as AWS answers them (recorded by LocalStack's suite)."""
    check_session_tags(req)
    requested = [(t["Key"], t["Value"]) for t in req.get("Tags", [])]
    keys = [k.lower() for k, _ in requested]
    if not {k.lower() for k in req.get("TransitiveTagKeys", [])} <= set(keys):
        raise AwsError(
            "InvalidParameterValue",
            "The specified transitive tag key must be included in the requested tags.",
        )
    caller = ctx.principal.credential.role_session if ctx.principal.credential else None
    inherited_keys = {k.lower() for k in caller.transitive_tag_keys} if caller else set()
    if inherited_keys & set(keys):
        raise AwsError(
            "InvalidParameterValue",
            "One of the specified transitive tag keys can't be set because it conflicts with a transitive "
            "tag key from the calling session.",
        )
    inherited = tuple((k, v) for k, v in caller.tags if k.lower() in inherited_keys) if caller else ()
    transitive = tuple(k for k, _ in inherited) + tuple(
        k for k, _ in requested if k.lower() in {t.lower() for t in req.get("TransitiveTagKeys", [])}
    )
    return inherited + tuple(requested), transitive


def _request_keys(req: AssumeRoleRequestTypeDef) -> dict[str, ContextValue]:
    """The condition keys an AssumeRole request carries besides the global ones (sts:*, request tags)."""
    context: dict[str, ContextValue] = {"sts:RoleSessionName": req["RoleSessionName"]}
    if req.get("ExternalId") is not None:
        context["sts:ExternalId"] = req["ExternalId"]
    if req.get("SourceIdentity"):
        context["sts:SourceIdentity"] = req["SourceIdentity"]
    if req.get("TransitiveTagKeys"):
        context["sts:TransitiveTagKeys"] = list(req["TransitiveTagKeys"])
    context.update(request_tags({t["Key"]: t["Value"] for t in req.get("Tags", [])}))
    return context


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
    mfa_authenticated_at: datetime | None = None  # the new session's MFA authentication, if any
    resource_policies = True  # the trust policy decides, in every mode

    def checks(self, ctx: RequestContext) -> Iterator[Check]:
        if self.role is None:
            return
        account = role_account(self.role)
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
    if not ROLE_ARN.fullmatch(req["RoleArn"]):
        # a malformed role ARN is a ValidationError (issue 14), worded as AssumeRoleWithSAML's
        plan.fail(AwsError("ValidationError", "Request ARN is invalid"))
        return plan
    _assume_role_mfa(ctx, req, plan)
    plan.role = requested_role(ctx, req["RoleArn"])
    if plan.role is None:
        plan.fail(_denied(ctx, req["RoleArn"]))
    else:
        plan.trust = parse_policy(plan.role.assume_role_policy, "trust")
        plan.session_policies = find_session_policies(ctx.store.iam.accounts[role_account(plan.role)], req)
    return plan


def _assume_role_mfa(ctx: RequestContext, req: AssumeRoleRequestTypeDef, plan: AssumeRolePlan) -> None:
    """With SerialNumber and TokenCode, MFA authenticates the new session now, and the trust policy
    sees aws:MultiFactorAuthPresent; without them, a session chained from an MFA-authenticated one
    keeps that authentication (and its age). A failed MFA check is answered before authorization."""
    verified = session_mfa(ctx, req.get("SerialNumber"), req.get("TokenCode"))
    if verified is not None:
        plan.keys["aws:MultiFactorAuthPresent"] = "true"
        plan.keys["aws:MultiFactorAuthAge"] = "0"
        plan.mfa_authenticated_at = verified
    elif ctx.principal.credential is not None:
        plan.mfa_authenticated_at = ctx.principal.credential.mfa_authenticated_at


@sts_action("AssumeRole", plan_assume_role)
def assume_role(ctx: RequestContext, req: AssumeRoleRequestTypeDef, plan: AssumeRolePlan) -> dict[str, Any]:
    """Temporary credentials for the role (its trust policy was decided with the request's authorization)."""
    role = plan.role
    assert role is not None  # else the plan's error was raised
    tags, transitive = _session_tags(ctx, req)
    chained = ctx.principal.kind == "assumed-role"
    duration = req.get("DurationSeconds", 3600)
    if chained and duration > _CHAINED_LIMIT:
        raise AwsError(
            "ValidationError",
            "The requested DurationSeconds exceeds the 1 hour session limit "
            "for roles assumed by role chaining.",
        )
    session = open_role_session(
        ctx,
        role,
        req["RoleSessionName"],
        duration,
        req,
        plan.session_policies,
        tags,
        mfa_authenticated_at=plan.mfa_authenticated_at,
        transitive_tag_keys=transitive,
    )
    return {**session, "SourceIdentity": req.get("SourceIdentity")}


@sts_action("DecodeAuthorizationMessage", NO_RESOURCES)
def decode_authorization_message(
    ctx: RequestContext, req: DecodeAuthorizationMessageRequestTypeDef
) -> dict[str, Any]:
    return {"DecodedMessage": decode_message(req["EncodedMessage"])}
