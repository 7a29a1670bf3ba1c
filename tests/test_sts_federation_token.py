"""STS GetFederationToken: federated-user sessions whose permissions are the intersection of the
calling IAM user's policies and the session policies (none passed: no permissions)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.config import Config

from ec2sim.server import Server as EmulatorServer
from tests.helpers import aws_error


def _policy(*actions: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}],
        }
    )


def _client(server: EmulatorServer, service: str, creds: dict[str, Any], **kwargs: Any) -> Any:
    return boto3.client(
        service,
        region_name="us-east-1",
        endpoint_url=server.api_url,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds.get("SessionToken"),
        **kwargs,
    )


@pytest.fixture
def bob(iam: Any) -> dict[str, Any]:
    """An IAM user who may get federation tokens and describe regions and VPCs."""
    iam.create_user(UserName="bob")
    policy = _policy("sts:GetFederationToken", "ec2:DescribeRegions", "ec2:DescribeVpcs")
    iam.put_user_policy(UserName="bob", PolicyName="own", PolicyDocument=policy)
    key: dict[str, Any] = iam.create_access_key(UserName="bob")["AccessKey"]
    return key


def _federate(server: EmulatorServer, creds: dict[str, Any], **params: Any) -> dict[str, Any]:
    response: dict[str, Any] = _client(server, "sts", creds).get_federation_token(**params)
    return response


def test_federated_user_identity(server: EmulatorServer, bob: dict[str, Any], account_id: str) -> None:
    response = _federate(server, bob, Name="carol", Policy=_policy("ec2:DescribeRegions"))
    arn = f"arn:aws:sts::{account_id}:federated-user/carol"
    assert response["FederatedUser"] == {"FederatedUserId": f"{account_id}:carol", "Arn": arn}
    assert response["Credentials"]["AccessKeyId"].startswith("ASIA")
    assert 0 < response["PackedPolicySize"] <= 100
    identity = _client(server, "sts", response["Credentials"]).get_caller_identity()
    assert (identity["Arn"], identity["UserId"], identity["Account"]) == (
        arn,
        f"{account_id}:carol",
        account_id,
    )


def test_permissions_are_the_intersection(server: EmulatorServer, bob: dict[str, Any]) -> None:
    session = _policy("ec2:DescribeRegions", "ec2:DescribeVolumes")
    ec2 = _client(server, "ec2", _federate(server, bob, Name="carol", Policy=session)["Credentials"])
    ec2.describe_regions()  # both allow
    with aws_error("UnauthorizedOperation", 403, "ec2:DescribeVpcs"):  # the session policy doesn't
        ec2.describe_vpcs()
    with aws_error("UnauthorizedOperation", 403, "ec2:DescribeVolumes"):  # the user's don't
        ec2.describe_volumes()


def test_without_session_policies_no_permissions(server: EmulatorServer, bob: dict[str, Any]) -> None:
    ec2 = _client(server, "ec2", _federate(server, bob, Name="carol")["Credentials"])
    with aws_error("UnauthorizedOperation", 403, "federated-user/carol is not authorized"):
        ec2.describe_regions()


def test_managed_session_policy(
    server: EmulatorServer, bob: dict[str, Any], account_id: str, iam: Any
) -> None:
    arn = iam.create_policy(PolicyName="regions", PolicyDocument=_policy("ec2:DescribeRegions"))["Policy"][
        "Arn"
    ]
    creds = _federate(server, bob, Name="carol", PolicyArns=[{"arn": arn}])["Credentials"]
    _client(server, "ec2", creds).describe_regions()
    missing = f"arn:aws:iam::{account_id}:policy/missing"
    with aws_error("InvalidParameterValue", 400, f"Policy {missing} does not exist or is not attachable."):
        _federate(server, bob, Name="carol", PolicyArns=[{"arn": missing}])


def test_root_sessions_last_one_hour_and_have_the_session_policy(server: EmulatorServer, sts: Any) -> None:
    response = sts.get_federation_token(
        Name="ops", DurationSeconds=7200, Policy=_policy("ec2:DescribeRegions")
    )
    creds = response["Credentials"]
    # On the emulated clock (other tests may move the shared server's): issued to expiry, in the store.
    issued = server.store.iam.credentials[creds["AccessKeyId"]]
    assert issued.issued is not None and issued.expiration is not None
    assert timedelta(minutes=59) <= issued.expiration - issued.issued <= timedelta(hours=1)
    ec2 = _client(server, "ec2", creds)
    ec2.describe_regions()
    with aws_error("UnauthorizedOperation", 403):
        ec2.describe_vpcs()


def test_session_credentials_are_refused(server: EmulatorServer, bob: dict[str, Any], iam: Any) -> None:
    federated = _federate(server, bob, Name="carol", Policy=_policy("sts:*"))["Credentials"]
    with aws_error("AccessDenied", 403, "Cannot call GetFederationToken with session credentials"):
        _federate(server, federated, Name="dave")


def test_federated_sessions_cannot_call_iam(server: EmulatorServer, bob: dict[str, Any]) -> None:
    creds = _federate(server, bob, Name="carol", Policy=_policy("iam:*"))["Credentials"]
    with aws_error("InvalidClientTokenId", 403, "The security token included in the request is invalid"):
        _client(server, "iam", creds).list_users()


def test_deleting_the_user_ends_its_federated_sessions(
    server: EmulatorServer, bob: dict[str, Any], iam: Any
) -> None:
    creds = _federate(server, bob, Name="carol", Policy=_policy("ec2:DescribeRegions"))["Credentials"]
    iam.delete_access_key(UserName="bob", AccessKeyId=bob["AccessKeyId"])
    iam.delete_user_policy(UserName="bob", PolicyName="own")
    iam.delete_user(UserName="bob")
    with aws_error("InvalidClientTokenId", 403):
        _client(server, "sts", creds).get_caller_identity()


def test_session_tags_are_principal_tags(server: EmulatorServer, bob: dict[str, Any]) -> None:
    policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "ec2:DescribeRegions",
                    "Resource": "*",
                    "Condition": {"StringEquals": {"aws:PrincipalTag/team": "blue"}},
                }
            ],
        }
    )
    tags = [{"Key": "team", "Value": "blue"}]
    _client(
        server, "ec2", _federate(server, bob, Name="a1", Policy=policy, Tags=tags)["Credentials"]
    ).describe_regions()
    red = _federate(server, bob, Name="a2", Policy=policy, Tags=[{"Key": "team", "Value": "red"}])
    with aws_error("UnauthorizedOperation", 403):
        _client(server, "ec2", red["Credentials"]).describe_regions()
    with aws_error("InvalidParameterValue", 400, "Duplicate tag keys found."):
        _federate(server, bob, Name="a3", Tags=[*tags, {"Key": "TEAM", "Value": "x"}])


@pytest.mark.parametrize(
    ("params", "code", "message"),
    [
        (
            {"Name": "carol", "DurationSeconds": 129601},
            "ValidationError",
            "1 validation error detected: Value '129601' at 'durationSeconds' failed to satisfy constraint: "
            "Member must have value less than or equal to 129600",
        ),
        (
            {"Name": "carol", "DurationSeconds": 899},
            "ValidationError",
            "Value '899' at 'durationSeconds' failed to satisfy constraint: "
            "Member must have value greater than or equal to 900",
        ),
        (
            {"Name": "x" * 33},
            "ValidationError",
            f"Value '{'x' * 33}' at 'name' failed to satisfy constraint: "
            "Member must have length less than or equal to 32",
        ),
        (
            {"Name": "a b"},
            "ValidationError",
            "Value 'a b' at 'name' failed to satisfy constraint: "
            r"Member must satisfy regular expression pattern: [\w+=,.@-]*",
        ),
        ({"Name": "carol", "Policy": "{not json"}, "MalformedPolicyDocument", None),
        (
            {"Name": "carol", "Policy": "x" * 2049},
            "ValidationError",
            "at 'policy' failed to satisfy constraint: Member must have length less than or equal to 2048",
        ),
    ],
)
def test_invalid_requests(
    server: EmulatorServer, bob: dict[str, Any], params: dict[str, Any], code: str, message: str | None
) -> None:
    sts = _client(server, "sts", bob, config=Config(parameter_validation=False))
    with aws_error(code, 400, message):
        sts.get_federation_token(**params)


def test_denied_without_permission(
    server: EmulatorServer, bob: dict[str, Any], iam: Any, account_id: str
) -> None:
    iam.put_user_policy(UserName="bob", PolicyName="own", PolicyDocument=_policy("ec2:DescribeRegions"))
    arn = f"arn:aws:sts::{account_id}:federated-user/carol"
    with aws_error(
        "AccessDenied", 403, f"is not authorized to perform: sts:GetFederationToken on resource: {arn}"
    ):
        _federate(server, bob, Name="carol")
