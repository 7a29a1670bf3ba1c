"""Every IAM and STS operation in botocore's models is handled: none answers ``Unsupported``
(or ``InvalidAction``), whatever it answers a request without parameters."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from ec2sim.testing import EmulatorAccount

# TEMPORARY (issue 14): operations other helpers' branches implement (service-linked roles, access
# advisor) and ones not yet done here; the lead removes the first group at merge.
NOT_YET = {
    ("iam", "CreateServiceLinkedRole"),
    ("iam", "DeleteServiceLinkedRole"),
    ("iam", "GetServiceLinkedRoleDeletionStatus"),
    ("iam", "GenerateServiceLastAccessedDetails"),
    ("iam", "GetServiceLastAccessedDetails"),
    ("iam", "GetServiceLastAccessedDetailsWithEntities"),
    ("iam", "GenerateOrganizationsAccessReport"),
    ("iam", "GetOrganizationsAccessReport"),
    # not yet done on the h-sts branch (see its report)
    ("iam", "AcceptDelegationRequest"),
    ("iam", "AcquireRole"),
    ("iam", "AssociateDelegationRequest"),
    ("iam", "CreateDelegationRequest"),
    ("iam", "GetAccountProperties"),
    ("iam", "GetDelegationRequest"),
    ("iam", "GetHumanReadableSummary"),
    ("iam", "GetRoleTemplateVersion"),
    ("iam", "ListDelegationRequests"),
    ("iam", "PutAccountProperties"),
    ("iam", "RejectDelegationRequest"),
    ("iam", "SendDelegationToken"),
    ("iam", "UpdateDelegationRequest"),
    ("iam", "UpdateOpenIDConnectProvider"),
    ("sts", "GetScopedCredentials"),
}
UNKNOWN = {"Unsupported", "InvalidAction"}


def _operations() -> list[tuple[str, str]]:
    import botocore.session

    session = botocore.session.get_session()
    return [
        (service, name)
        for service in ("iam", "sts")
        for name in session.get_service_model(service).operation_names
    ]


@pytest.mark.parametrize("service", ["iam", "sts"])
def test_no_operation_is_unknown(ec2sim: EmulatorAccount, service: str) -> None:
    client = ec2sim.boto3_client(
        service, config=Config(parameter_validation=False, retries={"max_attempts": 1})
    )
    unknown = []
    for name in client.meta.service_model.operation_names:
        if (service, name) in NOT_YET:
            continue
        try:
            client._make_api_call(name, {})
        except ClientError as error:
            if error.response["Error"]["Code"] in UNKNOWN:
                unknown.append(name)
    assert unknown == []


def test_the_temporary_exclusions_are_still_unknown(ec2sim: EmulatorAccount) -> None:
    """An exclusion that is handled by now must leave the list (it only hides unknown operations)."""
    handled: list[Any] = []
    for service, name in sorted(NOT_YET):
        client = ec2sim.boto3_client(service, config=Config(parameter_validation=False))
        try:
            client._make_api_call(name, {})
        except ClientError as error:
            if error.response["Error"]["Code"] not in UNKNOWN:
                handled.append(name)
        else:
            handled.append(name)
    assert handled == []
    assert NOT_YET <= set(_operations())
