"""Issue 14, "Exactness of what exists": responses, codes, messages and quotas as IAM and STS give them."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import boto3
import pytest

import ec2sim.api.iam as iam_api
from ec2sim.api.iam.messages import MESSAGES
from ec2sim.iam.policy.grammar import PolicyError, parse_policy
from tests.helpers import aws_error

DOCUMENT = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
)


def _trust(principal: dict[str, Any], actions: tuple[str, ...] = ("sts:AssumeRole",)) -> str:
    statement = {"Effect": "Allow", "Principal": principal, "Action": list(actions)}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _client(server: Any, service: str, creds: dict[str, Any]) -> Any:
    return boto3.client(
        service,
        region_name="us-east-1",
        endpoint_url=server.api_url,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds.get("SessionToken"),
    )


# Empty lists and exact fields ---------------------------------------------------------------------


def test_untagged_entities_answer_empty_tags(iam: Any) -> None:
    """GetInstanceProfile, GetPolicy and GetAccountAuthorizationDetails answer <Tags/>, not nothing."""
    iam.create_instance_profile(InstanceProfileName="p")
    assert iam.get_instance_profile(InstanceProfileName="p")["InstanceProfile"]["Tags"] == []
    arn = iam.create_policy(PolicyName="pol", PolicyDocument=DOCUMENT)["Policy"]["Arn"]
    assert iam.get_policy(PolicyArn=arn)["Policy"]["Tags"] == []
    iam.create_user(UserName="u")
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=_trust({"Service": "ec2.amazonaws.com"}))
    details = iam.get_account_authorization_details()
    assert [u["Tags"] for u in details["UserDetailList"]] == [[]]
    assert [r["Tags"] for r in details["RoleDetailList"]] == [[]]


def test_create_role_and_update_role_description_fields(iam: Any) -> None:
    """Field by field as botocore's Role shape and the API reference examples show them: CreateRole
    without MaxSessionDuration or RoleLastUsed; UpdateRoleDescription with them."""
    trust = _trust({"Service": "ec2.amazonaws.com"})
    created = iam.create_role(RoleName="r", AssumeRolePolicyDocument=trust)["Role"]
    base = {"Path", "RoleName", "RoleId", "Arn", "CreateDate", "AssumeRolePolicyDocument"}
    assert set(created) == base
    updated = iam.update_role_description(RoleName="r", Description="d")["Role"]
    assert set(updated) == base | {"Description", "MaxSessionDuration", "RoleLastUsed"}
    assert updated["Description"] == "d" and updated["MaxSessionDuration"] == 3600
    assert updated["RoleLastUsed"] == {}


def test_account_summary_has_account_password_present(iam: Any) -> None:
    summary = iam.get_account_summary()["SummaryMap"]
    assert summary["AccountPasswordPresent"] == 1


def test_credential_report_columns_in_aws_order(iam: Any) -> None:
    """IAM User Guide, "Getting credential reports": each key's five columns, key 1 before key 2."""
    iam.generate_credential_report()
    report = iam.get_credential_report()["Content"].decode()
    header = next(csv.reader(io.StringIO(report)))
    key = ["active", "last_rotated", "last_used_date", "last_used_region", "last_used_service"]
    assert header == [
        "user",
        "arn",
        "user_creation_time",
        "password_enabled",
        "password_last_used",
        "password_last_changed",
        "password_next_rotation",
        "mfa_active",
        *(f"access_key_1_{c}" for c in key),
        *(f"access_key_2_{c}" for c in key),
        "cert_1_active",
        "cert_1_last_rotated",
        "cert_2_active",
        "cert_2_last_rotated",
    ]


# Codes ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "arn, message",
    [
        ("not-an-arn-at-all-xx", "ARN not-an-arn-at-all-xx is not valid."),
        ("arn:aws-cn:iam::aws:policy/ReadOnlyAccess", "Invalid ARN partition"),
    ],
)
def test_malformed_policy_arn_is_validation_error(iam: Any, arn: str, message: str) -> None:
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=_trust({"Service": "ec2.amazonaws.com"}))
    with aws_error("ValidationError", 400, message):
        iam.get_policy(PolicyArn=arn)
    with aws_error("ValidationError", 400, message):
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=DOCUMENT)


def test_unknown_access_key_last_used_is_access_denied(iam: Any, account_id: str) -> None:
    with aws_error(
        "AccessDenied",
        403,
        f"User: arn:aws:iam::{account_id}:root is not authorized to perform: iam:GetAccessKeyLastUsed "
        "on resource: access key AKIAAAAAAAAAAAAAAAAA",
    ):
        iam.get_access_key_last_used(AccessKeyId="AKIAAAAAAAAAAAAAAAAA")


