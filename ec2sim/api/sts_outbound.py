"""GetWebIdentityToken: outbound web identity federation's JWTs (IAM User Guide, "Understanding
token claims"), once the account enabled it (IAM EnableOutboundWebIdentityFederation).

The token is signed with ec2sim's own issuer key (`ec2sim.iam.oidc_issuer`, RS256, published at
``/_ec2sim/oidc/jwks.json``) and names the account's issuer (``iss``) as IAM gave it out. ``sub`` is
the caller's IAM identity: a role session's role ARN, a user's ARN (a federated user's ARN as such).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from ec2sim.api.authorization import Check, Plan
from ec2sim.api.context import RequestContext
from ec2sim.api.errors import AwsError
from ec2sim.api.iam.account_features import outbound_issuer
from ec2sim.api.registry import sts_action
from ec2sim.api.sts import check_session_tags
from ec2sim.iam import oidc_issuer
from ec2sim.iam.context_keys import request_tags
from ec2sim.iam.owners import principal_role
from ec2sim.iam.policy.variables import ContextValue
from ec2sim.iam.principal_policies import principal_tags

if TYPE_CHECKING:
    from types_boto3_sts.type_defs import GetWebIdentityTokenRequestTypeDef

_MIN_DURATION, _MAX_DURATION, _DEFAULT_DURATION = 60, 3600, 300
_NAMESPACE = "https://sts.amazonaws.com/"
# Not documented word for word: assumed from the exception's documentation.
_DISABLED = "Outbound web identity federation is disabled for your account."


@dataclass
class WebIdentityTokenPlan(Plan):
    """sts:GetWebIdentityToken on ``*`` (the SAR lists no resource type) with its request's
    sts:IdentityTokenAudience, sts:DurationSeconds, sts:SigningAlgorithm and tags."""

    keys: dict[str, ContextValue] = field(default_factory=dict)

    def checks(self, ctx: RequestContext) -> Iterator[Check]:
        yield Check("sts:GetWebIdentityToken", "*", self.keys)


def plan_web_identity_token(
    ctx: RequestContext, req: GetWebIdentityTokenRequestTypeDef
) -> WebIdentityTokenPlan:
    keys: dict[str, ContextValue] = {
        "sts:IdentityTokenAudience": list(req["Audience"]),
        "sts:DurationSeconds": str(req.get("DurationSeconds", _DEFAULT_DURATION)),
        "sts:SigningAlgorithm": req["SigningAlgorithm"],
    }
    keys.update(request_tags({t["Key"]: t["Value"] for t in req.get("Tags", [])}))
    return WebIdentityTokenPlan(keys=keys)


def _subject(ctx: RequestContext) -> str:
    principal = ctx.principal
    if principal.kind == "assumed-role":
        role = principal_role(ctx.iam, principal)
        if role is not None:
            return role.arn
    return principal.arn


@sts_action("GetWebIdentityToken", plan_web_identity_token)
def get_web_identity_token(
    ctx: RequestContext, req: GetWebIdentityTokenRequestTypeDef, plan: WebIdentityTokenPlan
) -> dict[str, Any]:
    issuer = outbound_issuer(ctx)
    if issuer is None:
        raise AwsError("OutboundWebIdentityFederationDisabledException", _DISABLED)
    duration = req.get("DurationSeconds", _DEFAULT_DURATION)
    if not _MIN_DURATION <= duration <= _MAX_DURATION:
        bound = (
            f"greater than or equal to {_MIN_DURATION}"
            if duration < _MIN_DURATION
            else (f"less than or equal to {_MAX_DURATION}")
        )
        raise AwsError(
            "ValidationError",
            f"1 validation error detected: Value '{duration}' at 'durationSeconds' failed to satisfy "
            f"constraint: Member must have value {bound}",
        )
    if req["SigningAlgorithm"] != oidc_issuer.ALGORITHM:
        # ec2sim's issuer has one RS256 key; ES384 tokens are not emulated (an ec2sim limitation).
        raise AwsError(
            "ValidationError",
            f"ec2sim signs web identity tokens with RS256 only, not {req['SigningAlgorithm']}.",
        )
    check_session_tags(req)
    audience = list(req["Audience"])
    aws_claims: dict[str, Any] = {"aws_account": ctx.principal.account_id, "source_region": ctx.region}
    tags = principal_tags(ctx.store, ctx.principal)
    if tags:
        aws_claims["principal_tags"] = tags
    if req.get("Tags"):
        aws_claims["request_tags"] = {t["Key"]: t["Value"] for t in req["Tags"]}
    claims = {
        "iss": issuer,
        "aud": audience[0] if len(audience) == 1 else audience,
        "sub": _subject(ctx),
        _NAMESPACE: aws_claims,
    }
    token = oidc_issuer.mint(ctx.store, claims, ctx.now, duration)
    expiration = (ctx.now + timedelta(seconds=duration)).replace(microsecond=0)
    return {"WebIdentityToken": token, "Expiration": expiration}
