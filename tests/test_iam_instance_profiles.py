"""IAM instance profiles: lifecycle, the one role each holds, tags, and the EC2 look-up."""

from __future__ import annotations

import json
from typing import Any

from tests.helpers import aws_error

TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}


def make_role(iam: Any, name: str = "app") -> dict[str, Any]:
    return iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]


def test_create_get_delete(iam, account_id):
    created = iam.create_instance_profile(InstanceProfileName="Web", Path="/fleet/")["InstanceProfile"]
    assert created["InstanceProfileId"].startswith("AIPA") and len(created["InstanceProfileId"]) == 21
    assert created["Arn"] == f"arn:aws:iam::{account_id}:instance-profile/fleet/Web"
    assert created["Path"] == "/fleet/" and created["Roles"] == [] and "Tags" not in created
    got = iam.get_instance_profile(InstanceProfileName="web")["InstanceProfile"]
    assert got == {**created, "Tags": []}  # issue 14: GetInstanceProfile answers <Tags/> when untagged
    with aws_error("EntityAlreadyExists", 409, "Instance Profile WEB already exists."):
        iam.create_instance_profile(InstanceProfileName="WEB")
    iam.delete_instance_profile(InstanceProfileName="web")
    with aws_error("NoSuchEntity", 404, "Instance Profile web cannot be found."):
        iam.get_instance_profile(InstanceProfileName="web")
    with aws_error("NoSuchEntity", 404):
        iam.delete_instance_profile(InstanceProfileName="web")


def test_role_membership(iam, server, account_id):
    role = make_role(iam)
    iam.create_instance_profile(InstanceProfileName="web")
    iam.add_role_to_instance_profile(InstanceProfileName="web", RoleName="APP")
    roles = iam.get_instance_profile(InstanceProfileName="web")["InstanceProfile"]["Roles"]
    assert roles == [
        {
            key: role[key]
            for key in ("Path", "RoleName", "RoleId", "Arn", "CreateDate", "AssumeRolePolicyDocument")
        }
    ]
    state = server.store.account(account_id).iam
    assert state.instance_profiles.get("web").role_names == ["app"]
    assert state.roles.get("app").profile_names == ["web"]
    make_role(iam, "other")
    for name in ("app", "other"):  # one role per profile, even the same one again
        with aws_error("LimitExceeded", 409, "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1"):
            iam.add_role_to_instance_profile(InstanceProfileName="web", RoleName=name)
    with aws_error(
        "DeleteConflict", 409, "Cannot delete entity, must remove roles from instance profile first."
    ):
        iam.delete_instance_profile(InstanceProfileName="web")
    # issue 14: IAM's wording for a role not in the profile
    with aws_error("NoSuchEntity", 404, "Role other in Instance Profile web cannot be found."):
        iam.remove_role_from_instance_profile(InstanceProfileName="web", RoleName="other")
    iam.remove_role_from_instance_profile(InstanceProfileName="web", RoleName="app")
    assert iam.get_instance_profile(InstanceProfileName="web")["InstanceProfile"]["Roles"] == []
    assert state.roles.get("app").profile_names == []
    iam.delete_instance_profile(InstanceProfileName="web")


def test_membership_missing_entities(iam):
    make_role(iam)
    iam.create_instance_profile(InstanceProfileName="web")
    with aws_error("NoSuchEntity", 404, "Instance Profile nope cannot be found."):
        iam.add_role_to_instance_profile(InstanceProfileName="nope", RoleName="app")
    with aws_error("NoSuchEntity", 404, "The role with name nope cannot be found."):
        iam.add_role_to_instance_profile(InstanceProfileName="web", RoleName="nope")
    with aws_error("NoSuchEntity", 404):
        iam.remove_role_from_instance_profile(InstanceProfileName="nope", RoleName="app")
    with aws_error("NoSuchEntity", 404):
        iam.remove_role_from_instance_profile(InstanceProfileName="web", RoleName="nope")
    with aws_error("NoSuchEntity", 404):
        iam.list_instance_profiles_for_role(RoleName="nope")


