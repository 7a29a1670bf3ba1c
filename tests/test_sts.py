"""STS: who am I, session tokens and AssumeRole with real trust evaluation."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import boto3
import pytest
import requests

from tests.helpers import aws_error

ALLOW_ASSUME = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"},
        {
            "Effect": "Allow",
            "Action": "iam:ListAccessKeys",
            "Resource": "arn:aws:iam::*:user/${aws:username}",
        },
    ],
}


def _trust(principal: dict, condition: dict | None = None) -> str:
    statement = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _client(server, service, creds):
    return boto3.client(
        service,
        region_name="us-east-1",
        endpoint_url=server.api_url,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds.get("SessionToken"),
    )


@pytest.fixture
def alice(iam, server):
    """An IAM user with her own key and permission to assume roles."""
    iam.create_user(UserName="alice")
    iam.put_user_policy(UserName="alice", PolicyName="assume", PolicyDocument=json.dumps(ALLOW_ASSUME))
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    return key


def test_user_key_identity(server, alice, account_id, iam):
    sts = _client(server, "sts", alice)
    identity = sts.get_caller_identity()
    user = iam.get_user(UserName="alice")["User"]
    assert identity == {**identity, "Account": account_id, "Arn": user["Arn"], "UserId": user["UserId"]}
    last = iam.get_access_key_last_used(AccessKeyId=alice["AccessKeyId"])["AccessKeyLastUsed"]
    assert last["ServiceName"] == "sts" and last["Region"] == "us-east-1" and "LastUsedDate" in last


def test_assume_role_until_expiry(server, alice, account_id, iam):
    role = iam.create_role(RoleName="app", AssumeRolePolicyDocument=_trust({"AWS": account_id}))["Role"]
    creds = _client(server, "sts", alice).assume_role(
        RoleArn=role["Arn"], RoleSessionName="s1", DurationSeconds=900
    )
    assert creds["AssumedRoleUser"] == {
        "AssumedRoleId": f"{role['RoleId']}:s1",
        "Arn": f"arn:aws:sts::{account_id}:assumed-role/app/s1",
    }
    session = _client(server, "sts", creds["Credentials"])
    identity = session.get_caller_identity()
    assert identity["Arn"] == f"arn:aws:sts::{account_id}:assumed-role/app/s1"
    assert identity["UserId"] == f"{role['RoleId']}:s1"
    requests.post(server.api_url + "/_ec2sim/clock", json={"advance_seconds": 901})
    with aws_error("ExpiredToken", 403):
        session.get_caller_identity()


def test_trust_policy_is_evaluated(server, alice, account_id, iam):
    other = str(int(account_id) % (10**12 - 1) + 1).zfill(12)
    role = iam.create_role(RoleName="closed", AssumeRolePolicyDocument=_trust({"AWS": other}))["Role"]
    with aws_error("AccessDenied", 403, "is not authorized to perform: sts:AssumeRole"):
        _client(server, "sts", alice).assume_role(RoleArn=role["Arn"], RoleSessionName="s1")
    with aws_error("AccessDenied", 403):
        _client(server, "sts", alice).assume_role(
            RoleArn=f"arn:aws:iam::{account_id}:role/none", RoleSessionName="s1"
        )


def test_external_id_condition(server, alice, account_id, iam):
    user_arn = iam.get_user(UserName="alice")["User"]["Arn"]
    trust = _trust({"AWS": user_arn}, {"StringEquals": {"sts:ExternalId": "xyz"}})
    role = iam.create_role(RoleName="ext", AssumeRolePolicyDocument=trust)["Role"]
    sts = _client(server, "sts", alice)
    with aws_error("AccessDenied", 403):
        sts.assume_role(RoleArn=role["Arn"], RoleSessionName="s1")
    assert sts.assume_role(RoleArn=role["Arn"], RoleSessionName="s1", ExternalId="xyz")["Credentials"]


def test_durations_and_root(server, alice, account_id, iam, sts):
    role = iam.create_role(
        RoleName="short", AssumeRolePolicyDocument=_trust({"AWS": account_id}), MaxSessionDuration=3600
    )["Role"]
    with aws_error("ValidationError", 400, "MaxSessionDuration"):
        _client(server, "sts", alice).assume_role(
            RoleArn=role["Arn"], RoleSessionName="s1", DurationSeconds=7200
        )
    with aws_error("AccessDenied", 403, "root accounts"):
        sts.assume_role(RoleArn=role["Arn"], RoleSessionName="s1")
    with aws_error("ValidationError", 400):
        _client(server, "sts", alice).assume_role(RoleArn=role["Arn"], RoleSessionName="bad name!")


def test_session_policy_validated(server, alice, account_id, iam):
    role = iam.create_role(RoleName="sp", AssumeRolePolicyDocument=_trust({"AWS": account_id}))["Role"]
    with aws_error("MalformedPolicyDocument", 400):
        _client(server, "sts", alice).assume_role(RoleArn=role["Arn"], RoleSessionName="s1", Policy="{nope")


def test_service_only_trust_refuses_users(server, alice, iam):
    role = iam.create_role(
        RoleName="ec2role", AssumeRolePolicyDocument=_trust({"Service": "ec2.amazonaws.com"})
    )
    with aws_error("AccessDenied", 403):
        _client(server, "sts", alice).assume_role(RoleArn=role["Role"]["Arn"], RoleSessionName="s1")


def test_aws_cli_identity_and_iam(server, alice):
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": alice["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": alice["SecretAccessKey"],
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    env.pop("AWS_SESSION_TOKEN", None)
    run = [sys.executable, "-m", "awscli", "--endpoint-url", server.api_url, "--output", "json"]
    identity = json.loads(
        subprocess.run(
            run + ["sts", "get-caller-identity"], env=env, check=True, capture_output=True, text=True
        ).stdout
    )
    assert identity["Arn"].endswith(":user/alice")
    keys = json.loads(
        subprocess.run(
            run + ["iam", "list-access-keys"], env=env, check=True, capture_output=True, text=True
        ).stdout
    )
    assert keys["AccessKeyMetadata"][0]["AccessKeyId"] == alice["AccessKeyId"]


def test_identity_policy_may_name_the_role(server, iam, account_id):
    """A user allowed sts:AssumeRole on one role's ARN (and nothing else) assumes exactly that role."""
    iam.create_user(UserName="carol")
    trust = _trust({"AWS": account_id})
    allowed = iam.create_role(RoleName="allowed", AssumeRolePolicyDocument=trust)["Role"]
    other = iam.create_role(RoleName="other", AssumeRolePolicyDocument=trust)["Role"]
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": allowed["Arn"]}],
    }
    iam.put_user_policy(UserName="carol", PolicyName="one-role", PolicyDocument=json.dumps(policy))
    sts = _client(server, "sts", iam.create_access_key(UserName="carol")["AccessKey"])
    assert sts.assume_role(RoleArn=allowed["Arn"], RoleSessionName="s1")["Credentials"]
    with aws_error("AccessDenied", 403):
        sts.assume_role(RoleArn=other["Arn"], RoleSessionName="s1")


