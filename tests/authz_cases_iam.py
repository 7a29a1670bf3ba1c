"""One valid request per IAM and STS action, and what a policy must allow for it.

Resources as the Service Authorization Reference lists them for IAM and STS: an action on
an entity on its ARN (user, group, role, instance-profile, policy); account-level actions
and listings without a resource type on ``*``. Renaming a user or group needs the action on
both names (UpdateUser / UpdateGroup API reference); adding a role to an instance profile
also needs iam:PassRole on the role (Service Authorization Reference, dependent actions).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tests.authz_cases import Builder, Ref, attr, case, iam_arn
from tests.authz_cases_iam_account import ACCOUNT_CASES, DELEGATION_CASES, FEDERATION_STS_CASES
from tests.authz_cases_iam_advisor import ADVISOR_CASES
from tests.authz_cases_iam_credentials import CREDENTIAL_CASES
from tests.authz_cases_iam_oidc import OIDC_CASES, OIDC_STS_CASES
from tests.authz_cases_iam_saml import SAML_CASES, SAML_STS_CASES
from tests.authz_cases_iam_slr import SLR_CASES
from tests.authz_env import CALLER, DOCUMENT, PASSWORD, TAGS, TRUST_EC2, Env

NEW_PASSWORD = "Another-Passw0rd!"
NAME_MEMBERS = {
    "user": "UserName",
    "group": "GroupName",
    "role": "RoleName",
    "instance-profile": "InstanceProfileName",
}
POLICY = attr("policy")
USER, ROLE = attr("user"), attr("role")
USER_ARN = iam_arn("user", USER)


def _entity(kind: str) -> Ref:
    return lambda env: env.entity(kind)


def _prepared(method: str, kind: str) -> Ref:
    """The entity of `kind` after ``env.<method>(kind)`` (attached, inline, bounded, tagged)."""
    return lambda env: getattr(env, method)(kind)


def on(kind: str, name: Ref | None = None, renamed: str | None = None, **params: Any) -> Builder:
    """An action on the account's entity of `kind` (`name`: that entity, prepared); `renamed`:
    the new name of an entity being renamed, whose ARN the action needs too."""
    name = name or _entity(kind)
    if kind == "policy":
        return case({"PolicyArn": name, **params}, name)
    resources: list[Ref] = [iam_arn(kind, name)]
    if renamed:
        resources.append(iam_arn(kind, renamed))
    return case({NAME_MEMBERS[kind]: name, **params}, *resources)


def creating(kind: str, name: str, **params: Any) -> Builder:
    member = "PolicyName" if kind == "policy" else NAME_MEMBERS[kind]
    return case({member: name, **params}, iam_arn(kind, name))


def principal_cases(kind: str) -> dict[str, Builder]:
    """The policy actions users, groups and roles share (PutUserPolicy, AttachRolePolicy...)."""
    word = kind.capitalize()
    cases = {
        f"Put{word}Policy": on(kind, PolicyName="inline", PolicyDocument=DOCUMENT),
        f"Get{word}Policy": on(kind, _prepared("inline", kind), PolicyName="inline"),
        f"Delete{word}Policy": on(kind, _prepared("inline", kind), PolicyName="inline"),
        f"List{word}Policies": on(kind),
        f"Attach{word}Policy": on(kind, PolicyArn=POLICY),
        f"Detach{word}Policy": on(kind, _prepared("attached", kind), PolicyArn=POLICY),
        f"ListAttached{word}Policies": on(kind),
    }
    if kind != "group":
        cases[f"Put{word}PermissionsBoundary"] = on(kind, PermissionsBoundary=POLICY)
        cases[f"Delete{word}PermissionsBoundary"] = on(kind, _prepared("bounded", kind))
    return cases


def tag_cases(kind: str, word: str) -> dict[str, Builder]:
    """TagUser, UntagUser, ListUserTags (and the role, instance profile and policy forms)."""
    return {
        f"Tag{word}": on(kind, Tags=TAGS),
        f"Untag{word}": on(kind, _prepared("tagged", kind), TagKeys=["team"]),
        f"List{word}Tags": on(kind),
    }


def on_account(*actions: str, needs: Iterable[Ref] = ()) -> dict[str, Builder]:
    """Account-level actions and listings: no resource type, so on ``*``."""
    return {action: case({}, needs=needs) for action in actions}


def _alias(prefix: str) -> Ref:
    return lambda env: f"{prefix}-{env.account_id}"


def _group_with_member(env: Env) -> str:
    assert env.member
    return env.group_name


IAM_CASES: dict[str, Builder] = {
    # Users and their credentials
    "CreateUser": creating("user", "newbie"),
    "GetUser": on("user"),
    "DeleteUser": on("user"),
    "UpdateUser": on("user", renamed="renamed", NewUserName="renamed"),
    "ListGroupsForUser": on("user"),
    "CreateAccessKey": on("user"),
    "ListAccessKeys": on("user"),
    "DeleteAccessKey": on("user", AccessKeyId=attr("user_key")),
    "UpdateAccessKey": on("user", AccessKeyId=attr("user_key"), Status="Inactive"),
    "GetAccessKeyLastUsed": case({"AccessKeyId": attr("user_key")}, USER_ARN),
    "CreateLoginProfile": on("user", Password=PASSWORD),
    "GetLoginProfile": on("user", attr("user_login")),
    "DeleteLoginProfile": on("user", attr("user_login")),
    "UpdateLoginProfile": on("user", attr("user_login"), Password=NEW_PASSWORD),
    "ChangePassword": case(
        {"OldPassword": PASSWORD, "NewPassword": NEW_PASSWORD},
        iam_arn("user", CALLER),
        needs=[attr("caller_login")],
    ),
    **principal_cases("user"),
    **tag_cases("user", "User"),
    # Groups
    "CreateGroup": creating("group", "squad"),
    "GetGroup": on("group"),
    "DeleteGroup": on("group"),
    "UpdateGroup": on("group", renamed="renamed-team", NewGroupName="renamed-team"),
    "AddUserToGroup": on("group", UserName=USER),
    "RemoveUserFromGroup": on("group", _group_with_member, UserName=USER),
    **principal_cases("group"),
    # Roles
    "CreateRole": creating("role", "fresh", AssumeRolePolicyDocument=TRUST_EC2),
    "GetRole": on("role"),
    "DeleteRole": on("role"),
    "UpdateRole": on("role", Description="changed"),
    "UpdateRoleDescription": on("role", Description="changed"),
    "UpdateAssumeRolePolicy": on("role", PolicyDocument=TRUST_EC2),
    "ListInstanceProfilesForRole": on("role"),
    **principal_cases("role"),
    **tag_cases("role", "Role"),
    # Instance profiles
    "CreateInstanceProfile": creating("instance-profile", "new-profile"),
    "GetInstanceProfile": on("instance-profile"),
    "DeleteInstanceProfile": on("instance-profile"),
    "AddRoleToInstanceProfile": case(
        {"InstanceProfileName": attr("profile"), "RoleName": ROLE},
        iam_arn("instance-profile", attr("profile")),
        also=[("iam:PassRole", (iam_arn("role", ROLE),))],
    ),
    "RemoveRoleFromInstanceProfile": on("instance-profile", attr("profile_with_role"), RoleName=ROLE),
    **tag_cases("instance-profile", "InstanceProfile"),
    # Managed policies
    "CreatePolicy": creating("policy", "fresh-policy", PolicyDocument=DOCUMENT),
    "GetPolicy": on("policy"),
    "DeletePolicy": on("policy"),
    "CreatePolicyVersion": on("policy", PolicyDocument=DOCUMENT),
    "GetPolicyVersion": on("policy", VersionId="v1"),
    "DeletePolicyVersion": on("policy", attr("policy_v2"), VersionId="v2"),
    "SetDefaultPolicyVersion": on("policy", attr("policy_v2"), VersionId="v2"),
    "ListPolicyVersions": on("policy"),
    "ListEntitiesForPolicy": on("policy"),
    **tag_cases("policy", "Policy"),
    # The account
    "CreateAccountAlias": case({"AccountAlias": _alias("new")}),
    "DeleteAccountAlias": case({"AccountAlias": attr("alias")}),
    "UpdateAccountPasswordPolicy": case({"MinimumPasswordLength": 10}),
    "ListPolicies": case({"Scope": "Local"}),
    **on_account("GetAccountPasswordPolicy", "DeleteAccountPasswordPolicy", needs=[attr("password_policy")]),
    **on_account("GetCredentialReport", needs=[attr("credential_report")]),
    **on_account(
        "ListAccountAliases",
        "GetAccountSummary",
        "GetAccountAuthorizationDetails",
        "GenerateCredentialReport",
        "ListUsers",
        "ListGroups",
        "ListRoles",
        "ListInstanceProfiles",
    ),
    # The simulator: on the principal simulated, or "*" for custom policies
    "SimulatePrincipalPolicy": case(
        {"PolicySourceArn": USER_ARN, "ActionNames": ["ec2:DescribeRegions"]}, USER_ARN
    ),
    "GetContextKeysForPrincipalPolicy": case({"PolicySourceArn": USER_ARN}, USER_ARN),
    "SimulateCustomPolicy": case({"PolicyInputList": [DOCUMENT], "ActionNames": ["ec2:DescribeRegions"]}),
    "GetContextKeysForCustomPolicy": case({"PolicyInputList": [DOCUMENT]}),
    # MFA devices, SSH keys, certificates, service-specific credentials
    **CREDENTIAL_CASES,
    **SAML_CASES,
    **OIDC_CASES,
    **ADVISOR_CASES,
    **SLR_CASES,
    **ACCOUNT_CASES,
    **DELEGATION_CASES,
}

ROLE_ARN = iam_arn("role", ROLE)
STS_CASES: dict[str, Builder] = {
    "AssumeRole": case({"RoleArn": ROLE_ARN, "RoleSessionName": "session"}, ROLE_ARN),
    "DecodeAuthorizationMessage": case({"EncodedMessage": attr("encoded_message")}),
    "GetAccessKeyInfo": case({"AccessKeyId": attr("user_key")}),
    "GetCallerIdentity": case({}),
    "GetSessionToken": case({}),
    **SAML_STS_CASES,
    **OIDC_STS_CASES,
    **FEDERATION_STS_CASES,
}
