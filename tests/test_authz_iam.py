"""IAM and STS enforcement end to end, with IAM users' own keys and role sessions, and the
simulator agreeing with enforcement for the same policies and context."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.helpers import aws_error


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _allow(action: str | list[str], resource: str = "*", **condition: Any) -> dict[str, Any]:
    statement = {"Effect": "Allow", "Action": action, "Resource": resource}
    if condition:
        statement["Condition"] = condition
    return statement


@pytest.fixture
def user_client(iam: Any, make_client: Callable[..., Any]) -> Callable[..., Any]:
    """``user_client("alice", statement...)``: an IAM client with the keys of a new user whose
    inline policy holds the statements (none: no policy)."""

    def make(name: str, *statements: dict[str, Any], service: str = "iam") -> Any:
        iam.create_user(UserName=name)
        if statements:
            iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=_doc(*statements))
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return make_client(service, key["AccessKeyId"], secret=key["SecretAccessKey"])

    return make


def test_no_policy_denies_with_identity_wording(user_client: Callable[..., Any], account_id: str) -> None:
    client = user_client("nobody")
    expected = (
        f"User: arn:aws:iam::{account_id}:user/nobody is not authorized to perform: iam:CreateUser "
        f"on resource: arn:aws:iam::{account_id}:user/x because no identity-based policy allows "
        "the iam:CreateUser action"
    )
    with aws_error("AccessDenied", 403) as error:
        client.create_user(UserName="x")
    assert error()["Message"] == expected


def test_explicit_deny_wording(user_client: Callable[..., Any]) -> None:
    client = user_client(
        "denied", _allow("iam:*"), {"Effect": "Deny", "Action": "iam:CreateUser", "Resource": "*"}
    )
    client.list_users()
    with aws_error("AccessDenied", 403, "with an explicit deny in an identity-based policy"):
        client.create_user(UserName="x")


def test_permissions_boundary_wording(iam: Any, user_client: Callable[..., Any]) -> None:
    client = user_client("bounded", _allow("iam:*"))
    boundary = iam.create_policy(PolicyName="b", PolicyDocument=_doc(_allow("iam:List*")))["Policy"]["Arn"]
    iam.put_user_permissions_boundary(UserName="bounded", PermissionsBoundary=boundary)
    client.list_users()
    with aws_error("AccessDenied", 403, "because no permissions boundary allows the iam:CreateUser action"):
        client.create_user(UserName="x")


def test_add_role_to_instance_profile_needs_pass_role(
    iam: Any, user_client: Callable[..., Any], account_id: str
) -> None:
    trust = _doc(
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
    )
    role = iam.create_role(RoleName="app", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    iam.create_instance_profile(InstanceProfileName="p1")
    iam.create_instance_profile(InstanceProfileName="p2")
    client = user_client(
        "admin",
        _allow("iam:AddRoleToInstanceProfile"),
        _allow("iam:PassRole", role, StringEquals={"iam:PassedToService": "ec2.amazonaws.com"}),
    )
    client.add_role_to_instance_profile(InstanceProfileName="p1", RoleName="app")
    iam.delete_user_policy(UserName="admin", PolicyName="p")
    iam.put_user_policy(
        UserName="admin",
        PolicyName="p",
        PolicyDocument=_doc(
            _allow("iam:AddRoleToInstanceProfile"),
            _allow("iam:PassRole", role, StringEquals={"iam:PassedToService": "lambda.amazonaws.com"}),
        ),
    )
    with aws_error("AccessDenied", 403, f"iam:PassRole on resource: arn:aws:iam::{account_id}:role/app"):
        client.add_role_to_instance_profile(InstanceProfileName="p2", RoleName="app")


def test_policy_arn_condition_on_attach(iam: Any, user_client: Callable[..., Any]) -> None:
    readonly = "arn:aws:iam::aws:policy/ReadOnlyAccess"
    client = user_client("attacher", _allow("iam:AttachUserPolicy", ArnEquals={"iam:PolicyARN": readonly}))
    iam.create_user(UserName="target")
    client.attach_user_policy(UserName="target", PolicyArn=readonly)
    with aws_error(
        "AccessDenied", 403, "because no identity-based policy allows the iam:AttachUserPolicy action"
    ):
        client.attach_user_policy(UserName="target", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")


def test_request_tags_and_tag_keys(iam: Any, user_client: Callable[..., Any]) -> None:
    client = user_client(
        "tagger",
        _allow(
            ["iam:CreateUser", "iam:TagUser"],
            StringEquals={"aws:RequestTag/team": "blue"},
            **{"ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}},
        ),
    )
    client.create_user(UserName="u1", Tags=[{"Key": "team", "Value": "blue"}])
    with aws_error("AccessDenied", 403):
        client.create_user(UserName="u2", Tags=[{"Key": "team", "Value": "red"}])
    with aws_error("AccessDenied", 403):
        client.create_user(UserName="u3")
    client.tag_user(UserName="u1", Tags=[{"Key": "team", "Value": "blue"}])
    with aws_error("AccessDenied", 403, "iam:TagUser"):
        client.tag_user(UserName="u1", Tags=[{"Key": "team", "Value": "blue"}, {"Key": "cost", "Value": "1"}])


def test_get_caller_identity_survives_explicit_deny(user_client: Callable[..., Any], account_id: str) -> None:
    sts = user_client("denied", {"Effect": "Deny", "Action": "*", "Resource": "*"}, service="sts")
    assert sts.get_caller_identity()["Arn"] == f"arn:aws:iam::{account_id}:user/denied"


def test_session_policy_narrows_role_session(
    iam: Any, user_client: Callable[..., Any], server: Any, account_id: str
) -> None:
    trust = _doc(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
            "Action": "sts:AssumeRole",
        }
    )
    role = iam.create_role(RoleName="ops", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    iam.put_role_policy(RoleName="ops", PolicyName="iam", PolicyDocument=_doc(_allow("iam:*")))
    # sts:AssumeRole is checked on "*" by the pipeline (no STS rule yet), so the policy allows "*".
    sts = user_client("assumer", _allow("sts:AssumeRole"), service="sts")
    creds = sts.assume_role(RoleArn=role, RoleSessionName="s1", Policy=_doc(_allow("iam:ListUsers")))[
        "Credentials"
    ]
    session_iam = boto3.client(
        "iam",
        region_name="us-east-1",
        endpoint_url=server.api_url,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )
    session_iam.list_users()
    with aws_error("AccessDenied", 403) as error:
        session_iam.list_roles()
    message = error()["Message"]
    assert message.startswith(
        f"User: arn:aws:sts::{account_id}:assumed-role/ops/s1 is not authorized to perform: "
        "iam:ListRoles on resource: "
    )
    assert message.endswith(" because no session policy allows the iam:ListRoles action")


def test_simulator_permission_is_checked_on_source_arn(
    iam: Any, user_client: Callable[..., Any], account_id: str
) -> None:
    iam.create_user(UserName="subject")
    subject = f"arn:aws:iam::{account_id}:user/subject"
    client = user_client("auditor", _allow("iam:SimulatePrincipalPolicy", subject))
    client.simulate_principal_policy(PolicySourceArn=subject, ActionNames=["ec2:DescribeVpcs"])
    with aws_error("AccessDenied", 403, "iam:SimulateCustomPolicy on resource: *"):
        client.simulate_custom_policy(
            PolicyInputList=[_doc(_allow("ec2:*"))], ActionNames=["ec2:DescribeVpcs"]
        )


# The simulator and enforcement agree ------------------------------------------------------------

CASES = [
    # (statements, operation, kwargs, action, resource, context entries)
    (
        [_allow("iam:GetUser", "arn:aws:iam::*:user/${aws:username}")],
        "get_user",
        {},
        "iam:GetUser",
        "self",
        "user",
    ),
    (
        [_allow("iam:ListUsers", Bool={"aws:SecureTransport": "true"})],
        "list_users",
        {},
        "iam:ListUsers",
        "*",
        "",
    ),
    (
        [_allow("iam:CreateUser", StringEquals={"aws:RequestTag/team": "blue"})],
        "create_user",
        {"UserName": "t1", "Tags": [{"Key": "team", "Value": "blue"}]},
        "iam:CreateUser",
        "user/t1",
        "tag",
    ),
    (
        [_allow("iam:*"), {"Effect": "Deny", "Action": "iam:CreateGroup", "Resource": "*"}],
        "create_group",
        {"GroupName": "g"},
        "iam:CreateGroup",
        "group/g",
        "",
    ),
    (
        [_allow("iam:CreateGroup", "arn:aws:iam::*:group/ok-*")],
        "create_group",
        {"GroupName": "no"},
        "iam:CreateGroup",
        "group/no",
        "",
    ),
]


@pytest.mark.parametrize("statements,operation,kwargs,action,resource,context", CASES)
def test_simulator_matches_enforcement(
    iam: Any,
    user_client: Callable[..., Any],
    account_id: str,
    statements: list[dict[str, Any]],
    operation: str,
    kwargs: dict[str, Any],
    action: str,
    resource: str,
    context: str,
) -> None:
    client = user_client("subject", *statements)
    arn = f"arn:aws:iam::{account_id}:user/subject"
    entries = {
        "user": [
            {"ContextKeyName": "aws:username", "ContextKeyValues": ["subject"], "ContextKeyType": "string"}
        ],
        "tag": [
            {
                "ContextKeyName": "aws:RequestTag/team",
                "ContextKeyValues": ["blue"],
                "ContextKeyType": "string",
            }
        ],
        "": [],
    }[context]
    resource_arn = (
        arn
        if resource == "self"
        else resource
        if resource == "*"
        else f"arn:aws:iam::{account_id}:{resource}"
    )
    simulated = iam.simulate_principal_policy(
        PolicySourceArn=arn, ActionNames=[action], ResourceArns=[resource_arn], ContextEntries=entries
    )["EvaluationResults"][0]["EvalDecision"]
    try:
        getattr(client, operation)(**kwargs)
        enforced = "allowed"
    except ClientError as error:
        assert error.response["Error"]["Code"] == "AccessDenied"
        enforced = "explicitDeny" if "explicit deny" in error.response["Error"]["Message"] else "implicitDeny"
    assert simulated == enforced


def test_listings_are_on_their_kinds_path_and_account_actions_on_star(
    user_client: Callable[..., Any], account_id: str
) -> None:
    client = user_client(
        "lister",
        _allow(["iam:ListRoles", "iam:GetUser"], f"arn:aws:iam::{account_id}:role/*"),
        _allow("iam:GetUser", f"arn:aws:iam::{account_id}:user/lister"),
    )
    client.list_roles()
    client.get_user()  # defaults to the caller: on the caller's own user
    with aws_error(
        "AccessDenied", 403, f"iam:ListUsers on resource: arn:aws:iam::{account_id}:user/ because"
    ):
        client.list_users()
    with aws_error("AccessDenied", 403, f"iam:ListRoles on resource: arn:aws:iam::{account_id}:role/"):
        user_client("nolist").list_roles(PathPrefix="/x/")
    with aws_error("AccessDenied", 403, "iam:ListPolicies on resource: policy path / because"):
        client.list_policies()
    with aws_error("AccessDenied", 403, "iam:GetAccountSummary on resource: * because"):
        client.get_account_summary()
