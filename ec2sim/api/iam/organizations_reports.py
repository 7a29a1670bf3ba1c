"""IAM's AWS Organizations access reports (GenerateOrganizationsAccessReport and
GetOrganizationsAccessReport) for an account that belongs to no organization.

Assumed, as AWS documents no answer for a standalone account: generating a report is accepted (the
model gives GenerateOrganizationsAccessReport no error but ReportGenerationLimitExceeded, and
reports are made asynchronously), and the job fails: GetOrganizationsAccessReport answers it
``FAILED`` with ``ErrorDetails`` carrying what AWS Organizations answers an account that is in no
organization (``AWSOrganizationsNotInUseException``, "Your account is not a member of an
organization."). Jobs are kept with access advisor's, a bounded number per account, in memory only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ec2sim.api.authorization import NO_RESOURCES
from ec2sim.api.context import RequestContext
from ec2sim.api.iam.access_advisor import MAX_JOBS
from ec2sim.api.iam.authz import ArnPlan, iam_action
from ec2sim.api.iam.messages import iam_error
from ec2sim.store.resources import ACCESS_REPORT

if TYPE_CHECKING:
    from types_boto3_iam.type_defs import (
        GenerateOrganizationsAccessReportRequestTypeDef,
        GetOrganizationsAccessReportRequestTypeDef,
    )

NOT_IN_USE = ("AWSOrganizationsNotInUseException", "Your account is not a member of an organization.")


@dataclass(frozen=True)
class OrganizationsJob:
    entity_path: str
    created: datetime


def plan_report(ctx: RequestContext, req: Mapping[str, Any]) -> ArnPlan[None]:
    """iam:GenerateOrganizationsAccessReport on the report's ``access-report/ENTITY_PATH``, with the
    SCP it names as iam:OrganizationsPolicyId."""
    keys: dict[str, Any] = {}
    if req.get("OrganizationsPolicyId"):
        keys["iam:OrganizationsPolicyId"] = req["OrganizationsPolicyId"]
    return ArnPlan(resource=ACCESS_REPORT.arn("", ctx.account_id, req["EntityPath"]), context=keys)


@iam_action("GenerateOrganizationsAccessReport", plan_report)
def generate_organizations_access_report(
    ctx: RequestContext, req: GenerateOrganizationsAccessReportRequestTypeDef, plan: ArnPlan[None]
) -> dict[str, Any]:
    jobs = ctx.iam.usage.jobs
    while len(jobs) >= MAX_JOBS:
        del jobs[next(iter(jobs))]
    job_id = ctx.store.ids.request_id()
    jobs[job_id] = OrganizationsJob(req["EntityPath"], ctx.now)
    return {"JobId": job_id}


@iam_action("GetOrganizationsAccessReport", NO_RESOURCES)
def get_organizations_access_report(
    ctx: RequestContext, req: GetOrganizationsAccessReportRequestTypeDef
) -> dict[str, Any]:
    job = ctx.iam.usage.jobs.get(req["JobId"])
    if not isinstance(job, OrganizationsJob):
        raise iam_error("JobNotFound", job_id=req["JobId"])
    code, message = NOT_IN_USE
    return {
        "JobStatus": "FAILED",
        "JobCreationDate": job.created,
        "JobCompletionDate": job.created,
        "ErrorDetails": {"Code": code, "Message": message},
    }
