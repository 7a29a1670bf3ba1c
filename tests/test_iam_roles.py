"""IAM roles: lifecycle, trust policies, tags, permissions boundaries, listings."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.config import Config

from tests.helpers import aws_error

TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}
AWS_BOUNDARY = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"


@pytest.fixture
def unchecked(iam: Any, account_id: str) -> Any:
    """A client that sends out-of-range values, for the server's own validation."""
    return boto3.client(
        "iam",
        region_name="us-east-1",
        endpoint_url=iam.meta.endpoint_url,
        aws_access_key_id=account_id,
        aws_secret_access_key="secret",
        config=Config(parameter_validation=False, retries={"max_attempts": 1}),
    )


def make_role(iam: Any, name: str = "app", **extra: Any) -> dict[str, Any]:
    return iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST), **extra)["Role"]


def test_create_and_get(iam, account_id):
    created = make_role(iam, "App-Role", Path="/svc/", Description="the app")
    assert created["RoleId"].startswith("AROA") and len(created["RoleId"]) == 21
    assert created["Arn"] == f"arn:aws:iam::{account_id}:role/svc/App-Role"
    assert created["Path"] == "/svc/" and created["Description"] == "the app"
    assert created["AssumeRolePolicyDocument"] == TRUST  # URL-encoded on the wire, decoded by botocore
    assert "MaxSessionDuration" not in created and "RoleLastUsed" not in created
    role = iam.get_role(RoleName="app-role")["Role"]  # names are case-insensitive
    assert role["RoleName"] == "App-Role" and role["CreateDate"] == created["CreateDate"]
    assert role["MaxSessionDuration"] == 3600 and role["RoleLastUsed"] == {}
    assert role["AssumeRolePolicyDocument"] == TRUST
    assert "Tags" not in role and "PermissionsBoundary" not in role


def test_trust_policy_is_url_encoded_on_the_wire(iam):
    raw: list[bytes] = []
    iam.meta.events.register(
        "after-call.iam.GetRole", lambda http_response, **_: raw.append(http_response.content)
    )
    make_role(iam)
    iam.get_role(RoleName="app")
    assert b"<AssumeRolePolicyDocument>%7B%22Version%22%3A%20%222012-10-17%22%2C%20%22Statement" in raw[0]


def test_create_duplicate_and_validation(iam, unchecked):
    make_role(iam)
    with aws_error("EntityAlreadyExists", 409, "Role with name APP already exists."):
        make_role(iam, "APP")
    with aws_error("ValidationError", 400, "maxSessionDuration"):
        make_role(unchecked, "short", MaxSessionDuration=3599)
    with aws_error("ValidationError", 400):
        make_role(unchecked, "long", MaxSessionDuration=43201)
    assert make_role(iam, "max", MaxSessionDuration=43200)["RoleName"] == "max"


def _trust(**statement: Any) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", **statement}]})


@pytest.mark.parametrize(
    "document, message",
    [
        ("{not json", "This policy contains invalid Json"),  # issue 14: trust policies word it so
        (
            _trust(Action="sts:AssumeRole", Principal={"AWS": "*"}, Resource="*"),
            "Has prohibited field Resource",
        ),
        (
            _trust(Action="s3:GetObject", Principal={"Service": "ec2.amazonaws.com"}),
            "AssumeRole policy may only specify STS AssumeRole actions.",
        ),
        (_trust(Action="sts:AssumeRole"), "statement with no principals"),
    ],
)
def test_trust_policy_validation(iam, document, message):
    with aws_error("MalformedPolicyDocument", 400, message):
        iam.create_role(RoleName="bad", AssumeRolePolicyDocument=document)
    with aws_error("NoSuchEntity", 404):
        iam.get_role(RoleName="bad")
    make_role(iam)
    with aws_error("MalformedPolicyDocument", 400, message):
        iam.update_assume_role_policy(RoleName="app", PolicyDocument=document)
    assert iam.get_role(RoleName="app")["Role"]["AssumeRolePolicyDocument"] == TRUST


def test_trust_policy_size_quota(iam):
    statement = TRUST["Statement"][0]
    big = {"Version": "2012-10-17", "Statement": [dict(statement, Sid=f"S{i}") for i in range(30)]}
    with aws_error("LimitExceeded", 409, "Cannot exceed quota for ACLSizePerRole: 2048"):
        iam.create_role(RoleName="big", AssumeRolePolicyDocument=json.dumps(big))


