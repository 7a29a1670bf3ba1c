"""IAM users: create/get/list/update/delete, tags, permissions boundaries, and who the caller is."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.helpers import allow_self_service, aws_error

BOUNDARY = "arn:aws:iam::aws:policy/PowerUserAccess"


def client_as_user(make_client: Callable[..., Any], iam: Any, name: str) -> Any:
    """An IAM client signed with a fresh access key of user `name` (created if missing)."""
    if not [u for u in iam.list_users()["Users"] if u["UserName"].lower() == name.lower()]:
        iam.create_user(UserName=name)
    allow_self_service(iam, name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return make_client("iam", key["AccessKeyId"], secret=key["SecretAccessKey"])


@pytest.fixture
def user_iam(make_client: Callable[..., Any], iam: Any) -> Any:
    return client_as_user(make_client, iam, "alice")


def test_create_and_get_user(iam, account_id):
    user = iam.create_user(UserName="Bob", Path="/team/", Tags=[{"Key": "env", "Value": "dev"}])["User"]
    assert user["UserName"] == "Bob" and user["Path"] == "/team/"
    assert re.fullmatch(r"AIDA[A-Z0-9]{17}", user["UserId"])
    assert user["Arn"] == f"arn:aws:iam::{account_id}:user/team/Bob"
    assert user["Tags"] == [{"Key": "env", "Value": "dev"}]
    got = iam.get_user(UserName="bob")["User"]
    assert got["UserId"] == user["UserId"] and got["CreateDate"] == user["CreateDate"]
    assert "PasswordLastUsed" not in got and "PermissionsBoundary" not in got


def test_create_user_collides_case_insensitively(iam):
    iam.create_user(UserName="Bob")
    with aws_error("EntityAlreadyExists", 409, "User with name bob already exists."):
        iam.create_user(UserName="bob")


def test_get_missing_user(iam):
    with aws_error("NoSuchEntity", 404, "The user with name ghost cannot be found."):
        iam.get_user(UserName="ghost")


def test_get_user_without_name(iam, user_iam, account_id):
    root = iam.get_user()["User"]
    assert root["UserId"] == account_id and root["Arn"] == f"arn:aws:iam::{account_id}:root"
    assert "UserName" not in root and "CreateDate" in root
    assert user_iam.get_user()["User"]["UserName"] == "alice"


def test_list_users_paths_and_paging(iam, account_id):
    for name, path in [("carol", "/ops/"), ("alice", "/"), ("Bob", "/ops/eu/")]:
        iam.create_user(UserName=name, Path=path, Tags=[{"Key": "k", "Value": "v"}])
    users = iam.list_users()["Users"]
    assert [u["UserName"] for u in users] == ["alice", "Bob", "carol"]
    for user in users:
        assert user["Arn"] == f"arn:aws:iam::{account_id}:user{user['Path']}{user['UserName']}"
        assert user["UserId"].startswith("AIDA") and "Tags" not in user
    assert [u["UserName"] for u in iam.list_users(PathPrefix="/ops/")["Users"]] == ["Bob", "carol"]
    first = iam.list_users(MaxItems=2)
    assert first["IsTruncated"] and len(first["Users"]) == 2
    rest = iam.list_users(MaxItems=2, Marker=first["Marker"])
    assert not rest["IsTruncated"] and [u["UserName"] for u in rest["Users"]] == ["carol"]
    names = [
        u["UserName"]
        for p in iam.get_paginator("list_users").paginate(PaginationConfig={"PageSize": 1})
        for u in p["Users"]
    ]
    assert names == ["alice", "Bob", "carol"]


def test_rename_user_moves_groups_keys_and_credentials(iam, make_client, account_id):
    iam.create_user(UserName="bob")
    iam.create_group(GroupName="devs")
    iam.add_user_to_group(GroupName="devs", UserName="bob")
    allow_self_service(iam, "bob")
    key = iam.create_access_key(UserName="bob")["AccessKey"]
    iam.update_user(UserName="bob", NewUserName="Robert", NewPath="/people/")
    user = iam.get_user(UserName="robert")["User"]
    assert user["Arn"] == f"arn:aws:iam::{account_id}:user/people/Robert"
    with aws_error("NoSuchEntity", 404):
        iam.get_user(UserName="bob")
    assert [u["UserName"] for u in iam.get_group(GroupName="devs")["Users"]] == ["Robert"]
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName="Robert")["Groups"]] == ["devs"]
    assert iam.list_access_keys(UserName="Robert")["AccessKeyMetadata"][0]["UserName"] == "Robert"
    signed_in = make_client("iam", key["AccessKeyId"], secret=key["SecretAccessKey"])
    assert signed_in.get_user()["User"]["UserName"] == "Robert"


def test_rename_user_errors(iam):
    iam.create_user(UserName="bob")
    iam.create_user(UserName="carol")
    with aws_error("EntityAlreadyExists", 409, "User with name Carol already exists."):
        iam.update_user(UserName="bob", NewUserName="Carol")
    with aws_error("NoSuchEntity", 404):
        iam.update_user(UserName="ghost", NewUserName="x")
    iam.update_user(UserName="bob", NewUserName="BOB")  # a change of case only is the same user
    assert iam.get_user(UserName="bob")["User"]["UserName"] == "BOB"


def test_delete_user(iam):
    iam.create_user(UserName="bob")
    iam.delete_user(UserName="BOB")
    with aws_error("NoSuchEntity", 404):
        iam.delete_user(UserName="bob")


@pytest.mark.parametrize(
    ("dependent", "message", "remove"),
    [
        (
            lambda iam: iam.create_access_key(UserName="bob"),
            "must delete access keys first",
            lambda iam, made: iam.delete_access_key(
                UserName="bob", AccessKeyId=made["AccessKey"]["AccessKeyId"]
            ),
        ),
        (
            lambda iam: iam.create_login_profile(UserName="bob", Password="Passw0rd!x"),
            "must delete login profile first",
            lambda iam, made: iam.delete_login_profile(UserName="bob"),
        ),
        (
            lambda iam: (
                iam.create_group(GroupName="g"),
                iam.add_user_to_group(GroupName="g", UserName="bob"),
            ),
            "must remove users from group first",
            lambda iam, made: iam.remove_user_from_group(GroupName="g", UserName="bob"),
        ),
    ],
    ids=["access-key", "login-profile", "group"],
)
def test_delete_user_conflicts(iam, dependent, message, remove):
    iam.create_user(UserName="bob")
    made = dependent(iam)
    with aws_error("DeleteConflict", 409, f"Cannot delete entity, {message}."):
        iam.delete_user(UserName="bob")
    remove(iam, made)
    iam.delete_user(UserName="bob")


@pytest.mark.parametrize(
    ("attribute", "value", "message"),
    [
        ("inline_policies", {"p": "{}"}, "must delete policies first"),
        ("attached_policies", ["arn:aws:iam::aws:policy/ReadOnlyAccess"], "must detach all policies first"),
        ("mfa_devices", ["arn:aws:iam::123456789012:mfa/bob"], "must delete MFA device first"),
    ],
    ids=["inline-policy", "attached-policy", "mfa-device"],
)
def test_delete_user_conflicts_from_other_modules(iam, server, account_id, attribute, value, message):
    """Policies and MFA devices are other modules' handlers: set on the stored user directly."""
    iam.create_user(UserName="bob")
    user = server.store.account(account_id).iam.users.get("bob")
    setattr(user, attribute, value)
    with aws_error("DeleteConflict", 409, f"Cannot delete entity, {message}."):
        iam.delete_user(UserName="bob")
    setattr(user, attribute, type(value)())
    iam.delete_user(UserName="bob")


