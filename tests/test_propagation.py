"""--iam-propagation-seconds: new IAM state takes N emulated seconds to reach authorization and EC2."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import requests

from ec2sim.config import Config
from ec2sim.server import Server
from tests.helpers import aws_error

SECONDS = 30


@pytest.fixture(scope="module")
def slow_server() -> Iterator[Server]:
    with Server(Config(port=0, imds_port=0, iam_propagation_seconds=SECONDS)) as running:
        yield running


def _client(server: Server, service: str, key: str, secret: str = "secret") -> Any:
    return boto3.client(
        service,
        region_name="us-east-1",
        endpoint_url=server.api_url,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
    )


def _advance(server: Server, seconds: int) -> None:
    requests.post(
        server.api_url + "/_ec2sim/clock", json={"advance_seconds": seconds}, timeout=5
    ).raise_for_status()


def _doc(action: str) -> str:
    return json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}]}
    )


def test_new_inline_policy_applies_after_propagation(slow_server: Server, account_id: str) -> None:
    iam = _client(slow_server, "iam", account_id)
    iam.create_user(UserName="late")
    key = iam.create_access_key(UserName="late")["AccessKey"]
    iam.put_user_policy(UserName="late", PolicyName="p", PolicyDocument=_doc("iam:ListUsers"))
    user_iam = _client(slow_server, "iam", key["AccessKeyId"], key["SecretAccessKey"])
    with aws_error("AccessDenied", 403, "because no identity-based policy allows the iam:ListUsers action"):
        user_iam.list_users()
    _advance(slow_server, SECONDS)
    user_iam.list_users()


def test_new_attachment_and_group_membership_wait(slow_server: Server, account_id: str) -> None:
    iam = _client(slow_server, "iam", account_id)
    iam.create_user(UserName="member")
    iam.create_group(GroupName="readers")
    iam.put_group_policy(GroupName="readers", PolicyName="p", PolicyDocument=_doc("iam:ListGroups"))
    key = iam.create_access_key(UserName="member")["AccessKey"]
    _advance(slow_server, SECONDS)
    iam.add_user_to_group(GroupName="readers", UserName="member")
    iam.attach_user_policy(UserName="member", PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    user_iam = _client(slow_server, "iam", key["AccessKeyId"], key["SecretAccessKey"])
    with aws_error("AccessDenied", 403):
        user_iam.list_groups()
    with aws_error("AccessDenied", 403):
        user_iam.list_roles()
    _advance(slow_server, SECONDS)
    user_iam.list_groups()
    user_iam.list_roles()


def test_run_instances_with_new_profile_fails_until_propagated(slow_server: Server, account_id: str) -> None:
    iam, ec2 = _client(slow_server, "iam", account_id), _client(slow_server, "ec2", account_id)
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        }
    )
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=trust)
    iam.create_instance_profile(InstanceProfileName="app")
    iam.add_role_to_instance_profile(InstanceProfileName="app", RoleName="app")
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    launch = {"ImageId": image, "MinCount": 1, "MaxCount": 1, "IamInstanceProfile": {"Name": "app"}}
    with aws_error("InvalidParameterValue", 400, "Invalid IAM Instance Profile name"):
        ec2.run_instances(**launch)
    _advance(slow_server, SECONDS - 1)
    with aws_error("InvalidParameterValue", 400, "Invalid IAM Instance Profile name"):
        ec2.run_instances(**launch)
    _advance(slow_server, 1)
    instance = ec2.run_instances(**launch)["Instances"][0]
    assert instance["IamInstanceProfile"]["Arn"].endswith(":instance-profile/app")


def test_zero_seconds_changes_nothing(iam: Any, make_client: Any) -> None:
    iam.create_user(UserName="now")
    iam.put_user_policy(UserName="now", PolicyName="p", PolicyDocument=_doc("iam:ListUsers"))
    key = iam.create_access_key(UserName="now")["AccessKey"]
    make_client("iam", key["AccessKeyId"], secret=key["SecretAccessKey"]).list_users()