def test_update_assume_role_policy(iam):
    make_role(iam)
    trust = {
        **TRUST,
        "Statement": [{**TRUST["Statement"][0], "Principal": {"Service": "lambda.amazonaws.com"}}],
    }
    iam.update_assume_role_policy(RoleName="app", PolicyDocument=json.dumps(trust))
    assert iam.get_role(RoleName="app")["Role"]["AssumeRolePolicyDocument"] == trust
    with aws_error("NoSuchEntity", 404, "The role with name nope cannot be found."):
        iam.update_assume_role_policy(RoleName="nope", PolicyDocument=json.dumps(trust))


def test_update_role_and_description(iam, unchecked):
    make_role(iam)
    assert iam.update_role(RoleName="app", Description="d1", MaxSessionDuration=7200)["ResponseMetadata"]
    role = iam.get_role(RoleName="app")["Role"]
    assert role["Description"] == "d1" and role["MaxSessionDuration"] == 7200
    updated = iam.update_role_description(RoleName="app", Description="d2")["Role"]
    assert updated["Description"] == "d2" and updated["MaxSessionDuration"] == 7200
    with aws_error("ValidationError", 400):
        unchecked.update_role(RoleName="app", MaxSessionDuration=100)
    with aws_error("NoSuchEntity", 404):
        iam.update_role(RoleName="nope", Description="x")
    with aws_error("NoSuchEntity", 404):
        iam.update_role_description(RoleName="nope", Description="x")


def test_list_roles_paths_and_paging(iam):
    for name, path in [("c", "/"), ("a", "/team/"), ("b", "/team/x/")]:
        make_role(iam, name, Path=path, Tags=[{"Key": "k", "Value": "v"}], PermissionsBoundary=AWS_BOUNDARY)
    roles = iam.list_roles()["Roles"]
    assert [r["RoleName"] for r in roles] == ["a", "b", "c"]
    assert all("Tags" not in r and "PermissionsBoundary" not in r and "RoleLastUsed" not in r for r in roles)
    assert roles[0]["MaxSessionDuration"] == 3600 and roles[0]["AssumeRolePolicyDocument"] == TRUST
    assert [r["RoleName"] for r in iam.list_roles(PathPrefix="/team/")["Roles"]] == ["a", "b"]
    first = iam.list_roles(MaxItems=2)
    assert first["IsTruncated"] and [r["RoleName"] for r in first["Roles"]] == ["a", "b"]
    rest = iam.list_roles(MaxItems=2, Marker=first["Marker"])
    assert not rest["IsTruncated"] and [r["RoleName"] for r in rest["Roles"]] == ["c"]
    paged = [
        r["RoleName"]
        for p in iam.get_paginator("list_roles").paginate(PaginationConfig={"PageSize": 1})
        for r in p["Roles"]
    ]
    assert paged == ["a", "b", "c"]


def test_delete_role_conflicts(iam, server, account_id):
    make_role(iam)
    iam.create_instance_profile(InstanceProfileName="prof")
    iam.add_role_to_instance_profile(InstanceProfileName="prof", RoleName="app")
    with aws_error(
        "DeleteConflict", 409, "Cannot delete entity, must remove roles from instance profile first."
    ):
        iam.delete_role(RoleName="app")
    iam.remove_role_from_instance_profile(InstanceProfileName="prof", RoleName="app")
    role = server.store.account(account_id).iam.roles.get("app")
    with server.store.lock:  # policies are another module's API: put them in place directly
        role.attached_policies.append(AWS_BOUNDARY)
        role.inline_policies["inline"] = json.dumps(TRUST)
    with aws_error("DeleteConflict", 409, "Cannot delete entity, must detach all policies first."):
        iam.delete_role(RoleName="app")
    with server.store.lock:
        role.attached_policies.clear()
    with aws_error("DeleteConflict", 409, "Cannot delete entity, must delete policies first."):
        iam.delete_role(RoleName="app")
    with server.store.lock:
        role.inline_policies.clear()
    iam.delete_role(RoleName="APP")
    with aws_error("NoSuchEntity", 404, "The role with name app cannot be found."):
        iam.get_role(RoleName="app")
    with aws_error("NoSuchEntity", 404):
        iam.delete_role(RoleName="app")


