"""STS operations that need what an ec2sim account never has: an AWS Organization with centralized
root access (AssumeRoot) or an approved IAM delegation request (GetDelegatedAccessToken).

Each is authorized as the Service Authorization Reference says, then refused as AWS refuses a
standalone account. The refusals' wording is not documented: what each answers is assumed (below).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ec2sim.api.authorization import NO_RESOURCES, Check, Plan
from ec2sim.api.context import RequestContext
from ec2sim.api.errors import AwsError
from ec2sim.api.iam.messages import MESSAGES
from ec2sim.api.registry import sts_action
from ec2sim.iam.policy.variables import ContextValue
from ec2sim.store.resources import root_arn

if TYPE_CHECKING:
    from types_boto3_sts.type_defs import AssumeRootRequestTypeDef, GetDelegatedAccessTokenRequestTypeDef

_ACCOUNT = re.compile(r"(?:arn:aws:iam::)?(\d{12})(?::root)?")
# Assumed: AssumeRoot from an account in no organization is denied with the reason IAM's
# organization operations give (OrganizationNotFoundException's documented message).
NO_ORGANIZATION = MESSAGES["NoOrganization"][1]
# Assumed: no delegation request was ever approved here, so no trade-in token is valid.
INVALID_TRADE_IN = "The trade-in token provided is invalid or has expired."


@dataclass
class AssumeRootPlan(Plan):
    """sts:AssumeRoot on the target account's root user (the SAR's ``root-user``), with
    sts:TaskPolicyArn."""

    target: str = ""
    keys: dict[str, ContextValue] = field(default_factory=dict)

    def checks(self, ctx: RequestContext) -> Iterator[Check]:
        yield Check("sts:AssumeRoot", self.target, self.keys)


def plan_assume_root(ctx: RequestContext, req: AssumeRootRequestTypeDef) -> AssumeRootPlan:
    """The root user may not call it ("You cannot use root user credentials to make this call",
    AssumeRoot API reference; the error is assumed to be AssumeRole's for the root user). A target
    that is no account id or root ARN is a ValidationError (wording assumed)."""
    if ctx.principal.kind == "root":
        raise AwsError("AccessDenied", "Root sessions may not be started by root accounts.")
    target = req["TargetPrincipal"]
    match = _ACCOUNT.fullmatch(target)
    if match is None:
        raise AwsError("ValidationError", f"Invalid TargetPrincipal: {target}")
    plan = AssumeRootPlan(
        root_arn(match.group(1)), {"sts:TaskPolicyArn": req["TaskPolicyArn"].get("arn", "")}
    )
    plan.fail(AwsError("AccessDenied", NO_ORGANIZATION))
    return plan


@sts_action("AssumeRoot", plan_assume_root)
def assume_root(ctx: RequestContext, req: AssumeRootRequestTypeDef, plan: AssumeRootPlan) -> dict[str, Any]:
    raise AwsError("AccessDenied", NO_ORGANIZATION)


@sts_action("GetDelegatedAccessToken", NO_RESOURCES)
def get_delegated_access_token(
    ctx: RequestContext, req: GetDelegatedAccessTokenRequestTypeDef
) -> dict[str, Any]:
    raise AwsError("ExpiredTradeInTokenException", INVALID_TRADE_IN)
