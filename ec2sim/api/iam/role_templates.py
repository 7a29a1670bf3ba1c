"""IAM AcquireRole: a role made from one of AWS's role templates
(``arn:aws:iam::aws:role-template/SERVICE-PRINCIPAL/NAME:MAJOR-VERSION``).

Role templates are AWS's own, like AWS-managed policies, and ec2sim ships no copy of them (the
model documents no catalogue to generate one from). Assumed: every template ARN therefore answers
as AWS answers a template that doesn't exist, NoSuchEntity; an ARN that is no role template's is
InvalidInput (wording assumed, as for other malformed IAM ARNs here). Both after authorization,
which is iam:AcquireRole on the template's ARN (resource type ``role-template``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ec2sim.api.authorization import Check, Plan
from ec2sim.api.context import RequestContext
from ec2sim.api.errors import AwsError
from ec2sim.api.iam.authz import iam_action
from ec2sim.store.resources import ROLE_TEMPLATE

if TYPE_CHECKING:
    from types_boto3_iam.type_defs import AcquireRoleRequestTypeDef

_TEMPLATE_ARN = re.compile(r"arn:aws:iam::aws:role-template/[\w.-]+/[\w+=,.@-]+:\d+")


@dataclass
class RoleTemplatePlan(Plan):
    """iam:AcquireRole on the template's ARN."""

    arn: str = ""

    def checks(self, ctx: RequestContext) -> Iterator[Check]:
        yield Check("iam:AcquireRole", self.arn)


def plan_acquire_role(ctx: RequestContext, req: AcquireRoleRequestTypeDef) -> RoleTemplatePlan:
    arn = req["TemplateArn"]
    plan = RoleTemplatePlan(arn)
    if _TEMPLATE_ARN.fullmatch(arn) is None:
        plan.fail(AwsError("InvalidInput", f"ARN {arn} is not valid."))
    else:
        plan.fail(AwsError(*ROLE_TEMPLATE.not_found_message(arn)))
    return plan


@iam_action("AcquireRole", plan_acquire_role)
def acquire_role(
    ctx: RequestContext, req: AcquireRoleRequestTypeDef, plan: RoleTemplatePlan
) -> dict[str, Any]:
    raise AssertionError("unreachable: the plan's error is raised first")