def test_assume_role_with_malformed_arn_is_validation_error(server: Any, iam: Any) -> None:
    iam.create_user(UserName="alice")
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    with aws_error("ValidationError", 400, "Request ARN is invalid"):
        _client(server, "sts", key).assume_role(RoleArn="arn:aws:iam::role/nothing", RoleSessionName="s1")


# Messages ---------------------------------------------------------------------------------------


def test_messages_named_in_the_issue(iam: Any, account_id: str) -> None:
    with aws_error("MalformedPolicyDocument", 400, "This policy contains invalid Json"):
        iam.create_role(RoleName="r", AssumeRolePolicyDocument="{not json")
    with aws_error("NoSuchEntity", 404, "The account policy with name PasswordPolicy cannot be found."):
        iam.delete_account_password_policy()
    iam.create_instance_profile(InstanceProfileName="prof")
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=_trust({"Service": "ec2.amazonaws.com"}))
    with aws_error("NoSuchEntity", 404, "Role r in Instance Profile prof cannot be found."):
        iam.remove_role_from_instance_profile(InstanceProfileName="prof", RoleName="r")
    foreign = "arn:aws:iam::000000000001:policy/theirs"  # no test account is 000000000001
    with aws_error("AccessDenied", 403, "Cannot update policies outside your own account."):
        iam.create_policy_version(PolicyArn=foreign, PolicyDocument=DOCUMENT)


def test_message_table_templates_are_well_formed() -> None:
    for code, template in MESSAGES.values():
        assert code and template and template == template.strip()


_HANDLERS = sorted(p.stem for p in Path(iam_api.__file__).parent.glob("*.py") if p.stem != "messages")


@pytest.mark.parametrize("module", _HANDLERS)
def test_handlers_take_their_messages_from_the_table(module: str) -> None:
    """No literal message in IAM's handlers: only the table's, a resource type's not-found, or a
    parser's error passed on (``AwsError(*...)``, ``AwsError(error.code, error.message)``)."""
    source = (Path(iam_api.__file__).parent / f"{module}.py").read_text()
    assert re.search(r'AwsError\(\s*f?["\']', source) is None


# Semantics --------------------------------------------------------------------------------------


def test_remove_user_from_group_of_non_member_succeeds(iam: Any) -> None:
    iam.create_group(GroupName="g")
    iam.create_user(UserName="u")
    iam.remove_user_from_group(GroupName="g", UserName="u")
    assert iam.get_group(GroupName="g")["Users"] == []


def test_policy_tag_keys_are_case_sensitive_and_listed_as_added(iam: Any) -> None:
    arn = iam.create_policy(
        PolicyName="p", PolicyDocument=DOCUMENT, Tags=[{"Key": "z", "Value": "1"}, {"Key": "a", "Value": "2"}]
    )["Policy"]["Arn"]
    iam.tag_policy(PolicyArn=arn, Tags=[{"Key": "A", "Value": "3"}])
    assert iam.list_policy_tags(PolicyArn=arn)["Tags"] == [
        {"Key": "z", "Value": "1"},
        {"Key": "a", "Value": "2"},
        {"Key": "A", "Value": "3"},
    ]
    iam.untag_policy(PolicyArn=arn, TagKeys=["A"])
    assert [t["Key"] for t in iam.get_policy(PolicyArn=arn)["Policy"]["Tags"]] == ["z", "a"]


@pytest.mark.parametrize(
    "resource",
    [
        "arn:aws:s3:us-east-1:123456789012:accesspoint/my-ap",
        "arn:aws:s3:us-west-2:123456789012:accesspoint/*",
    ],
)
def test_s3_access_point_arn_with_region_is_a_valid_resource(resource: str) -> None:
    text = json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": resource}]}
    )
    parse_policy(text, "managed")
    with pytest.raises(PolicyError, match="can not contain region information"):
        parse_policy(text.replace("accesspoint/", "").replace(":us-", ":us-"), "managed")


def _tagging_role(iam: Any, name: str, principal: str) -> str:
    trust = _trust({"AWS": principal}, ("sts:AssumeRole", "sts:TagSession"))
    return str(iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)["Role"]["Arn"])


