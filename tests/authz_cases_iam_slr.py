"""The authorization matrix's requests for service-linked roles: each on the role's ARN
(``role/aws-service-role/SERVICE/NAME``), CreateServiceLinkedRole with ``iam:AWSServiceName``."""

from __future__ import annotations

from typing import Any

from tests.authz_cases import Builder, case
from tests.credential_helpers import _once


def _arn(service: str, name: str) -> Any:
    return lambda env: f"arn:aws:iam::{env.account_id}:role/aws-service-role/{service}/{name}"


def _linked(env: Any) -> str:
    made = lambda: env.iam.create_service_linked_role(AWSServiceName="ecs.amazonaws.com")  # noqa: E731
    return str(_once(env, "_slr", made)["Role"]["RoleName"])


def _task(env: Any) -> str:
    def made() -> str:
        name = env.iam.create_service_linked_role(AWSServiceName="rds.amazonaws.com")["Role"]["RoleName"]
        return str(env.iam.delete_service_linked_role(RoleName=name)["DeletionTaskId"])

    return str(_once(env, "_slr_task", made))


SLR_CASES: dict[str, Builder] = {
    "CreateServiceLinkedRole": case(
        {"AWSServiceName": "autoscaling.amazonaws.com"},
        _arn("autoscaling.amazonaws.com", "AWSServiceRoleForAutoScaling"),
    ),
    "DeleteServiceLinkedRole": case({"RoleName": _linked}, _arn("ecs.amazonaws.com", "AWSServiceRoleForECS")),
    "GetServiceLinkedRoleDeletionStatus": case(
        {"DeletionTaskId": _task}, _arn("rds.amazonaws.com", "AWSServiceRoleForRDS")
    ),
}
