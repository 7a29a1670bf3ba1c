"""IAM account-level actions: summary, authorization details, alias, credential report."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone
from typing import Any

import requests

from tests.helpers import aws_error

TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}
POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
}
S3_READ = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
EC2_READ = "arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess"
ZERO_USAGE = {
    "Users": 0,
    "Groups": 0,
    "Roles": 0,
    "InstanceProfiles": 0,
    "Policies": 0,
    "PolicyVersionsInUse": 0,
    "MFADevices": 0,
    "MFADevicesInUse": 0,
    "ServerCertificates": 0,
    "Providers": 0,
    "AccountMFAEnabled": 0,
    "AccountAccessKeysPresent": 0,
    "AccountSigningCertificatesPresent": 0,
    "AccountPasswordPresent": 1,  # issue 14: AWS's summary names it
}
DEFAULT_QUOTAS = {
    "UsersQuota": 5000,
    "GroupsQuota": 300,
    "RolesQuota": 1000,
    "InstanceProfilesQuota": 1000,
    "PoliciesQuota": 1500,
    "ServerCertificatesQuota": 20,
    "AccessKeysPerUserQuota": 2,
    "SigningCertificatesPerUserQuota": 2,
    "GroupsPerUserQuota": 10,
    "AttachedPoliciesPerUserQuota": 10,
    "AttachedPoliciesPerGroupQuota": 10,
    "AttachedPoliciesPerRoleQuota": 10,
    "VersionsPerPolicyQuota": 5,
    "PolicyVersionsInUseQuota": 10000,
    "PolicySizeQuota": 6144,
    "UserPolicySizeQuota": 2048,
    "GroupPolicySizeQuota": 5120,
    "RolePolicySizeQuota": 10240,
    "AssumeRolePolicySizeQuota": 2048,
    "GlobalEndpointTokenVersion": 1,
}


def populate(iam: Any) -> str:
    """A user in a group, a role in an instance profile, policies of every kind; the customer policy ARN."""
    policy_arn = iam.create_policy(
        PolicyName="reader", Path="/team/", PolicyDocument=json.dumps(POLICY), Description="reads"
    )["Policy"]["Arn"]
    iam.create_policy_version(PolicyArn=policy_arn, PolicyDocument=json.dumps(POLICY), SetAsDefault=True)
    iam.create_user(UserName="alice", Tags=[{"Key": "team", "Value": "blue"}], PermissionsBoundary=S3_READ)
    iam.create_group(GroupName="Devs")
    iam.add_user_to_group(GroupName="Devs", UserName="alice")
    iam.put_user_policy(UserName="alice", PolicyName="inline-u", PolicyDocument=json.dumps(POLICY))
    iam.attach_user_policy(UserName="alice", PolicyArn=policy_arn)
    iam.put_group_policy(GroupName="Devs", PolicyName="inline-g", PolicyDocument=json.dumps(POLICY))
    iam.attach_group_policy(GroupName="Devs", PolicyArn=S3_READ)
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=json.dumps(TRUST))
    iam.create_instance_profile(InstanceProfileName="app-profile")
    iam.add_role_to_instance_profile(InstanceProfileName="app-profile", RoleName="app")
    iam.put_role_policy(RoleName="app", PolicyName="inline-r", PolicyDocument=json.dumps(POLICY))
    iam.attach_role_policy(RoleName="app", PolicyArn=policy_arn)
    return policy_arn


# GetAccountSummary -------------------------------------------------------------------------------


def test_summary_of_a_new_account(iam):
    assert iam.get_account_summary()["SummaryMap"] == {**ZERO_USAGE, **DEFAULT_QUOTAS}


def test_summary_counts(iam):
    populate(iam)
    summary = iam.get_account_summary()["SummaryMap"]
    assert {k: summary[k] for k in ("Users", "Groups", "Roles", "InstanceProfiles", "Policies")} == {
        "Users": 1,
        "Groups": 1,
        "Roles": 1,
        "InstanceProfiles": 1,
        "Policies": 1,
    }
    assert summary["PolicyVersionsInUse"] == 3  # attachments: alice and app to reader, Devs to S3 read-only
    assert summary["RolesQuota"] == 1000


# GetAccountAuthorizationDetails --------------------------------------------------------------------


def test_authorization_details(iam, account_id):
    policy_arn = populate(iam)
    details = iam.get_account_authorization_details()
    assert not details["IsTruncated"]
    [user] = details["UserDetailList"]
    assert user["UserName"] == "alice" and user["Arn"] == f"arn:aws:iam::{account_id}:user/alice"
    assert user["GroupList"] == ["Devs"] and user["Tags"] == [{"Key": "team", "Value": "blue"}]
    assert user["UserPolicyList"] == [{"PolicyName": "inline-u", "PolicyDocument": POLICY}]
    assert user["AttachedManagedPolicies"] == [{"PolicyName": "reader", "PolicyArn": policy_arn}]
    assert user["PermissionsBoundary"] == {
        "PermissionsBoundaryType": "Policy",
        "PermissionsBoundaryArn": S3_READ,
    }
    [group] = details["GroupDetailList"]
    assert group["GroupName"] == "Devs" and group["GroupId"].startswith("AGPA")
    assert group["GroupPolicyList"] == [{"PolicyName": "inline-g", "PolicyDocument": POLICY}]
    assert group["AttachedManagedPolicies"] == [
        {"PolicyName": "AmazonS3ReadOnlyAccess", "PolicyArn": S3_READ}
    ]
    [role] = details["RoleDetailList"]
    assert role["RoleName"] == "app" and role["AssumeRolePolicyDocument"] == TRUST
    assert role["RolePolicyList"] == [{"PolicyName": "inline-r", "PolicyDocument": POLICY}]
    assert role["AttachedManagedPolicies"] == [{"PolicyName": "reader", "PolicyArn": policy_arn}]
    assert role["RoleLastUsed"] == {} and role["Tags"] == []  # issue 14: <Tags/> in GAAD entries
    [profile] = role["InstanceProfileList"]
    assert profile["InstanceProfileName"] == "app-profile" and profile["Roles"][0]["RoleName"] == "app"
    policies = {p["Arn"]: p for p in details["Policies"]}
    assert set(policies) == {policy_arn, S3_READ}  # AWS managed: only those attached (not EC2 read-only)
    local = policies[policy_arn]
    assert local["PolicyName"] == "reader" and local["Path"] == "/team/" and local["Description"] == "reads"
    assert local["DefaultVersionId"] == "v2" and local["AttachmentCount"] == 2 and local["IsAttachable"]
    assert local["PermissionsBoundaryUsageCount"] == 0
    assert [(v["VersionId"], v["IsDefaultVersion"]) for v in local["PolicyVersionList"]] == [
        ("v2", True),
        ("v1", False),
    ]
    assert local["PolicyVersionList"][0]["Document"] == POLICY
    aws = policies[S3_READ]
    assert aws["AttachmentCount"] == 1 and aws["PermissionsBoundaryUsageCount"] == 1
    assert aws["PolicyVersionList"][0]["IsDefaultVersion"]


def test_authorization_details_filters(iam):
    policy_arn = populate(iam)
    roles_only = iam.get_account_authorization_details(Filter=["Role"])
    assert [r["RoleName"] for r in roles_only["RoleDetailList"]] == ["app"]
    assert roles_only["UserDetailList"] == roles_only["GroupDetailList"] == roles_only["Policies"] == []
    local = iam.get_account_authorization_details(Filter=["LocalManagedPolicy"])["Policies"]
    assert [p["Arn"] for p in local] == [policy_arn]
    aws = iam.get_account_authorization_details(Filter=["AWSManagedPolicy"])["Policies"]
    assert [p["Arn"] for p in aws] == [S3_READ]
    both = iam.get_account_authorization_details(Filter=["User", "Group"])
    assert len(both["UserDetailList"]) == len(both["GroupDetailList"]) == 1 and both["RoleDetailList"] == []
    with aws_error("ValidationError", 400):
        iam.get_account_authorization_details(Filter=["Nothing"])


def test_authorization_details_paging(iam):
    populate(iam)
    first = iam.get_account_authorization_details(MaxItems=2)
    assert first["IsTruncated"]
    assert (len(first["UserDetailList"]), len(first["GroupDetailList"]), len(first["RoleDetailList"])) == (
        1,
        1,
        0,
    )
    rest = iam.get_account_authorization_details(MaxItems=10, Marker=first["Marker"])
    assert not rest["IsTruncated"] and len(rest["RoleDetailList"]) == 1 and len(rest["Policies"]) == 2
    with aws_error("InvalidInput", 400):
        iam.get_account_authorization_details(Marker="not-a-marker")


# Account alias ------------------------------------------------------------------------------------


def test_account_alias(iam, make_client, account_id):
    alias = f"corp-{account_id}"
    assert iam.list_account_aliases()["AccountAliases"] == []
    iam.create_account_alias(AccountAlias=alias)
    assert iam.list_account_aliases()["AccountAliases"] == [alias]
    iam.create_account_alias(AccountAlias=alias + "-new")  # one per account: the new one replaces it
    assert iam.list_account_aliases()["AccountAliases"] == [alias + "-new"]
    other = make_client("iam", str(int(account_id) + 1).zfill(12))
    with aws_error("EntityAlreadyExists", 409, alias + "-new"):
        other.create_account_alias(AccountAlias=alias + "-new")
    other.create_account_alias(AccountAlias=alias)  # released by the first account
    with aws_error("NoSuchEntity", 404, alias):
        iam.delete_account_alias(AccountAlias=alias)
    iam.delete_account_alias(AccountAlias=alias + "-new")
    assert iam.list_account_aliases()["AccountAliases"] == []
    for bad in ("Upper-case", "double--dash", "-lead", "trail-"):
        with aws_error("ValidationError", 400):
            iam.create_account_alias(AccountAlias=bad)


# Credential report ----------------------------------------------------------------------------------


def _report(iam: Any) -> list[dict[str, str]]:
    reply = iam.get_credential_report()
    assert reply["ReportFormat"] == "text/csv" and isinstance(reply["GeneratedTime"], datetime)
    text = reply["Content"].decode()
    assert text.startswith(
        "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
        "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
        "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
        "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
        "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,"
        "cert_2_active,cert_2_last_rotated\n<root_account>,"
    )
    return list(csv.DictReader(io.StringIO(text)))


def _iso(value: datetime) -> str:
    return value.astimezone(timezone.utc).replace(microsecond=0).isoformat()


def test_credential_report_lifecycle(iam, server):
    with aws_error("ReportNotPresent", 410):
        iam.get_credential_report()
    started = iam.generate_credential_report()
    assert started["State"] == "STARTED"
    assert started["Description"] == "No report exists. Starting a new report generation task"
    assert iam.generate_credential_report()["State"] == "COMPLETE"
    assert [row["user"] for row in _report(iam)] == ["<root_account>"]
    requests.post(server.api_url + "/_ec2sim/clock", json={"advance_seconds": 4 * 3600 + 1})
    with aws_error("ReportExpired", 410):
        iam.get_credential_report()
    assert iam.generate_credential_report()["State"] == "STARTED"
    assert len(_report(iam)) == 1


def test_credential_report_rows(iam, server, account_id):
    state = server.store.account(account_id).iam
    bob = iam.create_user(UserName="bob")["User"]
    carol = iam.create_user(UserName="carol", Path="/ops/")["User"]
    iam.create_login_profile(UserName="carol", Password="Sup3r-Secret!")
    iam.update_account_password_policy(MinimumPasswordLength=8, MaxPasswordAge=90)
    first = iam.create_access_key(UserName="carol")["AccessKey"]
    second = iam.create_access_key(UserName="carol")["AccessKey"]
    iam.update_access_key(UserName="carol", AccessKeyId=second["AccessKeyId"], Status="Inactive")
    used = datetime(2024, 3, 1, 8, 30, 15, tzinfo=timezone.utc)
    with server.store.lock:
        key = state.users.get("carol").access_keys[first["AccessKeyId"]]
        key.last_used_date, key.last_used_region, key.last_used_service = used, "eu-west-1", "ec2"
        state.users.get("carol").mfa_devices.append(f"arn:aws:iam::{account_id}:mfa/carol")
    iam.generate_credential_report()
    root, bob_row, carol_row = _report(iam)

    assert root["arn"] == f"arn:aws:iam::{account_id}:root"
    assert [
        root[c]
        for c in (
            "password_enabled",
            "password_last_used",
            "password_last_changed",
            "password_next_rotation",
            "mfa_active",
        )
    ] == ["not_supported", "no_information", "not_supported", "not_supported", "false"]
    assert datetime.fromisoformat(root["user_creation_time"]) <= bob["CreateDate"]
    assert _row_tail(root) == ["false", "N/A", "N/A", "N/A", "N/A"] * 2 + ["false", "N/A", "false", "N/A"]

    assert bob_row["user"] == "bob" and bob_row["arn"] == bob["Arn"]
    assert bob_row["user_creation_time"] == _iso(bob["CreateDate"])
    assert [
        bob_row[c]
        for c in (
            "password_enabled",
            "password_last_used",
            "password_last_changed",
            "password_next_rotation",
            "mfa_active",
        )
    ] == ["false", "N/A", "N/A", "N/A", "false"]
    assert _row_tail(bob_row) == _row_tail(root)

    created = iam.get_login_profile(UserName="carol")["LoginProfile"]["CreateDate"]
    assert carol_row["arn"] == carol["Arn"] and carol_row["password_enabled"] == "true"
    assert carol_row["password_last_used"] == "no_information"
    assert carol_row["password_last_changed"] == _iso(created)
    assert carol_row["password_next_rotation"] == _iso(created + timedelta(days=90))
    assert carol_row["mfa_active"] == "true"
    assert _row_tail(carol_row) == [
        "true",
        _iso(first["CreateDate"]),
        _iso(used),
        "eu-west-1",
        "ec2",
        "false",
        _iso(second["CreateDate"]),
        "N/A",
        "N/A",
        "N/A",
        "false",
        "N/A",
        "false",
        "N/A",
    ]


def _row_tail(row: dict[str, str]) -> list[str]:
    """Access key and certificate columns, in report order."""
    keys = [
        f"access_key_{n}_{c}"
        for n in (1, 2)
        for c in ("active", "last_rotated", "last_used_date", "last_used_region", "last_used_service")
    ]
    return [
        row[c]
        for c in keys + ["cert_1_active", "cert_1_last_rotated", "cert_2_active", "cert_2_last_rotated"]
    ]
