"""Access advisor from real activity: service and action last accessed reports, RoleLastUsed and
AccessKeyLastUsed, filled by what principals did against the server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config as BotoConfig

from ec2sim.config import Config
from ec2sim.server import Server
from tests.helpers import aws_error

ACCOUNT = "246813579024"
_BOTO = BotoConfig(retries={"max_attempts": 1})


@pytest.fixture
def private() -> Iterator[Server]:
    """A server of its own: its clock moves for this test alone."""
    with Server(Config(port=0, imds_port=0)) as running:
        yield running


def _client(server: Server, service: str, key: str, secret: str = "secret", token: str | None = None) -> Any:
    return boto3.client(
        service,
        region_name="us-east-1",
        endpoint_url=server.api_url,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
        config=_BOTO,
    )


def _now(server: Server) -> datetime:
    body = requests.get(f"{server.api_url}/_ec2sim/clock", timeout=10).json()
    return datetime.fromisoformat(body["now"].replace("Z", "+00:00"))


def _advance(server: Server, seconds: int) -> None:
    requests.post(f"{server.api_url}/_ec2sim/clock", json={"advance_seconds": seconds}, timeout=10)


def _doc(actions: list[str]) -> str:
    return json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}
    )


def _report(iam: Any, arn: str, granularity: str = "SERVICE_LEVEL") -> dict[str, Any]:
    job = iam.generate_service_last_accessed_details(Arn=arn, Granularity=granularity)["JobId"]
    report: dict[str, Any] = iam.get_service_last_accessed_details(JobId=job)
    report["JobId"] = job
    return report


def _by_namespace(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["ServiceNamespace"]: s for s in report["ServicesLastAccessed"]}


def _user_with_key(iam: Any, name: str, actions: list[str]) -> dict[str, Any]:
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=_doc(actions))
    key: dict[str, Any] = iam.create_access_key(UserName=name)["AccessKey"]
    return key


def test_a_users_report_shows_the_services_it_used_on_the_emulated_clock(private: Server) -> None:
    root_iam = _client(private, "iam", ACCOUNT)
    key = _user_with_key(root_iam, "alice", ["ec2:*", "iam:*", "sts:GetCallerIdentity"])
    user_arn = f"arn:aws:iam::{ACCOUNT}:user/alice"
    alice = {"key": key["AccessKeyId"], "secret": key["SecretAccessKey"]}
    never = root_iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])["AccessKeyLastUsed"]
    assert never == {"ServiceName": "N/A", "Region": "N/A"}

    ec2_at = _now(private)
    _client(private, "ec2", **alice).describe_regions()
    _advance(private, 3600)
    iam_at = _now(private)
    _client(private, "iam", **alice).list_users()
    report = _report(root_iam, user_arn)

    assert report["JobStatus"] == "COMPLETED"
    assert report["JobType"] == "SERVICE_LEVEL"
    assert report["IsTruncated"] is False
    services = _by_namespace(report)
    assert list(services) == ["ec2", "iam", "sts"]  # by ServiceName: Amazon EC2, AWS IAM, AWS STS
    assert services["ec2"]["ServiceName"] == "Amazon EC2"
    assert abs((services["ec2"]["LastAuthenticated"] - ec2_at).total_seconds()) < 60
    assert abs((services["iam"]["LastAuthenticated"] - iam_at).total_seconds()) < 60
    assert services["iam"]["LastAuthenticated"] > services["ec2"]["LastAuthenticated"]
    for namespace in ("ec2", "iam"):
        assert services[namespace]["LastAuthenticatedEntity"] == user_arn
        assert services[namespace]["LastAuthenticatedRegion"] == "us-east-1"
        assert services[namespace]["TotalAuthenticatedEntities"] == 1
    assert set(services["sts"]) == {"ServiceName", "ServiceNamespace"}  # granted, never used

    last = root_iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])["AccessKeyLastUsed"]
    assert last["ServiceName"] == "iam" and last["Region"] == "us-east-1"
    assert last["LastUsedDate"] == services["iam"]["LastAuthenticated"]

    paged = root_iam.get_service_last_accessed_details(JobId=report["JobId"], MaxItems=2)
    assert [s["ServiceNamespace"] for s in paged["ServicesLastAccessed"]] == ["ec2", "iam"]
    assert paged["IsTruncated"] is True
    rest = root_iam.get_service_last_accessed_details(JobId=report["JobId"], Marker=paged["Marker"])
    assert [s["ServiceNamespace"] for s in rest["ServicesLastAccessed"]] == ["sts"]


def test_action_level_tracks_management_actions_of_ec2_and_iam(private: Server) -> None:
    root_iam = _client(private, "iam", ACCOUNT)
    key = _user_with_key(root_iam, "bob", ["iam:CreateGroup", "iam:ListUsers", "ec2:CreateKeyPair"])
    bob_iam = _client(private, "iam", key["AccessKeyId"], key["SecretAccessKey"])
    bob_iam.create_group(GroupName="made-by-bob")
    bob_iam.list_users()  # a read: not a tracked action
    with aws_error("AccessDenied", 403):  # denied attempts count too
        bob_iam.delete_group(GroupName="made-by-bob")
    report = _report(root_iam, f"arn:aws:iam::{ACCOUNT}:user/bob", "ACTION_LEVEL")
    assert report["JobType"] == "ACTION_LEVEL"
    services = _by_namespace(report)
    assert list(services) == ["ec2", "iam"]
    iam_actions = {a["ActionName"]: a for a in services["iam"]["TrackedActionsLastAccessed"]}
    assert list(iam_actions) == ["CreateGroup"]  # granted management actions only
    assert iam_actions["CreateGroup"]["LastAccessedEntity"] == f"arn:aws:iam::{ACCOUNT}:user/bob"
    assert iam_actions["CreateGroup"]["LastAccessedRegion"] == "us-east-1"
    assert "LastAccessedTime" in iam_actions["CreateGroup"]
    assert services["ec2"]["TrackedActionsLastAccessed"] == [{"ActionName": "CreateKeyPair"}]


def test_an_assumed_role_shows_in_its_report_and_role_last_used(private: Server) -> None:
    root_iam = _client(private, "iam", ACCOUNT)
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role = root_iam.create_role(RoleName="worker", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    root_iam.put_role_policy(RoleName="worker", PolicyName="p", PolicyDocument=_doc(["ec2:Describe*"]))
    assert root_iam.get_role(RoleName="worker")["Role"]["RoleLastUsed"] == {}
    key = _user_with_key(root_iam, "assumer", ["sts:AssumeRole"])
    sts = _client(private, "sts", key["AccessKeyId"], key["SecretAccessKey"])
    creds = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="s1")["Credentials"]
    _advance(private, 600)
    used_at = _now(private)
    session = (creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    boto3.client(
        "ec2",
        region_name="eu-west-1",
        endpoint_url=private.api_url,
        aws_access_key_id=session[0],
        aws_secret_access_key=session[1],
        aws_session_token=session[2],
        config=_BOTO,
    ).describe_vpcs()

    last_used = root_iam.get_role(RoleName="worker")["Role"]["RoleLastUsed"]
    assert last_used["Region"] == "eu-west-1"
    assert abs((last_used["LastUsedDate"] - used_at).total_seconds()) < 60
    services = _by_namespace(_report(root_iam, role["Arn"]))
    assert list(services) == ["ec2"]
    assert services["ec2"]["LastAuthenticatedEntity"] == role["Arn"]
    assert services["ec2"]["LastAuthenticatedRegion"] == "eu-west-1"


def test_group_and_policy_reports_aggregate_their_members(private: Server) -> None:
    root_iam = _client(private, "iam", ACCOUNT)
    policy = root_iam.create_policy(PolicyName="ec2-read", PolicyDocument=_doc(["ec2:Describe*"]))["Policy"]
    root_iam.create_group(GroupName="devs")
    root_iam.attach_group_policy(GroupName="devs", PolicyArn=policy["Arn"])
    keys = {}
    for name in ("carol", "dave", "erin"):
        root_iam.create_user(UserName=name)
        root_iam.add_user_to_group(GroupName="devs", UserName=name)
        keys[name] = root_iam.create_access_key(UserName=name)["AccessKey"]
    for name in ("carol", "dave"):
        _client(private, "ec2", keys[name]["AccessKeyId"], keys[name]["SecretAccessKey"]).describe_vpcs()
        _advance(private, 60)

    for arn in (f"arn:aws:iam::{ACCOUNT}:group/devs", policy["Arn"]):
        report = _report(root_iam, arn)
        ec2 = _by_namespace(report)["ec2"]
        assert ec2["TotalAuthenticatedEntities"] == 2
        assert ec2["LastAuthenticatedEntity"] == f"arn:aws:iam::{ACCOUNT}:user/dave"
        listed = root_iam.get_service_last_accessed_details_with_entities(
            JobId=report["JobId"], ServiceNamespace="ec2"
        )
        assert listed["JobStatus"] == "COMPLETED"
        details = {d["EntityInfo"]["Name"]: d for d in listed["EntityDetailsList"]}
        assert list(details) == ["carol", "dave", "erin"]
        assert details["carol"]["EntityInfo"]["Type"] == "USER"
        assert details["carol"]["EntityInfo"]["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/carol"
        assert "LastAuthenticated" in details["dave"] and "LastAuthenticated" not in details["erin"]


def test_usage_survives_a_restart_of_durable_state(tmp_path: Any) -> None:
    config = Config(port=0, imds_port=0, state_dir=str(tmp_path))
    with Server(config) as first:
        root_iam = _client(first, "iam", ACCOUNT)
        key = _user_with_key(root_iam, "frank", ["ec2:*"])
        _client(first, "ec2", key["AccessKeyId"], key["SecretAccessKey"]).describe_regions()
        before = _by_namespace(_report(root_iam, f"arn:aws:iam::{ACCOUNT}:user/frank"))["ec2"]
    with Server(config) as second:
        after = _by_namespace(_report(_client(second, "iam", ACCOUNT), f"arn:aws:iam::{ACCOUNT}:user/frank"))
        assert after["ec2"] == before


def test_errors(iam: Any, account_id: str) -> None:
    with aws_error("InvalidInput", 400, "ARN not-an-arn-at-all-really is not valid.") as error:
        iam.generate_service_last_accessed_details(Arn="not-an-arn-at-all-really")
    assert error()["Message"] == "ARN not-an-arn-at-all-really is not valid."
    with aws_error("InvalidInput", 400, "is not valid."):
        iam.generate_service_last_accessed_details(Arn=f"arn:aws:ec2:us-east-1:{account_id}:instance/i-1")
    with aws_error("NoSuchEntity", 404, "The user with name ghost cannot be found."):
        iam.generate_service_last_accessed_details(Arn=f"arn:aws:iam::{account_id}:user/ghost")
    with aws_error("NoSuchEntity", 404, f"Policy arn:aws:iam::{account_id}:policy/none was not found."):
        iam.generate_service_last_accessed_details(Arn=f"arn:aws:iam::{account_id}:policy/none")
    job = "00000000-0000-0000-0000-000000000000"
    with aws_error("NoSuchEntity", 404, f"Job {job} not found."):
        iam.get_service_last_accessed_details(JobId=job)
    with aws_error("NoSuchEntity", 404, f"Job {job} not found."):
        iam.get_service_last_accessed_details_with_entities(JobId=job, ServiceNamespace="ec2")
    with aws_error("ValidationError", 400):
        iam.generate_service_last_accessed_details(Arn=f"arn:aws:iam::{account_id}:root", Granularity="DAILY")