def test_user_tags(iam):
    iam.create_user(UserName="bob", Tags=[{"Key": "Env", "Value": "dev"}])
    iam.tag_user(UserName="bob", Tags=[{"Key": "env", "Value": "prod"}, {"Key": "team", "Value": "x"}])
    assert iam.list_user_tags(UserName="bob")["Tags"] == [
        {"Key": "env", "Value": "prod"},
        {"Key": "team", "Value": "x"},
    ]
    page = iam.list_user_tags(UserName="bob", MaxItems=1)
    assert page["IsTruncated"] and len(page["Tags"]) == 1
    iam.untag_user(UserName="bob", TagKeys=["ENV"])
    assert iam.get_user(UserName="bob")["User"]["Tags"] == [{"Key": "team", "Value": "x"}]
    with aws_error("InvalidInput", 400, "Duplicate tag keys found"):
        iam.tag_user(UserName="bob", Tags=[{"Key": "a", "Value": "1"}, {"Key": "A", "Value": "2"}])
    with aws_error("NoSuchEntity", 404):
        iam.list_user_tags(UserName="ghost")


def test_permissions_boundary(iam, account_id, server):
    user = iam.create_user(UserName="bob", PermissionsBoundary=BOUNDARY)["User"]
    assert user["PermissionsBoundary"] == {
        "PermissionsBoundaryType": "Policy",
        "PermissionsBoundaryArn": BOUNDARY,
    }
    uses = server.store.account(account_id).iam.boundary_uses
    assert uses == {BOUNDARY: {("user", "bob")}}
    iam.update_user(UserName="bob", NewUserName="Robert")
    assert uses == {BOUNDARY: {("user", "robert")}}
    other = "arn:aws:iam::aws:policy/ReadOnlyAccess"
    iam.put_user_permissions_boundary(UserName="Robert", PermissionsBoundary=other)
    assert uses == {other: {("user", "robert")}}
    assert iam.get_user(UserName="robert")["User"]["PermissionsBoundary"]["PermissionsBoundaryArn"] == other
    iam.delete_user_permissions_boundary(UserName="robert")
    assert "PermissionsBoundary" not in iam.get_user(UserName="robert")["User"] and uses == {}
    iam.put_user_permissions_boundary(UserName="robert", PermissionsBoundary=other)
    iam.delete_user(UserName="robert")
    assert uses == {}


