"""IAM delegation requests: AWS Partners ask an account for temporary access, the account's
administrators accept or reject, and the partner trades the token in (STS GetDelegatedAccessToken).

Only AWS Partners create them ("intended to be used only by Amazon or AWS Partners", Service
Authorization Reference), so no delegation request ever exists in an ec2sim account: each operation
is authorized on the request's ARN as the SAR says, then a request id answers NoSuchEntity, the
listing is empty, and CreateDelegationRequest is refused (`InvalidInput`, wording assumed).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ec2sim.api.authorization import NO_RESOURCES, Check, Plan
from ec2sim.api.context import RequestContext
from ec2sim.api.errors import AwsError
from ec2sim.api.iam.authz import iam_action
from ec2sim.store.resources import DELEGATION_REQUEST

NOT_A_PARTNER = "Only AWS Partners can create delegation requests."
_ARN = re.compile(r"arn:aws:iam::(\d{12}):delegation-request/([\w-]+)")


@dataclass
class DelegationPlan(Plan):
    """The delegation request's ARN, checked; it is never found."""

    arn: str = ""

    def checks(self, ctx: RequestContext) -> Iterator[Check]:
        yield Check(f"iam:{ctx.action}", self.arn)


def _missing(ctx: RequestContext, request_id: str) -> DelegationPlan:
    plan = DelegationPlan(DELEGATION_REQUEST.arn("", ctx.account_id, request_id, "/"))
    plan.fail(AwsError(*DELEGATION_REQUEST.not_found_message(request_id)))
    return plan


def plan_by_id(ctx: RequestContext, req: Mapping[str, Any]) -> DelegationPlan:
    return _missing(ctx, req["DelegationRequestId"])


def plan_by_arn(ctx: RequestContext, req: Mapping[str, Any]) -> DelegationPlan:
    """GetHumanReadableSummary names a delegation request by ARN; any other ARN is InvalidInput
    (wording assumed)."""
    match = _ARN.fullmatch(req["EntityArn"])
    if match is None:
        raise AwsError("InvalidInput", f"Invalid EntityArn: {req['EntityArn']}")
    return _missing(ctx, match.group(2))


def _never_found(ctx: RequestContext, req: Mapping[str, Any], plan: DelegationPlan) -> None:
    raise AssertionError("unreachable: the plan's NoSuchEntity is raised first")


for _name in (
    "GetDelegationRequest",
    "AcceptDelegationRequest",
    "AssociateDelegationRequest",
    "RejectDelegationRequest",
    "SendDelegationToken",
):
    iam_action(_name, plan_by_id)(_never_found)
iam_action("GetHumanReadableSummary", plan_by_arn)(_never_found)


def plan_new(ctx: RequestContext, req: Mapping[str, Any]) -> DelegationPlan:
    """A new request is authorized on ``delegation-request/*`` (its id is not known yet)."""
    return DelegationPlan(DELEGATION_REQUEST.arn("", ctx.account_id, "*", "/"))


@iam_action("CreateDelegationRequest", plan_new)
def create_delegation_request(ctx: RequestContext, req: Mapping[str, Any], plan: DelegationPlan) -> None:
    raise AwsError("InvalidInput", NOT_A_PARTNER)


@iam_action("ListDelegationRequests", NO_RESOURCES)
def list_delegation_requests(ctx: RequestContext, req: Mapping[str, Any]) -> dict[str, Any]:
    return {"DelegationRequests": [], "isTruncated": False}
