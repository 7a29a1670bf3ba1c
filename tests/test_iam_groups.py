"""IAM groups: lifecycle, membership on both sides, renames, paging and delete conflicts."""

from __future__ import annotations

import re

from tests.helpers import aws_error


def test_create_get_list_groups(iam, account_id):
    group = iam.create_group(GroupName="Devs", Path="/eng/")["Group"]
    assert re.fullmatch(r"AGPA[A-Z0-9]{17}", group["GroupId"])
    assert group["Arn"] == f"arn:aws:iam::{account_id}:group/eng/Devs" and group["Path"] == "/eng/"
    iam.create_group(GroupName="admins")
    got = iam.get_group(GroupName="devs")
    assert got["Group"] == group and got["Users"] == [] and not got["IsTruncated"]
    assert [g["GroupName"] for g in iam.list_groups()["Groups"]] == ["admins", "Devs"]
    assert [g["GroupName"] for g in iam.list_groups(PathPrefix="/eng")["Groups"]] == ["Devs"]
    first = iam.list_groups(MaxItems=1)
    assert first["IsTruncated"] and [g["GroupName"] for g in first["Groups"]] == ["admins"]
    assert [g["GroupName"] for g in iam.list_groups(Marker=first["Marker"])["Groups"]] == ["Devs"]


def test_group_errors(iam):
    iam.create_group(GroupName="Devs")
    with aws_error("EntityAlreadyExists", 409, "Group with name devs already exists."):
        iam.create_group(GroupName="devs")
    with aws_error("NoSuchEntity", 404, "The group with name ghost cannot be found."):
        iam.get_group(GroupName="ghost")
    with aws_error("NoSuchEntity", 404):
        iam.delete_group(GroupName="ghost")
    with aws_error("NoSuchEntity", 404, "The user with name nobody cannot be found."):
        iam.add_user_to_group(GroupName="Devs", UserName="nobody")
    with aws_error("NoSuchEntity", 404, "The group with name ghost cannot be found."):
        iam.add_user_to_group(GroupName="ghost", UserName="nobody")


def test_membership_and_paging(iam):
    iam.create_group(GroupName="devs")
    for name in ("carol", "alice", "Bob"):
        iam.create_user(UserName=name)
        iam.add_user_to_group(GroupName="DEVS", UserName=name)
    iam.add_user_to_group(GroupName="devs", UserName="alice")  # already a member: no change
    page = iam.get_group(GroupName="devs", MaxItems=2)
    assert [u["UserName"] for u in page["Users"]] == ["alice", "Bob"] and page["IsTruncated"]
    rest = iam.get_group(GroupName="devs", Marker=page["Marker"])
    assert [u["UserName"] for u in rest["Users"]] == ["carol"] and not rest["IsTruncated"]
    assert rest["Users"][0]["UserId"].startswith("AIDA")
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName="alice")["Groups"]] == ["devs"]
    iam.remove_user_from_group(GroupName="devs", UserName="ALICE")
    assert iam.list_groups_for_user(UserName="alice")["Groups"] == []
    # issue 14: removing a non-member succeeds (it was NoSuchEntity here), as IAM answers it
    iam.remove_user_from_group(GroupName="devs", UserName="alice")
    with aws_error("NoSuchEntity", 404):
        iam.list_groups_for_user(UserName="ghost")


def test_groups_per_user_limit(iam):
    iam.create_user(UserName="bob")
    for n in range(10):
        iam.create_group(GroupName=f"g{n}")
        iam.add_user_to_group(GroupName=f"g{n}", UserName="bob")
    iam.create_group(GroupName="one-too-many")
    with aws_error("LimitExceeded", 409, "Cannot exceed quota for GroupsPerUser: 10"):
        iam.add_user_to_group(GroupName="one-too-many", UserName="bob")


def test_rename_group_keeps_members(iam, account_id):
    iam.create_group(GroupName="devs")
    iam.create_group(GroupName="ops")
    iam.create_user(UserName="bob")
    iam.add_user_to_group(GroupName="devs", UserName="bob")
    with aws_error("EntityAlreadyExists", 409, "Group with name OPS already exists."):
        iam.update_group(GroupName="devs", NewGroupName="OPS")
    iam.update_group(GroupName="devs", NewGroupName="Engineers", NewPath="/eng/")
    group = iam.get_group(GroupName="engineers")
    assert group["Group"]["Arn"] == f"arn:aws:iam::{account_id}:group/eng/Engineers"
    assert [u["UserName"] for u in group["Users"]] == ["bob"]
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName="bob")["Groups"]] == ["Engineers"]
    with aws_error("NoSuchEntity", 404):
        iam.get_group(GroupName="devs")
    iam.remove_user_from_group(GroupName="Engineers", UserName="bob")
    iam.delete_group(GroupName="engineers")


def test_deleting_a_user_or_group_keeps_both_sides_consistent(iam):
    iam.create_group(GroupName="devs")
    iam.create_user(UserName="bob")
    iam.add_user_to_group(GroupName="devs", UserName="bob")
    iam.update_user(UserName="bob", NewUserName="rob")
    iam.remove_user_from_group(GroupName="devs", UserName="rob")
    iam.delete_user(UserName="rob")
    assert iam.get_group(GroupName="devs")["Users"] == []


def test_delete_group_conflicts(iam, account_id, server):
    iam.create_group(GroupName="devs")
    iam.create_user(UserName="bob")
    iam.add_user_to_group(GroupName="devs", UserName="bob")
    with aws_error("DeleteConflict", 409, "Cannot delete entity, must remove users from group first."):
        iam.delete_group(GroupName="devs")
    iam.remove_user_from_group(GroupName="devs", UserName="bob")
    group = server.store.account(account_id).iam.groups.get("devs")
    group.inline_policies["p"] = "{}"  # set directly: inline group policies are another module's handlers
    with aws_error("DeleteConflict", 409, "Cannot delete entity, must delete policies first."):
        iam.delete_group(GroupName="devs")
    group.inline_policies.clear()
    group.attached_policies.append("arn:aws:iam::aws:policy/ReadOnlyAccess")
    with aws_error("DeleteConflict", 409, "Cannot delete entity, must detach all policies first."):
        iam.delete_group(GroupName="devs")
    group.attached_policies.clear()
    iam.delete_group(GroupName="devs")
    assert iam.list_groups()["Groups"] == []
