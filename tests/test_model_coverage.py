"""Every IAM and STS operation in botocore's models is handled: none answers ``Unsupported``
(or ``InvalidAction``), whatever it answers a request without parameters."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from ec2sim.testing import EmulatorAccount

# TEMPORARY (issue 14): the IAM and STS operations not handled yet. The last test fails when one of
# them becomes handled, so the set only shrinks.
NOT_YET = {
    ("iam", "GenerateOrganizationsAccessReport"),
    ("iam", "GetOrganizationsAccessReport"),
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


# Issue 15's EC2 families: every operation of each family done so far is handled.
EC2_FAMILIES = {
    "vpcs and subnets": {
        "CreateVpc",
        "DeleteVpc",
        "DescribeVpcs",
        "DescribeVpcAttribute",
        "ModifyVpcAttribute",
        "CreateDefaultVpc",
        "CreateDefaultSubnet",
        "AssociateVpcCidrBlock",
        "DisassociateVpcCidrBlock",
        "CreateSubnet",
        "DeleteSubnet",
        "DescribeSubnets",
        "ModifySubnetAttribute",
        "AssociateSubnetCidrBlock",
        "DisassociateSubnetCidrBlock",
    },
    "vpc peering": {
        "CreateVpcPeeringConnection",
        "AcceptVpcPeeringConnection",
        "RejectVpcPeeringConnection",
        "DeleteVpcPeeringConnection",
        "DescribeVpcPeeringConnections",
        "ModifyVpcPeeringConnectionOptions",
    },
}


@pytest.mark.parametrize("family", sorted(EC2_FAMILIES))
def test_ec2_family_is_handled(ec2sim: EmulatorAccount, family: str) -> None:
    client = ec2sim.boto3_client(
        "ec2", config=Config(parameter_validation=False, retries={"max_attempts": 1})
    )
    names = EC2_FAMILIES[family]
    assert names <= set(client.meta.service_model.operation_names)
    unknown = []
    for name in sorted(names):
        try:
            client._make_api_call(name, {})
        except ClientError as error:
            if error.response["Error"]["Code"] in UNKNOWN:
                unknown.append(name)
    assert unknown == []