def test_customer_policy_as_boundary(iam):
    document = (
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}'
    )
    arn = iam.create_policy(PolicyName="limits", PolicyDocument=document)["Policy"]["Arn"]
    user = iam.create_user(UserName="bob", PermissionsBoundary=arn)["User"]
    assert user["PermissionsBoundary"]["PermissionsBoundaryArn"] == arn


def test_permissions_boundary_errors(iam, account_id):
    missing = f"arn:aws:iam::{account_id}:policy/nothing"
    with aws_error("NoSuchEntity", 404, f"Scope ARN: {missing} does not exist or is not attachable."):
        iam.create_user(UserName="bob", PermissionsBoundary=missing)
    with aws_error("InvalidInput", 400, "for parameter PermissionsBoundary is invalid"):
        iam.create_user(UserName="bob", PermissionsBoundary="arn:aws:s3:::bucket/policy")
    iam.create_user(UserName="bob")
    with aws_error("NoSuchEntity", 404, "does not exist or is not attachable"):
        iam.put_user_permissions_boundary(UserName="bob", PermissionsBoundary=missing)
    with aws_error("NoSuchEntity", 404, "does not exist or is not attachable"):
        iam.put_user_permissions_boundary(
            UserName="bob", PermissionsBoundary="arn:aws:iam::aws:policy/NoSuchOne"
        )
    with aws_error("NoSuchEntity", 404, "The user with name ghost cannot be found."):
        iam.put_user_permissions_boundary(UserName="ghost", PermissionsBoundary=BOUNDARY)


def test_negative_marker_is_invalid_input(iam: Any) -> None:
    with aws_error("InvalidInput", 400, "Invalid Marker"):
        iam.list_users(Marker="LTE=")
