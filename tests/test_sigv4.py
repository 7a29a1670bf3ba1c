"""Authentication: signatures, tokens and expiry, through boto3 and raw HTTP."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from unittest import mock

import boto3
import pytest
import requests
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from ec2sim.config import Config
from ec2sim.server import Server
from ec2sim.store.iam.credentials import Credential
from tests.helpers import aws_error


@pytest.fixture
def known_key(server, account_id):
    """A root credential the server knows (as configured root keys are), so signatures are checked."""
    key = "AKIA" + account_id + "TEST"
    server.store.add_credential(Credential(key, "s3cr3t/Key+1", account_id, "root"))
    return key


def client(server, service, key, secret, region="us-east-1", token=None):
    return boto3.client(
        service,
        region_name=region,
        endpoint_url=server.api_url,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
    )


def test_known_key_signs(server, known_key, account_id):
    identity = client(server, "sts", known_key, "s3cr3t/Key+1").get_caller_identity()
    assert identity["Arn"] == f"arn:aws:iam::{account_id}:root" and identity["Account"] == account_id
    regions = client(server, "ec2", known_key, "s3cr3t/Key+1").describe_regions()["Regions"]
    assert regions


def test_wrong_secret(server, known_key):
    with aws_error("SignatureDoesNotMatch", 403):
        client(server, "sts", known_key, "wrong").get_caller_identity()
    with aws_error("AuthFailure", 401, "not able to validate"):
        client(server, "ec2", known_key, "wrong").describe_regions()


def _signed(server, key, secret, body, region="us-east-1", service="sts", when=None):
    """A signed AWSRequest; `when` signs as of another (real) time."""
    request = AWSRequest(
        "POST",
        server.api_url + "/",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    auth = SigV4Auth(Credentials(key, secret), service, region)
    if when is None:
        auth.add_auth(request)
    else:
        with mock.patch("botocore.auth.get_current_datetime", return_value=when.replace(tzinfo=None)):
            auth.add_auth(request)
    return request


def test_tampered_body_and_header(server, known_key):
    body = "Action=GetCallerIdentity&Version=2011-06-15"
    request = _signed(server, known_key, "s3cr3t/Key+1", body)
    ok = requests.post(request.url, data=body, headers=dict(request.headers))
    assert ok.status_code == 200
    tampered = requests.post(request.url, data=body + "&X=1", headers=dict(request.headers))
    assert tampered.status_code == 403 and "<Code>SignatureDoesNotMatch</Code>" in tampered.text
    headers = dict(request.headers)
    signed_at = dt.datetime.strptime(headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ")
    headers["X-Amz-Date"] = (signed_at - dt.timedelta(seconds=1)).strftime("%Y%m%dT%H%M%SZ")
    assert requests.post(request.url, data=body, headers=headers).status_code == 403


def test_skewed_clock(server, known_key):
    body = "Action=GetCallerIdentity&Version=2011-06-15"
    old = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=20)
    request = _signed(server, known_key, "s3cr3t/Key+1", body, when=old)
    response = requests.post(request.url, data=body, headers=dict(request.headers))
    assert response.status_code == 403 and "Signature expired" in response.text
    request = _signed(
        server,
        known_key,
        "s3cr3t/Key+1",
        "Action=DescribeRegions&Version=2016-11-15",
        service="ec2",
        when=old,
    )
    response = requests.post(
        request.url, data="Action=DescribeRegions&Version=2016-11-15", headers=dict(request.headers)
    )
    assert response.status_code == 400 and "<Code>RequestExpired</Code>" in response.text


def test_incomplete_signature(server):
    headers = {"Authorization": "AWS4-HMAC-SHA256 Credential=AKIAX/20240101/us-east-1/sts/aws4_request"}
    response = requests.post(
        server.api_url, data={"Action": "GetCallerIdentity", "Version": "2011-06-15"}, headers=headers
    )
    assert response.status_code == 400 and "<Code>IncompleteSignature</Code>" in response.text


def test_presigned_url(server, known_key):
    request = AWSRequest("GET", server.api_url + "/?Action=GetCallerIdentity&Version=2011-06-15")
    SigV4QueryAuth(Credentials(known_key, "s3cr3t/Key+1"), "sts", "us-east-1", expires=60).add_auth(request)
    assert requests.get(request.url).status_code == 200
    bad = request.url.replace("X-Amz-Signature=", "X-Amz-Signature=0")
    assert requests.get(bad).status_code == 403


def test_session_token_lifecycle(server, known_key, account_id):
    root = client(server, "sts", known_key, "s3cr3t/Key+1")
    creds = root.get_session_token(DurationSeconds=900)["Credentials"]
    temp = client(server, "sts", creds["AccessKeyId"], creds["SecretAccessKey"], token=creds["SessionToken"])
    assert temp.get_caller_identity()["Account"] == account_id
    with aws_error("InvalidClientTokenId", 403):
        client(server, "sts", creds["AccessKeyId"], creds["SecretAccessKey"]).get_caller_identity()
    with aws_error("InvalidClientTokenId", 403):
        client(
            server, "sts", creds["AccessKeyId"], creds["SecretAccessKey"], token="x" * 40
        ).get_caller_identity()
    with aws_error("AccessDenied", 403):
        temp.get_session_token()
    requests.post(server.api_url + "/_ec2sim/clock", json={"advance_seconds": 901})
    with aws_error("ExpiredToken", 403):
        temp.get_caller_identity()
    ec2 = client(server, "ec2", creds["AccessKeyId"], creds["SecretAccessKey"], token=creds["SessionToken"])
    with aws_error("RequestExpired", 400):
        ec2.describe_regions()


def test_unknown_keys_act_as_root(server, account_id):
    identity = client(server, "sts", account_id, "anything").get_caller_identity()
    assert identity == {**identity, "Account": account_id, "UserId": account_id}
    assert client(server, "sts", "AKIAUNKNOWN", "x").get_caller_identity()["Account"] == "123456789012"


def test_get_access_key_info(server, known_key, account_id):
    sts = client(server, "sts", "AKIAUNKNOWN", "x")
    assert sts.get_access_key_info(AccessKeyId=known_key)["Account"] == account_id


def test_scope_must_name_real_region_and_service(server, account_id):
    with aws_error("SignatureDoesNotMatch", 403, "valid region"):
        client(server, "sts", account_id, "x", region="mars-north-1").get_caller_identity()
    with aws_error("AuthFailure", 401):
        client(server, "ec2", account_id, "x", region="mars-north-1").describe_regions()
    body = "Action=GetCallerIdentity&Version=2011-06-15"
    request = _signed(server, account_id, "x", body, service="s3")
    response = requests.post(request.url, data=body, headers=dict(request.headers))
    assert response.status_code == 403 and "correct service: 'sts'" in response.text


def test_opt_in_regions(ec2):
    names = {r["RegionName"]: r["OptInStatus"] for r in ec2.describe_regions(AllRegions=True)["Regions"]}
    assert names["us-east-1"] == "opt-in-not-required" and names["af-south-1"] == "not-opted-in"
    assert "af-south-1" not in {r["RegionName"] for r in ec2.describe_regions()["Regions"]}


@pytest.fixture(scope="module")
def strict_server():
    """A server that refuses unknown keys and knows one configured root key."""
    config = Config(
        port=0,
        imds_port=0,
        strict_credentials=True,
        root_credentials="210987654321:AKIAROOTKEYEXAMPLE01:root/Secret+Key",
    )
    with Server(config) as running:
        yield running


def test_strict_credentials_refuse_unknown_keys(strict_server):
    with aws_error("InvalidClientTokenId", 403):
        client(strict_server, "sts", "AKIAUNKNOWN", "x").get_caller_identity()
    with aws_error("AuthFailure", 401):
        client(strict_server, "ec2", "123456789012", "x").describe_regions()
    unsigned = requests.post(
        strict_server.api_url, data={"Action": "GetCallerIdentity", "Version": "2011-06-15"}
    )
    assert unsigned.status_code == 403 and "<Code>MissingAuthenticationToken</Code>" in unsigned.text


def test_configured_root_key(strict_server):
    root = client(strict_server, "sts", "AKIAROOTKEYEXAMPLE01", "root/Secret+Key")
    assert root.get_caller_identity()["Arn"] == "arn:aws:iam::210987654321:root"
    with aws_error("SignatureDoesNotMatch", 403):
        client(strict_server, "sts", "AKIAROOTKEYEXAMPLE01", "wrong").get_caller_identity()
    requests.post(strict_server.api_url + "/_ec2sim/reset")
    assert root.get_caller_identity()["Account"] == "210987654321"  # configured keys survive a reset


def test_odd_characters_are_signed_and_decoded(server, known_key):
    iam = client(server, "iam", known_key, "s3cr3t/Key+1")
    value = "a b+c/d=e:f@g_é.ü-1"  # every character IAM's tag pattern allows, spaces included
    iam.create_user(UserName="odd+name=x,y.z@w-1", Tags=[{"Key": "k:/+=@", "Value": value}])
    tags = iam.list_user_tags(UserName="odd+name=x,y.z@w-1")["Tags"]
    assert tags == [{"Key": "k:/+=@", "Value": value}]
    odd = "a&b%20c~!*'()é☃ +/="  # free text: a policy's condition value
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "ec2:*",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:UserAgent": odd}},
            }
        ],
    }
    iam.put_user_policy(UserName="odd+name=x,y.z@w-1", PolicyName="odd", PolicyDocument=json.dumps(document))
    stored = iam.get_user_policy(UserName="odd+name=x,y.z@w-1", PolicyName="odd")["PolicyDocument"]
    assert stored == document
    with aws_error("ValidationError", 400, "tags.1.member.value"):
        iam.tag_user(UserName="odd+name=x,y.z@w-1", Tags=[{"Key": "k", "Value": "a*b"}])


def test_declared_payload_hash_must_match_the_body(server, known_key):
    """Query APIs carry every parameter in the body: a body other than the one signed is refused."""
    signed_body = "Action=GetCallerIdentity&Version=2011-06-15"
    for declared in ("UNSIGNED-PAYLOAD", hashlib.sha256(signed_body.encode()).hexdigest()):
        request = AWSRequest(
            "POST",
            server.api_url + "/",
            data=signed_body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                "X-Amz-Content-SHA256": declared,
            },
        )
        SigV4Auth(Credentials(known_key, "s3cr3t/Key+1"), "sts", "us-east-1").add_auth(request)
        other = "Action=GetSessionToken&Version=2011-06-15"
        response = requests.post(request.url, data=other, headers=dict(request.headers))
        assert response.status_code == 403 and "<Code>SignatureDoesNotMatch</Code>" in response.text
    request = AWSRequest(
        "POST",
        server.api_url + "/",
        data=signed_body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
            "X-Amz-Content-SHA256": hashlib.sha256(signed_body.encode()).hexdigest(),
        },
    )
    SigV4Auth(Credentials(known_key, "s3cr3t/Key+1"), "sts", "us-east-1").add_auth(request)
    assert requests.post(request.url, data=signed_body, headers=dict(request.headers)).status_code == 200
