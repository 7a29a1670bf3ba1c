"""IAM: service-linked roles (CreateServiceLinkedRole, DeleteServiceLinkedRole and its status).

Each is authorized on the role's ARN (Service Authorization Reference), CreateServiceLinkedRole
with ``iam:AWSServiceName``. Messages as IAM writes them where recorded responses show them
("Custom suffix is not allowed for ...", "Service role name ... has been taken in this account,
please try a different suffix."); the others are assumed and say so.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ec2sim.api.context import RequestContext
from ec2sim.api.iam.authz import IamPlan, iam_action, requiring, resolve_named
from ec2sim.api.iam.messages import iam_error
from ec2sim.api.iam.quotas import check_account_quota
from ec2sim.api.iam.roles import role_summary
from ec2sim.store.iam.service_linked import (
    LINKED_SERVICES,
    SERVICE_ROLE_PATH,
    is_service_linked,
    trust_policy,
)

if TYPE_CHECKING:
    from types_boto3_iam.type_defs import (
        CreateServiceLinkedRoleRequestTypeDef,
        DeleteServiceLinkedRoleRequestTypeDef,
        GetServiceLinkedRoleDeletionStatusRequestTypeDef,
    )

_TASK = re.compile(r"task/aws-service-role/([^/]+)/([\w+=,.@-]+)/[0-9a-f-]{36}")


def _role_name(req: Mapping[str, Any]) -> str:
    """AWS's name for the service's role (unknown services: AWS's pattern, for the check's ARN)."""
    service = req["AWSServiceName"]
    linked = LINKED_SERVICES.get(service)
    base = linked.role_name if linked else f"AWSServiceRoleFor{service.split('.')[0].capitalize()}"
    suffix = req.get("CustomSuffix")
    return f"{base}_{suffix}" if suffix else base


def _resolve_create(ctx: RequestContext, req: Mapping[str, Any]) -> IamPlan:
    """On the role to be created, with the service as ``iam:AWSServiceName``."""
    service, name = req["AWSServiceName"], _role_name(req)
    plan = IamPlan(req=req, resource=ctx.iam.arn("role", f"{SERVICE_ROLE_PATH}{service}/", name))
    plan.context["iam:AWSServiceName"] = service
    plan.found["RoleName"] = ctx.iam.roles.get(name)
    return plan


@iam_action("CreateServiceLinkedRole", _resolve_create)
def create_service_linked_role(
    ctx: RequestContext, req: CreateServiceLinkedRoleRequestTypeDef, plan: IamPlan
) -> dict[str, Any]:
    service = req["AWSServiceName"]
    linked = LINKED_SERVICES.get(service)
    if linked is None:
        raise iam_error("InvalidServiceName", service=service)
    if req.get("CustomSuffix") and not linked.suffix:
        raise iam_error("SuffixNotAllowed", service=service)
    name = _role_name(req)
    if plan.found["RoleName"] is not None:
        raise iam_error("ServiceRoleNameTaken", name=name)
    check_account_quota(ctx, "role")
    role = ctx.iam.create_role(
        ctx.now,
        name,
        f"{SERVICE_ROLE_PATH}{service}/",
        ctx.store.ids.iam_id("AROA"),
        trust_policy(service),
        req.get("Description") or None,
        3600,
        {},
        None,
    )
    ctx.iam.set_attachment(ctx.now, "role", name, linked.policy_arn, True)
    return {"Role": {**role_summary(role), "Description": role.description}}


@iam_action("DeleteServiceLinkedRole", requiring("RoleName"))
def delete_service_linked_role(
    ctx: RequestContext, req: DeleteServiceLinkedRoleRequestTypeDef, plan: IamPlan
) -> dict[str, Any]:
    """The role goes at once (no service resource uses it here); its task is SUCCEEDED."""
    role = plan.role
    if not is_service_linked(role):
        raise iam_error("NotServiceLinked", name=role.name)
    service = role.path[len(SERVICE_ROLE_PATH) :].strip("/")
    task_id = f"task/aws-service-role/{service}/{role.name}/{ctx.store.ids.request_id()}"
    ctx.iam.delete_service_linked_role(ctx.now, role.name, task_id)
    return {"DeletionTaskId": task_id}


def _resolve_task(ctx: RequestContext, req: Mapping[str, Any]) -> IamPlan:
    """On the role the task deletes (its path and name are in the task id)."""
    plan = resolve_named(ctx, req)
    match = _TASK.fullmatch(req["DeletionTaskId"])
    if match is None:
        plan.fail(iam_error("DeletionTaskInvalid", task=req["DeletionTaskId"]))
        return plan
    plan.resource = ctx.iam.arn("role", f"{SERVICE_ROLE_PATH}{match.group(1)}/", match.group(2))
    if req["DeletionTaskId"] not in ctx.iam.deletion_tasks:
        plan.fail(iam_error("DeletionTaskNotFound", task=req["DeletionTaskId"]))
    return plan


@iam_action("GetServiceLinkedRoleDeletionStatus", _resolve_task)
def get_service_linked_role_deletion_status(
    ctx: RequestContext, req: GetServiceLinkedRoleDeletionStatusRequestTypeDef, plan: IamPlan
) -> dict[str, Any]:
    return {"Status": ctx.iam.deletion_tasks[req["DeletionTaskId"]]}
