"""IAM AcquireRole and GetRoleTemplateVersion: a role made from one of AWS's role templates
(``arn:aws:iam::aws:role-template/SERVICE-PRINCIPAL/NAME:MAJOR-VERSION``).

Role templates are AWS's own, like AWS-managed policies, and ec2sim ships no copy of them (the
model documents no catalogue to generate one from). Assumed: every template ARN therefore answers
as AWS answers a template that doesn't exist, NoSuchEntity; an ARN that is no role template's is
InvalidInput (wording assumed, as for other malformed IAM ARNs here). Both after authorization,
which is iam:AcquireRole or iam:GetRoleTemplateVersion on the template's ARN (resource type ``role-template``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ec2sim.api.context import RequestContext
from ec2sim.api.errors import AwsError
from ec2sim.api.iam.authz import ArnPlan, iam_action
from ec2sim.api.iam.messages import iam_error
from ec2sim.store.resources import ROLE_TEMPLATE

if TYPE_CHECKING:
    from types_boto3_iam.type_defs import AcquireRoleRequestTypeDef, GetRoleTemplateVersionRequestTypeDef

_TEMPLATE_ARN = re.compile(r"arn:aws:iam::aws:role-template/[\w.-]+/[\w+=,.@-]{1,128}:\d+")


def plan_template(
    ctx: RequestContext, req: AcquireRoleRequestTypeDef | GetRoleTemplateVersionRequestTypeDef
) -> ArnPlan[None]:
    """The action on the template's ARN; then InvalidInput for an ARN that is no template's, else
    NoSuchEntity (ec2sim has no templates)."""
    arn = req["TemplateArn"]
    plan = ArnPlan[None](resource=arn)
    if _TEMPLATE_ARN.fullmatch(arn) is None:
        plan.fail(iam_error("ArnInvalid", arn=arn))
    else:
        plan.fail(AwsError(*ROLE_TEMPLATE.not_found_message(arn)))
    return plan


@iam_action("AcquireRole", plan_template)
def acquire_role(ctx: RequestContext, req: AcquireRoleRequestTypeDef, plan: ArnPlan[None]) -> dict[str, Any]:
    raise AssertionError("unreachable: the plan's error is raised first")


@iam_action("GetRoleTemplateVersion", plan_template)
def get_role_template_version(
    ctx: RequestContext, req: GetRoleTemplateVersionRequestTypeDef, plan: ArnPlan[None]
) -> dict[str, Any]:
    raise AssertionError("unreachable: the plan's error is raised first")
