"""The authorization matrix's requests for access advisor: GenerateServiceLastAccessedDetails on
the user's ARN (the Service Authorization Reference lists user, group, role and policy), the
report readers on ``*`` (no resource types)."""

from __future__ import annotations

from typing import Any

from tests.authz_cases import Builder, attr, case, iam_arn
from tests.credential_helpers import _once

USER_ARN = iam_arn("user", attr("user"))


def _job(env: Any) -> str:
    def make() -> str:
        job: str = env.iam.generate_service_last_accessed_details(Arn=USER_ARN(env))["JobId"]
        return job

    found: str = _once(env, "_advisor_job", make)
    return found


ADVISOR_CASES: dict[str, Builder] = {
    "GenerateServiceLastAccessedDetails": case({"Arn": USER_ARN}, USER_ARN),
    "GetServiceLastAccessedDetails": case({"JobId": _job}),
    "GetServiceLastAccessedDetailsWithEntities": case({"JobId": _job, "ServiceNamespace": "iam"}),
}
