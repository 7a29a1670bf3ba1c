"""The AWS-managed policy catalogue: read from its data file (source recorded), with the policies
users attach in tests and every policy a service-linked role needs, as AWS publishes them."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

import pytest

from ec2sim.store.iam.managed import CATALOGUE, aws_managed_policies
from ec2sim.store.iam.service_linked import LINKED_SERVICES

PREFIX = "arn:aws:iam::aws:policy"


def test_the_file_records_its_source() -> None:
    data = json.loads(CATALOGUE.read_text())
    assert data["source"]["package"] == "moto"
    assert data["source"]["version"]
    assert data["source"]["tool"] == "bench/tools/managed_policies.py"
    names = [(p["Path"], p["PolicyName"]) for p in data["policies"]]
    assert len(names) == len(set(names))


def test_every_service_linked_role_policy_is_there() -> None:
    catalogue = aws_managed_policies()
    for service in LINKED_SERVICES.values():
        assert service.policy_arn in catalogue, service


@pytest.mark.parametrize(
    ("arn", "version", "action"),
    [
        (f"{PREFIX}/AWSLambdaExecute", "v1", "logs:*"),
        (f"{PREFIX}/service-role/AmazonElasticMapReduceRole", "v10", "ec2:AuthorizeSecurityGroupEgress"),
        (f"{PREFIX}/IAMUserChangePassword", "v5", "iam:ChangePassword"),
        (f"{PREFIX}/job-function/SystemAdministrator", "v12", "autoscaling:*"),
        (f"{PREFIX}/aws-service-role/AutoScalingServiceRolePolicy", "v10", "ec2:RunInstances"),
    ],
)
def test_common_policies_with_their_documents(iam: Any, arn: str, version: str, action: str) -> None:
    policy = iam.get_policy(PolicyArn=arn)["Policy"]
    assert (policy["Arn"], policy["DefaultVersionId"], policy["IsAttachable"]) == (arn, version, True)
    assert policy["PolicyId"].startswith("ANPA") and len(policy["PolicyId"]) == 21
    got = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]
    document = got["Document"]
    document = json.loads(unquote(document)) if isinstance(document, str) else document
    actions = [
        a
        for statement in document["Statement"]
        for a in (
            [statement["Action"]] if isinstance(statement.get("Action"), str) else statement.get("Action", [])
        )
    ]
    assert action in actions
    assert got["IsDefaultVersion"] is True


def test_attach_a_catalogue_policy(iam: Any) -> None:
    iam.create_user(UserName="u")
    iam.attach_user_policy(UserName="u", PolicyArn=f"{PREFIX}/IAMUserChangePassword")
    attached = iam.list_attached_user_policies(UserName="u")["AttachedPolicies"]
    assert attached == [
        {"PolicyName": "IAMUserChangePassword", "PolicyArn": f"{PREFIX}/IAMUserChangePassword"}
    ]
    listed = iam.list_policies(Scope="AWS", PathPrefix="/job-function/")["Policies"]
    assert [p["PolicyName"] for p in listed] == ["SystemAdministrator"]
