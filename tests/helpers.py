"""Assertions shared by the tests."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError


@contextmanager
def aws_error(code: str, status: int, message: str | None = None) -> Iterator[Callable[[], dict[str, Any]]]:
    """Expect a ClientError with exactly this AWS code and HTTP status (and message substring)."""
    caught: dict[str, Any] = {}
    with pytest.raises(ClientError) as info:
        yield lambda: caught
    error = info.value.response["Error"]
    caught.update(error)
    assert error["Code"] == code, error
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    if message is not None:
        assert message in error["Message"], error["Message"]


# AWS's documented "manage your own credentials" shape: an IAM user may act on itself only.
SELF_SERVICE_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": [
                    "iam:*AccessKey*",
                    "iam:GetUser",
                    "iam:*LoginProfile",
                    "iam:ChangePassword",
                    "iam:GetAccountPasswordPolicy",
                ],
                "Resource": "arn:aws:iam::*:user/*${aws:username}",
            },
            {"Effect": "Allow", "Action": "iam:GetAccountPasswordPolicy", "Resource": "*"},
        ],
    }
)


def allow_self_service(iam: Any, user_name: str) -> None:
    iam.put_user_policy(UserName=user_name, PolicyName="self-service", PolicyDocument=SELF_SERVICE_POLICY)


def new_account_id() -> str:
    """A fresh 12-digit account id (its root's access key id, on a server with default settings)."""
    return str(100000000000 + secrets.randbelow(900000000000))


def root_client(url: str, service: str, account: str = "111122223333", region: str = "us-east-1") -> Any:
    """A boto3 client acting as `account`'s root user on the server at `url` (any server, not only
    the session's: tests with settings of their own start their own)."""
    return boto3.client(
        service, region_name=region, endpoint_url=url, aws_access_key_id=account, aws_secret_access_key="x"
    )


def key_client(url: str, service: str, key: dict[str, Any], region: str = "us-east-1") -> Any:
    """A boto3 client signing with `key` (IAM's AccessKey or STS's Credentials: its session token too)."""
    return boto3.client(
        service,
        region_name=region,
        endpoint_url=url,
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
        aws_session_token=key.get("SessionToken"),
    )


def delete_default_vpc(ec2: Any) -> str:
    """Delete the region's default VPC as the API requires (unlike the console, DeleteVpc removes
    nothing of what depends on it): its subnets, then its internet gateway detached and deleted,
    then the VPC. Returns its id."""
    vpc_id = str(ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"])
    for subnet in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]:
        ec2.delete_subnet(SubnetId=subnet["SubnetId"])
    gateways = ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])
    for gateway in gateways["InternetGateways"]:
        ec2.detach_internet_gateway(InternetGatewayId=gateway["InternetGatewayId"], VpcId=vpc_id)
        ec2.delete_internet_gateway(InternetGatewayId=gateway["InternetGatewayId"])
    ec2.delete_vpc(VpcId=vpc_id)
    return vpc_id
