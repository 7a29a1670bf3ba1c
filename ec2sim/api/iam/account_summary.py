"""IAM: account-level views (summary, authorization details) and the account alias."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ec2sim.api.authorization import NO_RESOURCES
from ec2sim.api.context import RequestContext
from ec2sim.api.iam.account_features import token_version
from ec2sim.api.iam.authz import iam_action
from ec2sim.api.iam.boundaries import boundary_view
from ec2sim.api.iam.common import entity_view, page, tag_list
from ec2sim.api.iam.instance_profiles import profile_view
from ec2sim.api.iam.messages import iam_error
from ec2sim.api.iam.policies import encode_document, policy_view, version_view
from ec2sim.api.iam.quotas import ACCOUNT_QUOTAS
from ec2sim.api.iam.roles import role_last_used, role_summary
from ec2sim.store.iam.account import IamAccount
from ec2sim.store.iam.entities import Group, ManagedPolicy, Principal, Role, User
from ec2sim.store.iam.managed import AWS_POLICY_PREFIX, aws_managed_policy

if TYPE_CHECKING:
    from types_boto3_iam.type_defs import (
        CreateAccountAliasRequestTypeDef,
        DeleteAccountAliasRequestTypeDef,
        GetAccountAuthorizationDetailsRequestTypeDef,
        ListAccountAliasesRequestTypeDef,
    )

# GetAccountSummary's quotas: IAM's defaults for a new account (IAM and STS quotas, IAM User Guide).
_QUOTAS = {
    "UsersQuota": ACCOUNT_QUOTAS["user"][1],
    "GroupsQuota": ACCOUNT_QUOTAS["group"][1],
    "RolesQuota": ACCOUNT_QUOTAS["role"][1],
    "InstanceProfilesQuota": ACCOUNT_QUOTAS["instance-profile"][1],
    "PoliciesQuota": ACCOUNT_QUOTAS["policy"][1],
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
}


@iam_action("GetAccountSummary", NO_RESOURCES)
def get_account_summary(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    """Usage counts next to the quotas. The root user has no MFA, access keys or certificates here."""
    iam = ctx.iam
    in_use = sum(len(u.mfa_devices) for u in iam.users)
    usage = {
        "Users": len(iam.users),
        "Groups": len(iam.groups),
        "Roles": len(iam.roles),
        "InstanceProfiles": len(iam.instance_profiles),
        "Policies": len(iam.policies),
        "PolicyVersionsInUse": sum(len(uses) for uses in iam.attachments.values()),
        "MFADevices": len(iam.user_credentials.mfa_devices),  # virtual devices, assigned or not
        "MFADevicesInUse": in_use,
        "ServerCertificates": len(iam.user_credentials.server_certificates),
        "Providers": 0,
        "AccountMFAEnabled": 0,
        "AccountAccessKeysPresent": 0,
        "AccountSigningCertificatesPresent": 0,
        # Assumed: the emulated root user has a console password, as every account signed up for does.
        "AccountPasswordPresent": 1,
    }
    return {"SummaryMap": {**usage, **_QUOTAS, "GlobalEndpointTokenVersion": token_version(ctx)}}


# GetAccountAuthorizationDetails ------------------------------------------------------------------


def _inline(principal: Principal) -> list[dict[str, str]]:
    return [
        {"PolicyName": name, "PolicyDocument": encode_document(text)}
        for name, text in principal.inline_policies.items()
    ]


def _attached(principal: Principal) -> list[dict[str, str]]:
    """A managed policy's name is the last segment of its ARN (after the path)."""
    return [{"PolicyName": arn.rsplit("/", 1)[-1], "PolicyArn": arn} for arn in principal.attached_policies]


def _user_detail(iam: IamAccount, user: User) -> dict[str, Any]:
    groups = (iam.groups.get(name) for name in user.group_names)
    return {
        **entity_view(user, "User"),
        "UserPolicyList": _inline(user),
        "GroupList": [g.name for g in groups if g is not None],
        "AttachedManagedPolicies": _attached(user),
        "PermissionsBoundary": boundary_view(user.permissions_boundary),
        "Tags": tag_list(user.tags),  # <Tags/> when none, as in every GAAD entry
    }


def _group_detail(iam: IamAccount, group: Group) -> dict[str, Any]:
    return {
        **entity_view(group, "Group"),
        "GroupPolicyList": _inline(group),
        "AttachedManagedPolicies": _attached(group),
    }


