"""Presigned requests and time: STS ignores X-Amz-Expires and accepts a presigned request for 15
minutes after X-Amz-Date (the token scheme of aws-iam-authenticator and `aws eks get-token`);
other services refuse it once X-Amz-Expires has passed."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from unittest import mock

import pytest
import requests
from botocore.auth import SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from ec2sim.server import Server

EKS_HEADER = "x-k8s-aws-id"  # aws-iam-authenticator signs the cluster name in this header


@pytest.fixture
def key(iam: Any) -> Credentials:
    """An IAM user's key (GetCallerIdentity needs no permission; ec2:DescribeRegions is allowed)."""
    iam.create_user(UserName="kubelet")
    statement = {"Effect": "Allow", "Action": "ec2:DescribeRegions", "Resource": "*"}
    policy = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    iam.put_user_policy(UserName="kubelet", PolicyName="regions", PolicyDocument=policy)
    created = iam.create_access_key(UserName="kubelet")["AccessKey"]
    return Credentials(created["AccessKeyId"], created["SecretAccessKey"])


def _presigned(
    server: Server, key: Credentials, service: str, query: str, minutes_ago: float, **headers: str
) -> AWSRequest:
    """A GET presigned with X-Amz-Expires=60, as signed `minutes_ago` (real time)."""
    request = AWSRequest("GET", f"{server.api_url}/?{query}", headers=headers)
    signed_at = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) - dt.timedelta(minutes=minutes_ago)
    with mock.patch("botocore.auth.get_current_datetime", return_value=signed_at):
        SigV4QueryAuth(key, service, "us-east-1", expires=60).add_auth(request)
    assert "X-Amz-Expires=60" in request.url
    return request


def _send(request: AWSRequest) -> requests.Response:
    return requests.get(request.url, headers=dict(request.headers))


IDENTITY = "Action=GetCallerIdentity&Version=2011-06-15"


def test_sts_accepts_a_presigned_identity_call_past_its_expires(
    server: Server, key: Credentials, account_id: str
) -> None:
    request = _presigned(server, key, "sts", IDENTITY, 5, **{EKS_HEADER: "my-cluster"})
    assert EKS_HEADER in request.url  # among X-Amz-SignedHeaders
    response = _send(request)
    assert response.status_code == 200, response.text
    assert f"<Arn>arn:aws:iam::{account_id}:user/kubelet</Arn>" in response.text


def test_sts_refuses_a_presigned_call_15_minutes_after_its_date(server: Server, key: Credentials) -> None:
    response = _send(_presigned(server, key, "sts", IDENTITY, 16, **{EKS_HEADER: "my-cluster"}))
    assert response.status_code == 403
    assert "<Code>SignatureDoesNotMatch</Code>" in response.text and "Signature expired" in response.text


def test_ec2_refuses_a_presigned_call_past_its_expires(server: Server, key: Credentials) -> None:
    query = "Action=DescribeRegions&Version=2016-11-15"
    fresh = _send(_presigned(server, key, "ec2", query, 0))
    assert fresh.status_code == 200, fresh.text
    expired = _send(_presigned(server, key, "ec2", query, 5))
    assert expired.status_code == 400 and "<Code>RequestExpired</Code>" in expired.text