def test_tags(iam):
    created = make_role(iam, Tags=[{"Key": "team", "Value": "blue"}])
    assert created["Tags"] == [{"Key": "team", "Value": "blue"}]
    iam.tag_role(RoleName="app", Tags=[{"Key": "env", "Value": "prod"}, {"Key": "TEAM", "Value": "red"}])
    assert iam.list_role_tags(RoleName="app")["Tags"] == [
        {"Key": "TEAM", "Value": "red"},
        {"Key": "env", "Value": "prod"},
    ]
    assert len(iam.get_role(RoleName="app")["Role"]["Tags"]) == 2
    iam.untag_role(RoleName="app", TagKeys=["team"])
    page = iam.list_role_tags(RoleName="app", MaxItems=1)
    assert page["Tags"] == [{"Key": "env", "Value": "prod"}] and not page["IsTruncated"]
    with aws_error("InvalidInput", 400, "Duplicate tag keys found"):
        iam.tag_role(RoleName="app", Tags=[{"Key": "a", "Value": "1"}, {"Key": "A", "Value": "2"}])
    with aws_error("LimitExceeded", 409):
        iam.tag_role(RoleName="app", Tags=[{"Key": f"k{i}", "Value": ""} for i in range(50)])
    for call in (
        lambda: iam.tag_role(RoleName="nope", Tags=[{"Key": "a", "Value": "b"}]),
        lambda: iam.untag_role(RoleName="nope", TagKeys=["a"]),
        lambda: iam.list_role_tags(RoleName="nope"),
    ):
        with aws_error("NoSuchEntity", 404):
            call()


def test_permissions_boundary(iam, server, account_id):
    state = server.store.account(account_id).iam
    created = make_role(iam, PermissionsBoundary=AWS_BOUNDARY)
    boundary = {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": AWS_BOUNDARY}
    assert created["PermissionsBoundary"] == boundary
    assert iam.get_role(RoleName="app")["Role"]["PermissionsBoundary"] == boundary
    assert state.boundary_uses[AWS_BOUNDARY] == {("role", "app")}
    other = "arn:aws:iam::aws:policy/ReadOnlyAccess"
    iam.put_role_permissions_boundary(RoleName="app", PermissionsBoundary=other)
    assert AWS_BOUNDARY not in state.boundary_uses and state.boundary_uses[other] == {("role", "app")}
    iam.delete_role_permissions_boundary(RoleName="app")
    assert "PermissionsBoundary" not in iam.get_role(RoleName="app")["Role"] and not state.boundary_uses
    missing = f"arn:aws:iam::{account_id}:policy/nothing"
    with aws_error("NoSuchEntity", 404, f"Scope ARN: {missing} does not exist or is not attachable."):
        iam.put_role_permissions_boundary(RoleName="app", PermissionsBoundary=missing)
    with aws_error("NoSuchEntity", 404):
        make_role(iam, "other", PermissionsBoundary=missing)
    with aws_error("NoSuchEntity", 404):
        iam.get_role(RoleName="other")
    with aws_error("NoSuchEntity", 404):
        iam.put_role_permissions_boundary(RoleName="nope", PermissionsBoundary=AWS_BOUNDARY)
    with aws_error("NoSuchEntity", 404):
        iam.delete_role_permissions_boundary(RoleName="nope")
    iam.put_role_permissions_boundary(RoleName="app", PermissionsBoundary=AWS_BOUNDARY)
    iam.delete_role(RoleName="app")  # a boundary does not block deletion, and its use goes with the role
    assert not state.boundary_uses


def test_role_last_used(iam, server, account_id):
    from datetime import datetime, timezone

    make_role(iam)
    used = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
    role = server.store.account(account_id).iam.roles.get("app")
    with server.store.lock:
        role.last_used_date, role.last_used_region = used, "eu-west-1"
    assert iam.get_role(RoleName="app")["Role"]["RoleLastUsed"] == {
        "LastUsedDate": used,
        "Region": "eu-west-1",
    }


def test_trust_policy_principals_must_exist(iam, account_id):
    def trust(principal: str) -> str:
        return json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}
                ],
            }
        )

    missing = f"arn:aws:iam::{account_id}:user/nonexistent"
    with aws_error("MalformedPolicyDocument", 400, f'Invalid principal in policy: "AWS":"{missing}"'):
        iam.create_role(RoleName="r", AssumeRolePolicyDocument=trust(missing))
    with aws_error("MalformedPolicyDocument", 400, 'Invalid principal in policy: "AWS":"bogus"'):
        iam.create_role(RoleName="r", AssumeRolePolicyDocument=trust("bogus"))
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=trust(f"arn:aws:iam::{account_id}:root"))
    iam.create_role(RoleName="r2", AssumeRolePolicyDocument=trust("arn:aws:iam::000000000001:user/elsewhere"))
    with aws_error("MalformedPolicyDocument", 400, "Invalid principal in policy"):
        iam.update_assume_role_policy(RoleName="r", PolicyDocument=trust(missing))
    iam.create_user(UserName="nonexistent")
    iam.update_assume_role_policy(RoleName="r", PolicyDocument=trust(missing))