def test_transitive_tag_keys_validated_and_carried_to_chained_sessions(
    server: Any, iam: Any, account_id: str
) -> None:
    iam.create_user(UserName="alice")
    allow = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    iam.put_user_policy(UserName="alice", PolicyName="all", PolicyDocument=json.dumps(allow))
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    first = _tagging_role(iam, "first", account_id)
    second = _tagging_role(iam, "second", account_id)
    iam.put_role_policy(RoleName="first", PolicyName="all", PolicyDocument=json.dumps(allow))
    sts = _client(server, "sts", key)
    tags = [{"Key": "team", "Value": "blue"}, {"Key": "env", "Value": "dev"}]
    with aws_error(
        "InvalidParameterValue",
        400,
        "The specified transitive tag key must be included in the requested tags.",
    ):
        sts.assume_role(RoleArn=first, RoleSessionName="s1", Tags=tags, TransitiveTagKeys=["cost"])
    creds = sts.assume_role(RoleArn=first, RoleSessionName="s1", Tags=tags, TransitiveTagKeys=["TEAM"])
    chained = _client(server, "sts", creds["Credentials"])
    with aws_error(
        "InvalidParameterValue",
        400,
        "One of the specified transitive tag keys can't be set because it conflicts with a transitive "
        "tag key from the calling session.",
    ):
        chained.assume_role(RoleArn=second, RoleSessionName="s2", Tags=[{"Key": "Team", "Value": "red"}])
    # the chained session carries team (transitive) but not env; it may add tags of its own
    again = chained.assume_role(RoleArn=second, RoleSessionName="s2", Tags=[{"Key": "env", "Value": "prod"}])
    # a role whose trust policy asks for both tags: the third session sees team=blue inherited
    third = _tagging_role(iam, "third", account_id)
    condition = {"StringEquals": {"aws:PrincipalTag/team": "blue", "aws:PrincipalTag/env": "prod"}}
    iam.update_assume_role_policy(
        RoleName="third",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": account_id},
                        "Action": "sts:AssumeRole",
                        "Condition": condition,
                    }
                ],
            }
        ),
    )
    allow_second = {"RoleName": "second", "PolicyName": "all", "PolicyDocument": json.dumps(allow)}
    iam.put_role_policy(**allow_second)
    assert _client(server, "sts", again["Credentials"]).assume_role(RoleArn=third, RoleSessionName="s3")


def test_packed_policy_size_grows_with_the_policy(server: Any, iam: Any, account_id: str) -> None:
    """A percentage of the packed budget, not a constant: white space is free, statements are not."""
    iam.create_user(UserName="alice")
    allow = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    iam.put_user_policy(UserName="alice", PolicyName="all", PolicyDocument=json.dumps(allow))
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    role = iam.create_role(RoleName="r", AssumeRolePolicyDocument=_trust({"AWS": account_id}))["Role"]["Arn"]
    sts = _client(server, "sts", key)

    def packed(policy: str) -> int:
        return int(sts.assume_role(RoleArn=role, RoleSessionName="s1", Policy=policy)["PackedPolicySize"])

    statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    one = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    five = json.dumps(
        {"Version": "2012-10-17", "Statement": [dict(statement, Sid=f"S{i}") for i in range(5)]}
    )
    assert 0 < packed(one) < packed(five) <= 100
    assert packed(json.dumps(json.loads(one), indent=8)) == packed(one)


# Quotas -----------------------------------------------------------------------------------------


def test_quotas_users_meet_first(iam: Any) -> None:
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=_trust({"Service": "ec2.amazonaws.com"}))
    arns = [
        iam.create_policy(PolicyName=f"p{i}", PolicyDocument=DOCUMENT)["Policy"]["Arn"] for i in range(11)
    ]
    for arn in arns[:10]:
        iam.attach_role_policy(RoleName="r", PolicyArn=arn)
    with aws_error("LimitExceeded", 409, "Cannot exceed quota for PoliciesPerRole: 10"):
        iam.attach_role_policy(RoleName="r", PolicyArn=arns[10])
    for _ in range(4):
        iam.create_policy_version(PolicyArn=arns[0], PolicyDocument=DOCUMENT)
    with aws_error(
        "LimitExceeded",
        409,
        "A managed policy can have up to 5 versions. Before you create a new version, "
        "you must delete an existing version.",
    ):
        iam.create_policy_version(PolicyArn=arns[0], PolicyDocument=DOCUMENT)
    iam.create_user(UserName="u")
    iam.create_access_key(UserName="u")
    iam.create_access_key(UserName="u")
    with aws_error("LimitExceeded", 409, "Cannot exceed quota for AccessKeysPerUser: 2"):
        iam.create_access_key(UserName="u")
    for i in range(11):
        iam.create_group(GroupName=f"g{i}")
    for i in range(10):
        iam.add_user_to_group(GroupName=f"g{i}", UserName="u")
    with aws_error("LimitExceeded", 409, "Cannot exceed quota for GroupsPerUser: 10"):
        iam.add_user_to_group(GroupName="g10", UserName="u")
    iam.create_instance_profile(InstanceProfileName="prof")
    iam.add_role_to_instance_profile(InstanceProfileName="prof", RoleName="r")
    with aws_error("LimitExceeded", 409, "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1"):
        iam.add_role_to_instance_profile(InstanceProfileName="prof", RoleName="r")
