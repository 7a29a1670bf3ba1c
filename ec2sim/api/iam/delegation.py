"""IAM delegation requests: an AWS Partner asks an account for temporary access, the account's
administrators associate, accept or reject it, and the partner trades the token in (STS
GetDelegatedAccessToken).

Assumed for a standalone ec2sim account: only onboarded AWS Partners create delegation requests
(CreateDelegationRequest "is not available for general use": IAM API reference; the SAR says the
same of the feature), and no partner exists here, so no delegation request exists in any account.
Each operation is authorized on the request's ARN (resource type ``delegation-request``) as the SAR
says; then a request id answers NoSuchEntity, the listing is empty, and CreateDelegationRequest is
refused with InvalidInput (one of the operation's modelled errors; AWS's wording for a caller that
is not an onboarded partner is undocumented, so the message is assumed).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ec2sim.api.authorization import NO_RESOURCES, Check, Plan
from ec2sim.api.context import RequestContext
from ec2sim.api.errors import AwsError
from ec2sim.api.iam.authz import iam_action
from ec2sim.api.iam.messages import iam_error
from ec2sim.store.resources import DELEGATION_REQUEST

if TYPE_CHECKING:
    from types_boto3_iam.type_defs import (
        AcceptDelegationRequestRequestTypeDef,
        AssociateDelegationRequestRequestTypeDef,
        CreateDelegationRequestRequestTypeDef,
        GetDelegationRequestRequestTypeDef,
        GetHumanReadableSummaryRequestTypeDef,
        ListDelegationRequestsRequestTypeDef,
        RejectDelegationRequestRequestTypeDef,
        SendDelegationTokenRequestTypeDef,
        UpdateDelegationRequestRequestTypeDef,
    )

    # The operations that name a delegation request by its id (one resolver and handler serve them).
    ById = (
        AcceptDelegationRequestRequestTypeDef
        | AssociateDelegationRequestRequestTypeDef
        | GetDelegationRequestRequestTypeDef
        | RejectDelegationRequestRequestTypeDef
        | SendDelegationTokenRequestTypeDef
        | UpdateDelegationRequestRequestTypeDef
    )

# GetHumanReadableSummary's EntityArn: "the only supported entity type is delegation-request".
_ARN = re.compile(r"arn:aws:iam::(\d{12}):delegation-request/([\w-]+)")


@dataclass
class DelegationPlan(Plan):
    """The delegation request's ARN, checked (it is never found)."""

    arn: str = ""

    def checks(self, ctx: RequestContext) -> Iterator[Check]:
        yield Check(f"iam:{ctx.action}", self.arn)


def _missing(arn: str, request_id: str) -> DelegationPlan:
    plan = DelegationPlan(arn)
    plan.fail(AwsError(*DELEGATION_REQUEST.not_found_message(request_id)))
    return plan


def plan_by_id(ctx: RequestContext, req: ById) -> DelegationPlan:
    request_id = req["DelegationRequestId"]
    return _missing(DELEGATION_REQUEST.arn("", ctx.account_id, request_id), request_id)


@iam_action("GetDelegationRequest", plan_by_id)
@iam_action("AcceptDelegationRequest", plan_by_id)
@iam_action("AssociateDelegationRequest", plan_by_id)
@iam_action("RejectDelegationRequest", plan_by_id)
@iam_action("SendDelegationToken", plan_by_id)
@iam_action("UpdateDelegationRequest", plan_by_id)
def by_id(ctx: RequestContext, req: ById, plan: DelegationPlan) -> None:
    raise AssertionError("unreachable: the plan's NoSuchEntity is raised first")


def plan_summary(ctx: RequestContext, req: GetHumanReadableSummaryRequestTypeDef) -> DelegationPlan:
    """Names a delegation request by ARN (in any account: none exists anywhere); any other ARN is
    InvalidInput (wording assumed)."""
    arn = req["EntityArn"]
    match = _ARN.fullmatch(arn)
    if match is None:
        plan = DelegationPlan(arn)
        plan.fail(iam_error("ArnInvalid", arn=arn))
        return plan
    return _missing(arn, match.group(2))


@iam_action("GetHumanReadableSummary", plan_summary)
def get_human_readable_summary(
    ctx: RequestContext, req: GetHumanReadableSummaryRequestTypeDef, plan: DelegationPlan
) -> None:
    raise AssertionError("unreachable: the plan's NoSuchEntity is raised first")


def plan_create(ctx: RequestContext, req: CreateDelegationRequestRequestTypeDef) -> DelegationPlan:
    """A new request is authorized on ``delegation-request/*`` (its id is not known yet)."""
    return DelegationPlan(DELEGATION_REQUEST.arn("", ctx.account_id, "*"))


@iam_action("CreateDelegationRequest", plan_create)
def create_delegation_request(
    ctx: RequestContext, req: CreateDelegationRequestRequestTypeDef, plan: DelegationPlan
) -> None:
    raise iam_error("NotAPartner")


@iam_action("ListDelegationRequests", NO_RESOURCES)
def list_delegation_requests(
    ctx: RequestContext, req: ListDelegationRequestsRequestTypeDef
) -> dict[str, Any]:
    """Empty, whatever the OwnerId filter or Marker: no delegation request exists."""
    return {"DelegationRequests": [], "isTruncated": False}
