"""IAM's policy simulator through boto3: decisions, matched statements and their positions,
missing context values, boundaries, resource-specific results, paging and errors."""

from __future__ import annotations

import json
from typing import Any

from tests.helpers import aws_error

ALLOW_DYNAMO_AFTER = (
    '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*",'
    '"Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2018-08-16T12:00:00Z"}}}}'
)


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _context(key: str, kind: str, *values: str) -> dict[str, Any]:
    return {"ContextKeyName": key, "ContextKeyValues": list(values), "ContextKeyType": kind}


def test_custom_policy_allows_with_date_context(iam: Any) -> None:
    result = iam.simulate_custom_policy(
        PolicyInputList=[ALLOW_DYNAMO_AFTER],
        ActionNames=["dynamodb:CreateBackup"],
        ContextEntries=[_context("aws:CurrentTime", "date", "2019-04-25T11:00:00Z")],
    )["EvaluationResults"][0]
    assert result["EvalDecision"] == "allowed"
    assert result["EvalResourceName"] == "*"
    [match] = result["MatchedStatements"]
    assert match["SourcePolicyId"] == "PolicyInputList.1"
    assert match["SourcePolicyType"] == "IAM Policy"
    assert match["StartPosition"] == {"Line": 1, "Column": 37}
    assert match["EndPosition"] == {"Line": 1, "Column": 167}  # AWS CLI reference example
    assert result["MissingContextValues"] == []


def test_custom_policy_implicit_deny_and_missing_context(iam: Any) -> None:
    early = iam.simulate_custom_policy(
        PolicyInputList=[ALLOW_DYNAMO_AFTER],
        ActionNames=["dynamodb:CreateBackup"],
        ContextEntries=[_context("aws:CurrentTime", "date", "2014-04-25T11:00:00Z")],
    )["EvaluationResults"][0]
    assert early["EvalDecision"] == "implicitDeny" and early["MatchedStatements"] == []
    missing = iam.simulate_custom_policy(PolicyInputList=[ALLOW_DYNAMO_AFTER], ActionNames=["dynamodb:Scan"])
    assert missing["EvaluationResults"][0]["MissingContextValues"] == ["aws:CurrentTime"]


def test_positions_in_a_multiline_document(iam: Any) -> None:
    text = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
                {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"},
            ],
        },
        indent=2,
    )
    result = iam.simulate_custom_policy(PolicyInputList=[text], ActionNames=["s3:DeleteObject"])
    [deny] = result["EvaluationResults"][0]["MatchedStatements"]
    assert result["EvaluationResults"][0]["EvalDecision"] == "explicitDeny"
    lines = text.splitlines()
    start, end = deny["StartPosition"], deny["EndPosition"]
    assert lines[start["Line"] - 1][start["Column"] :].lstrip().startswith("{")
    assert lines[end["Line"] - 1][end["Column"] - 2] == "}"


def test_boundary_input_list(iam: Any) -> None:
    allow_all = _doc({"Effect": "Allow", "Action": "*", "Resource": "*"})
    boundary = _doc({"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"})
    results = iam.simulate_custom_policy(
        PolicyInputList=[allow_all],
        PermissionsBoundaryPolicyInputList=[boundary],
        ActionNames=["ec2:DescribeInstances", "ec2:RunInstances"],
    )["EvaluationResults"]
    assert [
        (r["EvalDecision"], r["PermissionsBoundaryDecisionDetail"]["AllowedByPermissionsBoundary"])
        for r in results
    ] == [("allowed", True), ("implicitDeny", False)]


