"""CloudTrail's LookupEvents through boto3's cloudtrail client: who made each call (IAM user, role
session, root), every lookup attribute, events per account, shared events across accounts, and what
CloudTrail redacts."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3

from ec2sim.server import Server
from tests.authz_env import Env
from tests.helpers import new_account_id
from tests.oidc_helpers import REPO_SUB, github_setup, github_token, session_client, unsigned_sts

Client = Callable[..., Any]
USER_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["ec2:Describe*", "cloudtrail:LookupEvents"], "Resource": "*"}
    ],
}


def _events(cloudtrail: Any, key: str, value: str) -> list[dict[str, Any]]:
    events = cloudtrail.lookup_events(LookupAttributes=[{"AttributeKey": key, "AttributeValue": value}])[
        "Events"
    ]
    return [{**e, "record": json.loads(e["CloudTrailEvent"])} for e in events]


def _by_request(events: list[dict[str, Any]], response: dict[str, Any]) -> dict[str, Any]:
    request_id = response["ResponseMetadata"]["RequestId"]
    (found,) = [e for e in events if e["record"]["requestID"] == request_id]
    return found


def _user(server: Server, iam: Any, name: str = "alice") -> tuple[dict[str, str], Client]:
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps(USER_POLICY))
    key = iam.create_access_key(UserName=name)["AccessKey"]

    def client(service: str, secret: str | None = None) -> Any:
        return boto3.client(
            service,
            region_name="eu-west-1",
            endpoint_url=server.api_url,
            aws_access_key_id=key["AccessKeyId"],
            aws_secret_access_key=secret or key["SecretAccessKey"],
        )

    return key, client


def test_iam_user_events_allowed_denied_and_failed_sign_in(
    server: Server, iam: Any, make_client: Client, account_id: str
) -> None:
    key, client = _user(server, iam)
    ec2 = client("ec2")
    allowed = ec2.describe_vpcs()
    try:
        ec2.create_vpc(CidrBlock="10.0.0.0/16")
    except ec2.exceptions.ClientError as error:
        denied = error.response
    try:
        client("ec2", secret="wrong").describe_vpcs()
    except ec2.exceptions.ClientError as error:
        unsigned = error.response
    cloudtrail = client("cloudtrail")
    events = _events(cloudtrail, "Username", "alice")
    event = _by_request(events, allowed)
    assert (event["EventName"], event["ReadOnly"], event["Username"], event["AccessKeyId"]) == (
        "DescribeVpcs",
        "true",
        "alice",
        key["AccessKeyId"],
    )
    record = event["record"]
    assert record["userIdentity"] == {
        "type": "IAMUser",
        "principalId": iam.get_user(UserName="alice")["User"]["UserId"],
        "arn": f"arn:aws:iam::{account_id}:user/alice",
        "accountId": account_id,
        "accessKeyId": key["AccessKeyId"],
        "userName": "alice",
    }
    assert record["eventVersion"] == "1.09" and record["eventSource"] == "ec2.amazonaws.com"
    assert (record["awsRegion"], record["eventType"], record["recipientAccountId"]) == (
        "eu-west-1",
        "AwsApiCall",
        account_id,
    )
    assert record["readOnly"] is True and record["responseElements"] is None and "errorCode" not in record
    assert record["eventID"] == event["EventId"] and record["managementEvent"] is True
    assert "sharedEventID" not in record and "tlsDetails" not in record
    refused = _by_request(events, denied)["record"]
    assert refused["errorCode"] == "Client.UnauthorizedOperation"
    assert refused["errorMessage"].startswith("You are not authorized to perform this operation.")
    assert refused["requestParameters"] == {"cidrBlock": "10.0.0.0/16"} and refused["readOnly"] is False
    # A signature made with the wrong secret: recorded, in the key's account, with its error.
    root_events = _events(make_client("cloudtrail", account_id), "AccessKeyId", key["AccessKeyId"])
    failed = _by_request(root_events, unsigned)["record"]
    assert failed["errorCode"] == "Client.AuthFailure"
    assert failed["userIdentity"] == {
        "type": "IAMUser",
        "accountId": account_id,
        "accessKeyId": key["AccessKeyId"],
        "userName": "alice",
    }


def _assumer(server: Server, iam: Any) -> tuple[dict[str, str], Client]:
    """A user allowed to assume roles."""
    key, client = _user(server, iam, "ops")
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
    }
    iam.put_user_policy(UserName="ops", PolicyName="assume", PolicyDocument=json.dumps(policy))
    return key, client


def test_role_session_and_root_identities(server: Server, make_client: Client, account_id: str) -> None:
    env = Env(make_client, account_id)
    ops_key, ops = _assumer(server, env.iam)
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    created = env.iam.create_role(
        RoleName="deployer", Path="/ci/", AssumeRolePolicyDocument=json.dumps(trust)
    )
    role = created["Role"]
    env.iam.put_role_policy(RoleName="deployer", PolicyName="p", PolicyDocument=json.dumps(USER_POLICY))
    assumed = ops("sts").assume_role(RoleArn=role["Arn"], RoleSessionName="build-7")
    credentials = assumed["Credentials"]
    session_ec2 = boto3.client(
        "ec2",
        region_name="us-east-1",
        endpoint_url=env.ec2.meta.endpoint_url,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    called = session_ec2.describe_subnets()
    cloudtrail = make_client("cloudtrail", account_id)
    event = _by_request(_events(cloudtrail, "AccessKeyId", credentials["AccessKeyId"]), called)
    assert event["Username"] == "build-7"
    identity = event["record"]["userIdentity"]
    assert identity["type"] == "AssumedRole"
    assert identity["arn"] == f"arn:aws:sts::{account_id}:assumed-role/deployer/build-7"
    assert identity["principalId"] == f"{role['RoleId']}:build-7"
    assert identity["sessionContext"]["sessionIssuer"] == {
        "type": "Role",
        "principalId": role["RoleId"],
        "arn": f"arn:aws:iam::{account_id}:role/ci/deployer",
        "accountId": account_id,
        "userName": "deployer",
    }
    attributes = identity["sessionContext"]["attributes"]
    assert attributes["mfaAuthenticated"] == "false" and attributes["creationDate"].endswith("Z")
    # The AssumeRole call itself, by the user: its resources, and no session token in the record.
    assume = _by_request(_events(cloudtrail, "EventName", "AssumeRole"), assumed)
    assert assume["Username"] == "ops" and assume["AccessKeyId"] == ops_key["AccessKeyId"]
    root_call = _by_request(_events(cloudtrail, "EventName", "CreateRole"), created)
    assert root_call["Username"] == "root" and root_call["record"]["userIdentity"] == {
        "type": "Root",
        "principalId": account_id,
        "arn": f"arn:aws:iam::{account_id}:root",
        "accountId": account_id,
        "accessKeyId": account_id,
    }
    assert {"ResourceType": "AWS::IAM::Role", "ResourceName": role["Arn"]} in assume["Resources"]
    assert {"ResourceType": "AWS::IAM::AccessKey", "ResourceName": credentials["AccessKeyId"]} in assume[
        "Resources"
    ]
    response = assume["record"]["responseElements"]
    assert response["credentials"]["accessKeyId"] == credentials["AccessKeyId"]
    assert "secretAccessKey" not in response["credentials"]
    assert response["credentials"]["sessionToken"] == "HIDDEN_DUE_TO_SECURITY_REASONS"
    assert assume["record"]["requestParameters"] == {"roleArn": role["Arn"], "roleSessionName": "build-7"}
    assert assume["record"]["eventSource"] == "sts.amazonaws.com"


def test_every_lookup_attribute(make_client: Client, account_id: str) -> None:
    env = Env(make_client, account_id)
    vpc = env.ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    created = env.iam.create_user(UserName="bob")
    cloudtrail = make_client("cloudtrail", account_id)
    vpc_event = _events(cloudtrail, "EventName", "CreateVpc")[0]
    assert {"ResourceType": "AWS::EC2::VPC", "ResourceName": vpc} in vpc_event["Resources"]
    user_event = _by_request(_events(cloudtrail, "EventSource", "iam.amazonaws.com"), created)
    assert user_event["record"]["awsRegion"] == "us-east-1"
    assert user_event["record"]["responseElements"]["user"]["userName"] == "bob"
    expected = {
        "EventId": (user_event["EventId"], {"CreateUser"}),
        "EventName": ("CreateUser", {"CreateUser"}),
        "ResourceType": ("AWS::IAM::User", {"CreateUser"}),
        "ResourceName": (f"arn:aws:iam::{account_id}:user/bob", {"CreateUser"}),
        "EventSource": ("iam.amazonaws.com", {"CreateUser"}),
    }
    for key, (value, names) in expected.items():
        found = {e["EventName"] for e in _events(cloudtrail, key, value)}
        assert found == names, key
    writes = {e["EventName"] for e in _events(cloudtrail, "ReadOnly", "false")}
    reads = {e["EventName"] for e in _events(cloudtrail, "ReadOnly", "true")}
    assert {"CreateVpc", "CreateUser"} <= writes and "LookupEvents" in reads and not writes & reads
    assert {"CreateVpc", "CreateUser", "LookupEvents"} <= {
        e["EventName"] for e in _events(cloudtrail, "Username", "root")
    }
    assert {"CreateVpc", "CreateUser"} <= {
        e["EventName"] for e in _events(cloudtrail, "AccessKeyId", account_id)
    }
    assert _events(cloudtrail, "ResourceName", "vpc-00000000") == []


def test_each_account_sees_its_own_events_and_shared_ones(server: Server, make_client: Client) -> None:
    """AssumeRole into another account and RunInstances with another account's shared AMI each make
    an event in both accounts, with one sharedEventID and an eventID of each account's own."""
    mine, theirs = Env(make_client, new_account_id()), Env(make_client, new_account_id())
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{mine.account_id}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role = theirs.iam.create_role(RoleName="auditor", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    _, ops = _assumer(server, mine.iam)
    assumed = ops("sts").assume_role(RoleArn=role["Arn"], RoleSessionName="audit")
    ops_id = mine.iam.get_user(UserName="ops")["User"]["UserId"]
    image = theirs.image
    theirs.ec2.modify_image_attribute(ImageId=image, LaunchPermission={"Add": [{"UserId": mine.account_id}]})
    launched = mine.ec2.run_instances(
        ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro", SubnetId=mine.subnet
    )
    mine_trail, their_trail = (
        make_client("cloudtrail", mine.account_id),
        make_client("cloudtrail", theirs.account_id),
    )
    for response, name, caller in (
        (assumed, "AssumeRole", ops_id),
        (launched, "RunInstances", mine.account_id),
    ):
        here = _by_request(_events(mine_trail, "EventName", name), response)
        there = _by_request(_events(their_trail, "EventName", name), response)
        assert here["record"]["sharedEventID"] == there["record"]["sharedEventID"]
        assert here["EventId"] != there["EventId"]
        assert (here["record"]["recipientAccountId"], there["record"]["recipientAccountId"]) == (
            mine.account_id,
            theirs.account_id,
        )
        assert there["record"]["userIdentity"] == {
            "type": "AWSAccount",
            "principalId": caller,
            "accountId": mine.account_id,
        }
    # Each account's own calls stay its own.
    their_names = {e["EventName"] for e in _events(their_trail, "Username", "root")}
    assert "CreateRole" in their_names and "AssumeRole" not in their_names
    assert _events(mine_trail, "EventName", "CreateRole") == []
    assert _events(mine_trail, "EventName", "ModifyImageAttribute") == []


def test_redaction(make_client: Client, account_id: str) -> None:
    env = Env(make_client, account_id)
    env.iam.create_user(UserName="carol")
    env.iam.create_login_profile(UserName="carol", Password="Sup3r-Secret-Pw!")
    key = env.iam.create_access_key(UserName="carol")["AccessKey"]
    env.launch(UserData="echo top secret")
    pair = env.ec2.create_key_pair(KeyName="deploy")
    cloudtrail = make_client("cloudtrail", account_id)
    text = json.dumps(cloudtrail.lookup_events(MaxResults=50)["Events"], default=str)
    for secret in ("Sup3r-Secret-Pw!", key["SecretAccessKey"], pair["KeyMaterial"], "top secret"):
        assert secret not in text
    profile = _events(cloudtrail, "EventName", "CreateLoginProfile")[0]["record"]
    assert profile["requestParameters"]["password"] == "HIDDEN_DUE_TO_SECURITY_REASONS"
    access_key = _events(cloudtrail, "EventName", "CreateAccessKey")[0]["record"]["responseElements"]
    assert access_key["accessKey"]["accessKeyId"] == key["AccessKeyId"]
    assert "secretAccessKey" not in access_key["accessKey"]
    launch = _events(cloudtrail, "EventName", "RunInstances")[0]["record"]
    assert launch["requestParameters"]["userData"] == "<sensitiveDataRemoved>"
    created_pair = _events(cloudtrail, "EventName", "CreateKeyPair")[0]["record"]["responseElements"]
    assert created_pair["keyMaterial"] == "<sensitiveDataRemoved>"


def test_federated_and_web_identity_callers(
    server: Server, iam: Any, make_client: Client, account_id: str
) -> None:
    """GetFederationToken's sessions are FederatedUser (their user as issuer); the caller of
    AssumeRoleWithWebIdentity is a WebIdentityUser, and the session it gets names its provider."""
    _, client = _user(server, iam, "fed")
    allow_all = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    iam.put_user_policy(UserName="fed", PolicyName="all", PolicyDocument=json.dumps(allow_all))
    token = client("sts").get_federation_token(Name="visitor", Policy=json.dumps(allow_all))
    federated = session_client(server, "ec2", token["Credentials"]).describe_vpcs()
    provider, role = github_setup(iam, account_id)
    iam.put_role_policy(RoleName="deploy", PolicyName="all", PolicyDocument=json.dumps(allow_all))
    assumed = unsigned_sts(server).assume_role_with_web_identity(
        RoleArn=role, RoleSessionName="ci-run", WebIdentityToken=github_token(server)
    )
    web = session_client(server, "ec2", assumed["Credentials"]).describe_subnets()
    cloudtrail = make_client("cloudtrail", account_id)
    identity = _by_request(_events(cloudtrail, "EventName", "DescribeVpcs"), federated)["record"][
        "userIdentity"
    ]
    assert (identity["type"], identity["arn"]) == (
        "FederatedUser",
        f"arn:aws:sts::{account_id}:federated-user/visitor",
    )
    assert identity["sessionContext"]["sessionIssuer"]["type"] == "IAMUser"
    assert identity["sessionContext"]["sessionIssuer"]["userName"] == "fed"
    call = _by_request(_events(cloudtrail, "EventName", "AssumeRoleWithWebIdentity"), assumed)
    caller = call["record"]["userIdentity"]
    assert caller["type"] == "WebIdentityUser" and caller["userName"] == REPO_SUB
    assert caller["identityProvider"] == assumed["Provider"]
    assert call["record"]["requestParameters"]["webIdentityToken"] == "HIDDEN_DUE_TO_SECURITY_REASONS"
    session = _by_request(_events(cloudtrail, "EventName", "DescribeSubnets"), web)["record"]["userIdentity"]
    assert session["type"] == "AssumedRole"
    assert session["sessionContext"]["webIdFederationData"]["federatedProvider"] == provider