def test_list_and_list_for_role(iam):
    make_role(iam)
    for name, path in [("c", "/"), ("a", "/team/"), ("b", "/team/x/")]:
        iam.create_instance_profile(InstanceProfileName=name, Path=path, Tags=[{"Key": "k", "Value": "v"}])
    profiles = iam.list_instance_profiles()["InstanceProfiles"]
    assert [p["InstanceProfileName"] for p in profiles] == ["a", "b", "c"]
    assert all("Tags" not in p for p in profiles)
    assert [
        p["InstanceProfileName"] for p in iam.list_instance_profiles(PathPrefix="/team/x")["InstanceProfiles"]
    ] == ["b"]
    first = iam.list_instance_profiles(MaxItems=2)
    rest = iam.list_instance_profiles(MaxItems=2, Marker=first["Marker"])
    assert first["IsTruncated"] and not rest["IsTruncated"]
    assert [p["InstanceProfileName"] for p in first["InstanceProfiles"] + rest["InstanceProfiles"]] == [
        "a",
        "b",
        "c",
    ]
    assert iam.list_instance_profiles_for_role(RoleName="app")["InstanceProfiles"] == []
    for name in ("c", "a"):
        iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName="app")
    for_role = iam.list_instance_profiles_for_role(RoleName="app")
    assert [p["InstanceProfileName"] for p in for_role["InstanceProfiles"]] == ["a", "c"]
    assert for_role["InstanceProfiles"][0]["Roles"][0]["RoleName"] == "app" and not for_role["IsTruncated"]
    one = iam.list_instance_profiles_for_role(RoleName="app", MaxItems=1)
    assert one["IsTruncated"] and len(one["InstanceProfiles"]) == 1


def test_tags(iam):
    created = iam.create_instance_profile(InstanceProfileName="web", Tags=[{"Key": "b", "Value": "1"}])
    assert created["InstanceProfile"]["Tags"] == [{"Key": "b", "Value": "1"}]
    iam.tag_instance_profile(InstanceProfileName="web", Tags=[{"Key": "a", "Value": "2"}])
    assert iam.list_instance_profile_tags(InstanceProfileName="web")["Tags"] == [
        {"Key": "a", "Value": "2"},
        {"Key": "b", "Value": "1"},
    ]
    assert len(iam.get_instance_profile(InstanceProfileName="web")["InstanceProfile"]["Tags"]) == 2
    iam.untag_instance_profile(InstanceProfileName="web", TagKeys=["B"])
    assert iam.list_instance_profile_tags(InstanceProfileName="web")["Tags"] == [{"Key": "a", "Value": "2"}]
    with aws_error("InvalidInput", 400, "Duplicate tag keys found"):
        iam.tag_instance_profile(
            InstanceProfileName="web", Tags=[{"Key": "x", "Value": ""}, {"Key": "X", "Value": ""}]
        )
    for call in (
        lambda: iam.tag_instance_profile(InstanceProfileName="nope", Tags=[{"Key": "a", "Value": "b"}]),
        lambda: iam.untag_instance_profile(InstanceProfileName="nope", TagKeys=["a"]),
        lambda: iam.list_instance_profile_tags(InstanceProfileName="nope"),
    ):
        with aws_error("NoSuchEntity", 404):
            call()


def test_find_instance_profile(iam, server, account_id):
    arn = iam.create_instance_profile(InstanceProfileName="Web", Path="/fleet/")["InstanceProfile"]["Arn"]
    state = server.store.account(account_id).iam
    assert state.find_instance_profile("web").arn == arn
    assert state.find_instance_profile(arn).name == "Web"
    assert (
        state.find_instance_profile(f"arn:aws:iam::{account_id}:instance-profile/Web") is None
    )  # path differs
    assert state.find_instance_profile(arn.replace(account_id, "000000000000")) is None
    assert state.find_instance_profile("nope") is None