def test_resource_arns_give_resource_specific_results_and_page(iam: Any) -> None:
    policy = _doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/public/*"})
    arns = ["arn:aws:s3:::b/public/x", "arn:aws:s3:::b/private/x"]
    first = iam.simulate_custom_policy(
        PolicyInputList=[policy], ActionNames=["s3:GetObject"], ResourceArns=arns, MaxItems=1
    )
    assert first["IsTruncated"] is True
    rest = iam.simulate_custom_policy(
        PolicyInputList=[policy], ActionNames=["s3:GetObject"], ResourceArns=arns, Marker=first["Marker"]
    )
    results = first["EvaluationResults"] + rest["EvaluationResults"]
    assert [(r["EvalResourceName"], r["EvalDecision"]) for r in results] == [
        (arns[0], "allowed"),
        (arns[1], "implicitDeny"),
    ]
    assert results[0]["ResourceSpecificResults"][0]["EvalResourceDecision"] == "allowed"


def test_context_key_types(iam: Any) -> None:
    policy = _doc(
        {
            "Effect": "Allow",
            "Action": "ec2:RunInstances",
            "Resource": "*",
            "Condition": {
                "ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]},
                "NumericLessThan": {"ec2:VolumeSize": "100"},
                "Bool": {"aws:SecureTransport": "true"},
                "IpAddress": {"aws:SourceIp": "10.0.0.0/8"},
            },
        }
    )
    entries = [
        _context("aws:TagKeys", "stringList", "team", "env"),
        _context("ec2:VolumeSize", "numeric", "8"),
        _context("aws:SecureTransport", "boolean", "True"),
        _context("aws:SourceIp", "ip", "10.1.2.3"),
    ]
    result = iam.simulate_custom_policy(
        PolicyInputList=[policy], ActionNames=["ec2:RunInstances"], ContextEntries=entries
    )["EvaluationResults"][0]
    assert result["EvalDecision"] == "allowed"
    entries[0] = _context("aws:TagKeys", "stringList", "team", "owner")
    result = iam.simulate_custom_policy(
        PolicyInputList=[policy], ActionNames=["ec2:RunInstances"], ContextEntries=entries
    )["EvaluationResults"][0]
    assert result["EvalDecision"] == "implicitDeny"


def test_principal_policy_of_user_groups_and_boundary(iam: Any, account_id: str) -> None:
    iam.create_user(UserName="alice")
    iam.create_group(GroupName="devs")
    iam.add_user_to_group(GroupName="devs", UserName="alice")
    iam.put_group_policy(
        GroupName="devs",
        PolicyName="describe",
        PolicyDocument=_doc({"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}),
    )
    iam.attach_user_policy(UserName="alice", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    arn = f"arn:aws:iam::{account_id}:user/alice"
    results = iam.simulate_principal_policy(PolicySourceArn=arn, ActionNames=["ec2:DescribeVpcs"])
    sources = {
        (m["SourcePolicyId"], m["SourcePolicyType"])
        for m in results["EvaluationResults"][0]["MatchedStatements"]
    }
    assert sources == {("describe", "group"), ("AdministratorAccess", "aws-managed")}
    boundary = iam.create_policy(
        PolicyName="b",
        PolicyDocument=_doc({"Effect": "Allow", "Action": "ec2:DescribeVpcs", "Resource": "*"}),
    )["Policy"]["Arn"]
    iam.put_user_permissions_boundary(UserName="alice", PermissionsBoundary=boundary)
    results = iam.simulate_principal_policy(
        PolicySourceArn=arn, ActionNames=["ec2:DescribeVpcs", "iam:CreateUser"]
    )
    assert [r["EvalDecision"] for r in results["EvaluationResults"]] == ["allowed", "implicitDeny"]
    extra = _doc({"Effect": "Deny", "Action": "ec2:*", "Resource": "*"})
    results = iam.simulate_principal_policy(
        PolicySourceArn=arn, ActionNames=["ec2:DescribeVpcs"], PolicyInputList=[extra]
    )
    [deny] = results["EvaluationResults"][0]["MatchedStatements"]
    assert results["EvaluationResults"][0]["EvalDecision"] == "explicitDeny"
    assert deny["SourcePolicyId"] == "PolicyInputList.1"


def test_principal_policy_of_role(iam: Any) -> None:
    trust = _doc(
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
    )
    role = iam.create_role(RoleName="app", AssumeRolePolicyDocument=trust)["Role"]
    iam.put_role_policy(
        RoleName="app",
        PolicyName="logs",
        PolicyDocument=_doc({"Effect": "Allow", "Action": "logs:*", "Resource": "*"}),
    )
    result = iam.simulate_principal_policy(PolicySourceArn=role["Arn"], ActionNames=["logs:PutLogEvents"])
    [match] = result["EvaluationResults"][0]["MatchedStatements"]
    assert (match["SourcePolicyId"], match["SourcePolicyType"]) == ("logs", "role")


def test_resource_policy_grants_caller(iam: Any, account_id: str) -> None:
    bucket = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{account_id}:user/bob"},
                    "Action": "s3:GetObject",
                    "Resource": "arn:aws:s3:::b/*",
                }
            ],
        }
    )
    result = iam.simulate_custom_policy(
        PolicyInputList=[_doc({"Effect": "Allow", "Action": "ec2:*", "Resource": "*"})],
        ActionNames=["s3:GetObject"],
        ResourceArns=["arn:aws:s3:::b/k"],
        ResourcePolicy=bucket,
        CallerArn=f"arn:aws:iam::{account_id}:user/bob",
    )["EvaluationResults"][0]
    assert result["EvalDecision"] == "allowed"
    assert result["MatchedStatements"][0]["SourcePolicyType"] == "resource"


def test_context_keys_for_policies(iam: Any, account_id: str) -> None:
    policy = _doc(
        {
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": "*",
            "Condition": {"StringLike": {"aws:PrincipalTag/Team": "x", "s3:prefix": "a"}},
        },
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/${aws:username}/*",
            "Condition": {"StringEquals": {"aws:principaltag/team": "y"}},
        },
    )
    keys = iam.get_context_keys_for_custom_policy(PolicyInputList=[policy])["ContextKeyNames"]
    assert sorted(keys) == ["aws:PrincipalTag/Team", "aws:username", "s3:prefix"]
    iam.create_user(UserName="carol")
    iam.put_user_policy(UserName="carol", PolicyName="p", PolicyDocument=policy)
    keys = iam.get_context_keys_for_principal_policy(PolicySourceArn=f"arn:aws:iam::{account_id}:user/carol")[
        "ContextKeyNames"
    ]
    assert sorted(keys) == ["aws:PrincipalTag/Team", "aws:username", "s3:prefix"]


def test_errors(iam: Any, account_id: str) -> None:
    with aws_error("NoSuchEntity", 404):
        iam.simulate_principal_policy(
            PolicySourceArn=f"arn:aws:iam::{account_id}:user/nobody", ActionNames=["ec2:DescribeVpcs"]
        )
    with aws_error("NoSuchEntity", 404):
        iam.get_context_keys_for_principal_policy(PolicySourceArn=f"arn:aws:iam::{account_id}:role/nobody")
    with aws_error("InvalidInput", 400, "Syntax errors in policy."):
        iam.simulate_custom_policy(PolicyInputList=["{not json"], ActionNames=["ec2:DescribeVpcs"])
    with aws_error("InvalidInput", 400):
        iam.get_context_keys_for_custom_policy(PolicyInputList=['{"Statement": []}'])
