"""Every IAM and STS operation in botocore's models is handled: none answers ``Unsupported``
(or ``InvalidAction``), whatever it answers a request without parameters."""

from __future__ import annotations

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from ec2sim.testing import EmulatorAccount

UNKNOWN = {"Unsupported", "InvalidAction"}


@pytest.mark.parametrize("service", ["iam", "sts"])
def test_no_operation_is_unknown(ec2sim: EmulatorAccount, service: str) -> None:
    client = ec2sim.boto3_client(
        service, config=Config(parameter_validation=False, retries={"max_attempts": 1})
    )
    unknown = []
    for name in client.meta.service_model.operation_names:
        try:
            client._make_api_call(name, {})
        except ClientError as error:
            if error.response["Error"]["Code"] in UNKNOWN:
                unknown.append(name)
    assert unknown == []


# Issue 15, family 4 ("Security groups, the rest"): every operation of it is handled.
SECURITY_GROUP_FAMILY = (
    "ModifySecurityGroupRules",
    "UpdateSecurityGroupRuleDescriptionsIngress",
    "UpdateSecurityGroupRuleDescriptionsEgress",
    "CreateManagedPrefixList",
    "ModifyManagedPrefixList",
    "DeleteManagedPrefixList",
    "DescribeManagedPrefixLists",
    "GetManagedPrefixListEntries",
    "GetManagedPrefixListAssociations",
    "RestoreManagedPrefixListVersion",
    "DescribePrefixLists",
)


def test_security_group_family_is_handled(ec2sim: EmulatorAccount) -> None:
    from ec2sim.api.registry import HANDLERS

    client = ec2sim.boto3_client(
        "ec2", config=Config(parameter_validation=False, retries={"max_attempts": 1})
    )
    assert set(SECURITY_GROUP_FAMILY) <= set(client.meta.service_model.operation_names)
    assert [name for name in SECURITY_GROUP_FAMILY if ("ec2", name) not in HANDLERS] == []
    unknown = []
    for name in SECURITY_GROUP_FAMILY:
        try:
            client._make_api_call(name, {})
        except ClientError as error:
            if error.response["Error"]["Code"] in UNKNOWN:
                unknown.append(name)
    assert unknown == []
