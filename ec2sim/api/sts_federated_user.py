"""GetFederationToken: a federated user's session, whose permissions are the intersection of the
calling IAM user's policies and the session policies passed with the request (none: no permissions).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ec2sim.api.authorization import Check, Plan
from ec2sim.api.context import RequestContext
from ec2sim.api.errors import AwsError
from ec2sim.api.registry import sts_action
from ec2sim.api.sts import check_session_tags
from ec2sim.api.sts_sessions import check_packed_size, find_session_policies, packed_percent, session_policies
from ec2sim.iam.context_keys import request_tags
from ec2sim.iam.policy.variables import ContextValue
from ec2sim.iam.sessions import credentials_dict, issue
from ec2sim.store.iam.credentials import FederatedSession
from ec2sim.store.resources import federated_user_arn

if TYPE_CHECKING:
    from types_boto3_sts.type_defs import GetFederationTokenRequestTypeDef

_NAME = re.compile(r"[\w+=,.@-]*")
_NAME_MAX = 32
_MIN_DURATION, _MAX_DURATION, _DEFAULT_DURATION = 900, 129600, 43200
_ROOT_LIMIT = 3600  # "restricted to a maximum of 3,600 seconds (one hour)" for the root user


def _invalid(value: object, member: str, constraint: str) -> AwsError:
    return AwsError(
        "ValidationError",
        f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: "
        f"Member must {constraint}",
    )


@dataclass
class FederationPlan(Plan):
    """sts:GetFederationToken on the federated user's ARN (the SAR's optional ``federated-user``
    resource), with the request's tags as ``aws:RequestTag``/``aws:TagKeys``."""

    arn: str = ""
    keys: dict[str, ContextValue] = field(default_factory=dict)
    session_policies: list[tuple[str, bool]] = field(default_factory=list)

    def checks(self, ctx: RequestContext) -> Iterator[Check]:
        yield Check("sts:GetFederationToken", self.arn, self.keys)


def plan_federation(ctx: RequestContext, req: GetFederationTokenRequestTypeDef) -> FederationPlan:
    """Session credentials are refused before anything else (AWS: "You cannot call
    GetFederationToken using the temporary security credentials"; the message as recorded in
    users' transcripts, e.g. hashicorp/vault#4108)."""
    principal = ctx.principal
    if principal.is_temporary:
        raise AwsError("AccessDenied", "Cannot call GetFederationToken with session credentials")
    tags = {t["Key"]: t["Value"] for t in req.get("Tags", [])}
    plan = FederationPlan(
        arn=federated_user_arn(principal.account_id, req["Name"]),
        keys=dict(request_tags(tags)),
        session_policies=find_session_policies(ctx.iam, req),
    )
    return plan


def _duration(ctx: RequestContext, req: GetFederationTokenRequestTypeDef) -> int:
    """900 to 129,600 seconds (default 43,200); the root user's sessions are cut to one hour
    ("If the specified duration is longer than one hour, the session obtained by using root user
    credentials defaults to one hour", GetFederationToken API reference)."""
    duration = req.get("DurationSeconds", _DEFAULT_DURATION)
    if duration < _MIN_DURATION:
        raise _invalid(duration, "durationSeconds", f"have value greater than or equal to {_MIN_DURATION}")
    if duration > _MAX_DURATION:
        raise _invalid(duration, "durationSeconds", f"have value less than or equal to {_MAX_DURATION}")
    return min(duration, _ROOT_LIMIT) if ctx.principal.kind == "root" else duration


def _check_name(name: str) -> None:
    if len(name) > _NAME_MAX:
        raise _invalid(name, "name", f"have length less than or equal to {_NAME_MAX}")
    if len(name) < 2:
        raise _invalid(name, "name", "have length greater than or equal to 2")
    if not _NAME.fullmatch(name):
        raise _invalid(name, "name", r"satisfy regular expression pattern: [\w+=,.@-]*")


@sts_action("GetFederationToken", plan_federation)
def get_federation_token(
    ctx: RequestContext, req: GetFederationTokenRequestTypeDef, plan: FederationPlan
) -> dict[str, Any]:
    name = req["Name"]
    _check_name(name)
    duration = _duration(ctx, req)
    check_session_tags(req)
    texts, arns = session_policies(req, plan.session_policies)
    tags = tuple((t["Key"], t["Value"]) for t in req.get("Tags", []))
    check_packed_size(texts, arns, tags)
    principal = ctx.principal
    user = principal.kind == "user"
    credential = issue(
        ctx.store,
        principal.account_id,
        "federated-user",
        ctx.now,
        duration,
        user_name=principal.name if user else None,
        user_id=principal.user_id if user else None,
        federated=FederatedSession(name, texts, arns, tags),
    )
    return {
        "Credentials": credentials_dict(credential),
        "FederatedUser": {"FederatedUserId": f"{principal.account_id}:{name}", "Arn": plan.arn},
        "PackedPolicySize": packed_percent(texts, arns, tags) or None,
    }