def test_trust_naming_the_user_needs_no_identity_policy(server, iam):
    user_arn = iam.create_user(UserName="dave")["User"]["Arn"]
    role = iam.create_role(RoleName="direct", AssumeRolePolicyDocument=_trust({"AWS": user_arn}))["Role"]
    sts = _client(server, "sts", iam.create_access_key(UserName="dave")["AccessKey"])
    assert sts.assume_role(RoleArn=role["Arn"], RoleSessionName="s1")["Credentials"]


def test_session_tags_need_tag_session_in_trust(server, alice, account_id, iam):
    role = iam.create_role(RoleName="tagged", AssumeRolePolicyDocument=_trust({"AWS": account_id}))["Role"]
    sts = _client(server, "sts", alice)
    tags = [{"Key": "team", "Value": "blue"}]
    with aws_error("AccessDenied", 403, "sts:TagSession"):
        sts.assume_role(RoleArn=role["Arn"], RoleSessionName="s1", Tags=tags)
    trust = json.loads(_trust({"AWS": iam.get_user(UserName="alice")["User"]["Arn"]}))
    trust["Statement"][0]["Action"] = ["sts:AssumeRole", "sts:TagSession"]
    iam.update_assume_role_policy(RoleName="tagged", PolicyDocument=json.dumps(trust))
    with aws_error("InvalidParameterValue", 400, "Duplicate tag keys"):
        sts.assume_role(
            RoleArn=role["Arn"], RoleSessionName="s1", Tags=tags + [{"Key": "TEAM", "Value": "x"}]
        )
    assert sts.assume_role(RoleArn=role["Arn"], RoleSessionName="s1", Tags=tags)["Credentials"]