def _role_detail(iam: IamAccount, role: Role) -> dict[str, Any]:
    profiles = (iam.instance_profiles.get(name) for name in role.profile_names)
    return {
        **role_summary(role),
        "InstanceProfileList": [profile_view(iam, p) for p in profiles if p is not None],
        "RolePolicyList": _inline(role),
        "AttachedManagedPolicies": _attached(role),
        "PermissionsBoundary": boundary_view(role.permissions_boundary),
        "Tags": tag_list(role.tags),
        "RoleLastUsed": role_last_used(role),
    }


def _policy_detail(iam: IamAccount, policy: ManagedPolicy) -> dict[str, Any]:
    versions = sorted(policy.versions.values(), key=lambda v: int(v.version_id[1:]), reverse=True)
    return {
        **policy_view(iam, policy, detailed=False),
        "Description": policy.description or None,
        "PolicyVersionList": [version_view(policy, v, with_document=True) for v in versions],
    }


def _aws_policies_in_use(iam: IamAccount) -> list[ManagedPolicy]:
    """AWS managed policies appear only while attached to something in the account."""
    arns = sorted(arn for arn, uses in iam.attachments.items() if uses and arn.startswith(AWS_POLICY_PREFIX))
    found = (aws_managed_policy(arn) for arn in arns)
    return [p for p in found if p is not None]


# Filter value → (output member, the entities in listing order, their detail view).
_KINDS: dict[
    str, tuple[str, Callable[[IamAccount], list[Any]], Callable[[IamAccount, Any], dict[str, Any]]]
] = {
    "User": ("UserDetailList", lambda iam: iam.users.sorted(), _user_detail),
    "Group": ("GroupDetailList", lambda iam: iam.groups.sorted(), _group_detail),
    "Role": ("RoleDetailList", lambda iam: iam.roles.sorted(), _role_detail),
    "LocalManagedPolicy": (
        "Policies",
        lambda iam: sorted(iam.policies.values(), key=lambda p: p.name.lower()),
        _policy_detail,
    ),
    "AWSManagedPolicy": ("Policies", _aws_policies_in_use, _policy_detail),
}


@iam_action("GetAccountAuthorizationDetails", NO_RESOURCES)
def get_account_authorization_details(
    ctx: RequestContext, req: GetAccountAuthorizationDetailsRequestTypeDef
) -> dict[str, Any]:
    """Users, groups, roles, then policies, paged as one sequence; Filter narrows the kinds."""
    kinds: Sequence[str] = req.get("Filter") or list(_KINDS)
    items = [
        (kind, entity)
        for kind, (_, listing, _) in _KINDS.items()
        if kind in kinds
        for entity in listing(ctx.iam)
    ]
    chunk, paging = page(items, req)
    result: dict[str, Any] = {
        "UserDetailList": [],
        "GroupDetailList": [],
        "RoleDetailList": [],
        "Policies": [],
    }
    for kind, entity in chunk:
        member, _, render = _KINDS[kind]
        result[member].append(render(ctx.iam, entity))
    return {**result, **paging}


# Account alias -------------------------------------------------------------------------------------


@iam_action("CreateAccountAlias", NO_RESOURCES)
def create_account_alias(ctx: RequestContext, req: CreateAccountAliasRequestTypeDef) -> None:
    """One alias per account (a new one replaces the old); unique across accounts."""
    alias = req["AccountAlias"]
    # Few accounts and rare calls: a scan beats keeping a server-wide alias index in step.
    for account in ctx.store.accounts.values():
        if account.id != ctx.account_id and alias in account.iam.aliases:
            raise iam_error("AliasExists", alias=alias)
    ctx.iam.set_aliases(ctx.now, [alias])


@iam_action("ListAccountAliases", NO_RESOURCES)
def list_account_aliases(ctx: RequestContext, req: ListAccountAliasesRequestTypeDef) -> dict[str, Any]:
    chunk, paging = page(ctx.iam.aliases, req)
    return {"AccountAliases": list(chunk), **paging}


@iam_action("DeleteAccountAlias", NO_RESOURCES)
def delete_account_alias(ctx: RequestContext, req: DeleteAccountAliasRequestTypeDef) -> None:
    alias = req["AccountAlias"]
    if alias not in ctx.iam.aliases:
        raise iam_error("AliasNotFound", alias=alias)
    ctx.iam.set_aliases(ctx.now, [a for a in ctx.iam.aliases if a != alias])
