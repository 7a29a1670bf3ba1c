"""Managed policies over the wire: CreatePolicy … SetDefaultPolicyVersion, AWS-managed ones included."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ec2sim.iam.policy.grammar import parse_policy
from ec2sim.store.iam.managed import aws_managed_policies
from tests.helpers import aws_error

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
DOCUMENT = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}],
}


def create(iam: Any, name: str = "p", document: dict[str, Any] = DOCUMENT, **extra: Any) -> dict[str, Any]:
    return iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(document), **extra)["Policy"]


def test_create_get_and_document(iam: Any, account_id: str) -> None:
    created = create(
        iam, "reader", Path="/team/", Description="read things", Tags=[{"Key": "k", "Value": "v"}]
    )
    arn = f"arn:aws:iam::{account_id}:policy/team/reader"
    assert created["Arn"] == arn and created["PolicyId"].startswith("ANPA") and created["Path"] == "/team/"
    assert (created["DefaultVersionId"], created["AttachmentCount"], created["IsAttachable"]) == (
        "v1",
        0,
        True,
    )
    got = iam.get_policy(PolicyArn=arn)["Policy"]
    assert got["Description"] == "read things" and got["Tags"] == [{"Key": "k", "Value": "v"}]
    assert got["PermissionsBoundaryUsageCount"] == 0 and got["CreateDate"] == got["UpdateDate"]
    version = iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"]
    assert version["Document"] == DOCUMENT and version["IsDefaultVersion"] is True


def test_document_with_special_characters_round_trips(iam: Any) -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "A1",
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::b/a+b c&d=%20?#é",
            }
        ],
    }
    arn = create(iam, document=document)["Arn"]
    assert iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"]["Document"] == document


def test_duplicate_name(iam: Any) -> None:
    create(iam, "dup")
    with aws_error(
        "EntityAlreadyExists", 409, "A policy called DUP already exists. Duplicate names are not allowed."
    ):
        create(iam, "DUP", Path="/other/")


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"Statement": DOCUMENT["Statement"]}, "Policy document must be version 2012-10-17 or greater."),
        (
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:X"}]},
            "Policy statement must contain resources.",
        ),
        (
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "x", "Resource": "*"}]},
            "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
        ),
    ],
)
def test_malformed_documents(iam: Any, document: dict[str, Any], message: str) -> None:
    with aws_error("MalformedPolicyDocument", 400, message) as caught:
        create(iam, document=document)
    assert caught()["Message"] == message


def test_policy_size_quota(iam: Any) -> None:
    actions = [f"ec2:Describe{i:05d}" for i in range(330)]
    big = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}
    with aws_error("LimitExceeded", 409, "Cannot exceed quota for PolicySize: 6144"):
        create(iam, document=big)


def test_missing_policy(iam: Any, account_id: str) -> None:
    arn = f"arn:aws:iam::{account_id}:policy/nope"
    with aws_error("NoSuchEntity", 404, f"Policy {arn} was not found."):
        iam.get_policy(PolicyArn=arn)
    with aws_error("NoSuchEntity", 404, f"Policy {arn} was not found."):
        iam.delete_policy(PolicyArn=arn)


def test_aws_managed_policies(iam: Any) -> None:
    admin = iam.get_policy(PolicyArn=ADMIN)["Policy"]
    assert (admin["PolicyId"], admin["DefaultVersionId"], admin["Path"]) == (
        "ANPAIWMBCKSKIEE64ZLYK",
        "v1",
        "/",
    )
    version = iam.get_policy_version(PolicyArn=ADMIN, VersionId="v1")["PolicyVersion"]
    assert version["Document"]["Statement"] == [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
    power = iam.get_policy(PolicyArn="arn:aws:iam::aws:policy/PowerUserAccess")["Policy"]
    document = iam.get_policy_version(PolicyArn=power["Arn"], VersionId=power["DefaultVersionId"])
    assert document["PolicyVersion"]["Document"]["Statement"][0]["NotAction"] == [
        "iam:*",
        "organizations:*",
        "account:*",
    ]
    lambda_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    assert iam.get_policy(PolicyArn=lambda_arn)["Policy"]["Path"] == "/service-role/"


def test_aws_managed_policies_are_immutable(iam: Any) -> None:
    with aws_error("AccessDenied", 403, "iam:DeletePolicy"):
        iam.delete_policy(PolicyArn=ADMIN)
    with aws_error("AccessDenied", 403, "iam:CreatePolicyVersion"):
        iam.create_policy_version(PolicyArn=ADMIN, PolicyDocument=json.dumps(DOCUMENT))
    with aws_error("AccessDenied", 403):
        iam.tag_policy(PolicyArn=ADMIN, Tags=[{"Key": "a", "Value": "b"}])


def test_list_policies_scope_path_and_paging(iam: Any, account_id: str) -> None:
    create(iam, "b-local", Path="/x/")
    create(iam, "a-local")
    local = iam.list_policies(Scope="Local")["Policies"]
    assert [p["PolicyName"] for p in local] == ["a-local", "b-local"]
    assert "Description" not in local[0]
    aws = {p["PolicyName"] for p in iam.list_policies(Scope="AWS")["Policies"]}
    assert {"AdministratorAccess", "ReadOnlyAccess", "AmazonSSMManagedInstanceCore"} <= aws
    assert "a-local" not in aws
    assert [p["PolicyName"] for p in iam.list_policies(Scope="Local", PathPrefix="/x/")["Policies"]] == [
        "b-local"
    ]
    first = iam.list_policies(Scope="All", MaxItems=3)
    assert first["IsTruncated"] and len(first["Policies"]) == 3
    rest = iam.list_policies(Scope="All", Marker=first["Marker"])
    names = [p["PolicyName"] for p in first["Policies"] + rest["Policies"]]
    assert not rest["IsTruncated"] and len(names) == len(set(names)) and "a-local" in names


def test_list_only_attached(iam: Any) -> None:
    arn = create(iam, "attached")["Arn"]
    create(iam, "loose")
    iam.create_user(UserName="u")
    iam.attach_user_policy(UserName="u", PolicyArn=arn)
    iam.attach_user_policy(UserName="u", PolicyArn=ADMIN)
    attached = iam.list_policies(OnlyAttached=True)["Policies"]
    assert {p["PolicyName"] for p in attached} == {"attached", "AdministratorAccess"}
    assert [p["AttachmentCount"] for p in attached] == [1, 1]
    boundaries = iam.list_policies(OnlyAttached=True, PolicyUsageFilter="PermissionsBoundary")["Policies"]
    assert boundaries == []


def test_delete_policy_rules(iam: Any) -> None:
    arn = create(iam)["Arn"]
    iam.create_group(GroupName="g")
    iam.attach_group_policy(GroupName="g", PolicyArn=arn)
    with aws_error("DeleteConflict", 409, "Cannot delete a policy attached to entities."):
        iam.delete_policy(PolicyArn=arn)
    iam.detach_group_policy(GroupName="g", PolicyArn=arn)
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(DOCUMENT))
    with aws_error(
        "DeleteConflict",
        409,
        "This policy has more than one version. Before you delete a policy, "
        "you must delete the policy's versions. The default version is deleted with the policy.",
    ):
        iam.delete_policy(PolicyArn=arn)
    iam.delete_policy_version(PolicyArn=arn, VersionId="v2")
    iam.delete_policy(PolicyArn=arn)
    with aws_error("NoSuchEntity", 404):
        iam.get_policy(PolicyArn=arn)


def test_versions(iam: Any) -> None:
    arn = create(iam)["Arn"]
    second = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}]}
    made = iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(second), SetAsDefault=True)
    assert made["PolicyVersion"]["VersionId"] == "v2" and made["PolicyVersion"]["IsDefaultVersion"] is True
    assert "Document" not in made["PolicyVersion"]
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v2"
    for _ in range(3):
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(DOCUMENT))
    with aws_error(
        "LimitExceeded",
        409,
        "A managed policy can have up to 5 versions. Before you create a new "
        "version, you must delete an existing version.",
    ):
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(DOCUMENT))
    listed = iam.list_policy_versions(PolicyArn=arn)["Versions"]
    assert [(v["VersionId"], v["IsDefaultVersion"]) for v in listed] == [
        ("v5", False),
        ("v4", False),
        ("v3", False),
        ("v2", True),
        ("v1", False),
    ]
    with aws_error("DeleteConflict", 409, "Cannot delete the default version of a policy."):
        iam.delete_policy_version(PolicyArn=arn, VersionId="v2")
    iam.delete_policy_version(PolicyArn=arn, VersionId="v3")
    made = iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(DOCUMENT))
    assert made["PolicyVersion"]["VersionId"] == "v6"
    iam.set_default_policy_version(PolicyArn=arn, VersionId="v6")
    assert iam.get_policy_version(PolicyArn=arn, VersionId="v2")["PolicyVersion"]["Document"] == second
    with aws_error("NoSuchEntity", 404, "Policy version v3 does not exist."):
        iam.get_policy_version(PolicyArn=arn, VersionId="v3")
    with aws_error("NoSuchEntity", 404):
        iam.set_default_policy_version(PolicyArn=arn, VersionId="v3")
    with aws_error("MalformedPolicyDocument", 400, "Policy document must be version 2012-10-17 or greater."):
        iam.create_policy_version(
            PolicyArn=arn, PolicyDocument=json.dumps({"Statement": DOCUMENT["Statement"]})
        )


def test_policy_tags(iam: Any) -> None:
    arn = create(iam, Tags=[{"Key": "a", "Value": "1"}])["Arn"]
    iam.tag_policy(PolicyArn=arn, Tags=[{"Key": "A", "Value": "2"}, {"Key": "b", "Value": "3"}])
    # issue 14: a policy's tag keys are case-sensitive (`a` and `A` are two tags), listed in the order added
    assert iam.list_policy_tags(PolicyArn=arn)["Tags"] == [
        {"Key": "a", "Value": "1"},
        {"Key": "A", "Value": "2"},
        {"Key": "b", "Value": "3"},
    ]
    iam.untag_policy(PolicyArn=arn, TagKeys=["a"])
    assert iam.list_policy_tags(PolicyArn=arn)["Tags"] == [
        {"Key": "A", "Value": "2"},
        {"Key": "b", "Value": "3"},
    ]
    assert iam.list_policy_tags(PolicyArn=ADMIN)["Tags"] == []


def test_policy_arn_that_is_not_an_arn_is_a_validation_error(iam: Any) -> None:
    # issue 14: IAM answers a malformed policy ARN ValidationError (it was InvalidInput here)
    with aws_error("ValidationError", 400, "ARN not-an-arn-at-all-xx is not valid."):
        iam.get_policy(PolicyArn="not-an-arn-at-all-xx")


def test_the_aws_managed_catalogue_is_valid():
    """Every AWS-managed policy the catalogue ships parses (as AWS's own: IAM doesn't validate their
    resources, and some name ``arn:*:`` ones, which a customer policy can't)."""
    for policy in aws_managed_policies().values():
        parse_policy(policy.default_document, "aws-managed")