def test_session_policy_limits_are_packed_policy_too_large(server, alice, account_id, iam):
    role = iam.create_role(RoleName="packed", AssumeRolePolicyDocument=_trust({"AWS": account_id}))["Role"]
    sts = _client(server, "sts", alice)
    statement = {"Effect": "Allow", "Action": "ec2:DescribeInstances", "Resource": "*"}
    big = json.dumps(
        {"Version": "2012-10-17", "Statement": [dict(statement, Sid=f"S{i}") for i in range(40)]}
    )
    assert len(big) > 2048
    with aws_error("PackedPolicyTooLarge", 400, "Packed policy consumes"):
        sts.assume_role(RoleArn=role["Arn"], RoleSessionName="s1", Policy=big)
    arns = [{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}] * 11
    with aws_error("PackedPolicyTooLarge", 400):
        sts.assume_role(RoleArn=role["Arn"], RoleSessionName="s1", PolicyArns=arns)
    small = sts.assume_role(
        RoleArn=role["Arn"],
        RoleSessionName="s1",
        Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]}),
    )
    assert 0 < small["PackedPolicySize"] <= 100


def _allow_session_token(iam):
    statement = {"Effect": "Allow", "Action": "sts:GetSessionToken", "Resource": "*"}
    document = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    iam.put_user_policy(UserName="alice", PolicyName="gst", PolicyDocument=document)


def test_session_token_without_mfa_cannot_call_iam(server, alice, iam):
    _allow_session_token(iam)
    creds = _client(server, "sts", alice).get_session_token()["Credentials"]
    with aws_error("InvalidClientTokenId", 403, "security token included in the request is invalid"):
        _client(server, "iam", creds).list_access_keys()
    assert _client(server, "sts", creds).get_caller_identity()["Arn"].endswith(":user/alice")


def test_renamed_user_keeps_session_token(server, alice, account_id, iam):
    _allow_session_token(iam)
    creds = _client(server, "sts", alice).get_session_token()["Credentials"]
    iam.update_user(UserName="alice", NewUserName="alice2")
    identity = _client(server, "sts", creds).get_caller_identity()
    assert identity["Arn"] == f"arn:aws:iam::{account_id}:user/alice2"


def test_a_recreated_role_grants_old_sessions_nothing(server, alice, account_id, iam):
    trust = _trust({"AWS": account_id})
    iam.create_role(RoleName="again", AssumeRolePolicyDocument=trust)
    arn = f"arn:aws:iam::{account_id}:role/again"
    creds = _client(server, "sts", alice).assume_role(RoleArn=arn, RoleSessionName="s1")["Credentials"]
    iam.delete_role(RoleName="again")
    iam.create_role(RoleName="again", AssumeRolePolicyDocument=trust)
    iam.attach_role_policy(RoleName="again", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    # Credentials belong to the role's unique id: an earlier role's sessions are refused outright.
    with aws_error("InvalidClientTokenId", 403, "The security token included in the request is invalid."):
        _client(server, "iam", creds).list_users()


def test_get_session_token_needs_no_permission(server, iam):
    iam.create_user(UserName="erin")
    key = iam.create_access_key(UserName="erin")["AccessKey"]
    assert _client(server, "sts", key).get_session_token()["Credentials"]["AccessKeyId"].startswith("ASIA")
