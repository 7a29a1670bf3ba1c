"""IAM: roles, their trust policies, tags and permissions boundaries."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ec2sim.api.context import RequestContext
from ec2sim.api.iam.authz import IamPlan, iam_action, requiring
from ec2sim.api.iam.boundaries import boundary_view, check_boundary, set_boundary
from ec2sim.api.iam.common import entity_view, page, tag_list, tags_in
from ec2sim.api.iam.messages import iam_error
from ec2sim.api.iam.policies import encode_document, parse_document
from ec2sim.api.iam.quotas import check_account_quota
from ec2sim.iam.policy.document import PolicyDocument
from ec2sim.iam.policy.grammar import policy_size
from ec2sim.store.iam.entities import Role
from ec2sim.store.iam.service_linked import SERVICE_ROLE_PATH

if TYPE_CHECKING:
    from types_boto3_iam.type_defs import (
        CreateRoleRequestTypeDef,
        DeleteRolePermissionsBoundaryRequestTypeDef,
        DeleteRoleRequestTypeDef,
        GetRoleRequestTypeDef,
        ListRolesRequestTypeDef,
        PutRolePermissionsBoundaryRequestTypeDef,
        UpdateAssumeRolePolicyRequestTypeDef,
        UpdateRoleDescriptionRequestTypeDef,
        UpdateRoleRequestTypeDef,
    )

TRUST_POLICY_SIZE_QUOTA = 2048  # characters, white space not counted


_ACCOUNT_ID = re.compile(r"[0-9]{12}")
_IAM_PRINCIPAL_ARN = re.compile(r"arn:aws:iam::([0-9]{12}):(user|role)/(?:.*/)?([^/]+)")


def check_trust_policy(ctx: RequestContext, text: str) -> None:
    """The trust policy size quota, IAM's grammar for trust policies, then its AWS principals."""
    if policy_size(text) > TRUST_POLICY_SIZE_QUOTA:
        raise iam_error("Quota", quota="ACLSizePerRole", limit=TRUST_POLICY_SIZE_QUOTA)
    document = parse_document(text, "trust")
    for principal in _aws_principals(document):
        if not _principal_exists(ctx, principal):
            raise iam_error("InvalidPrincipal", principal=principal)


def _aws_principals(document: PolicyDocument) -> list[str]:
    """The ``AWS`` principals the statements' Principal elements name (not NotPrincipal's)."""
    return [
        name
        for statement in document.statements
        for kind, names in statement.principals or ()
        if kind == "AWS"
        for name in names
    ]


def _principal_exists(ctx: RequestContext, principal: str) -> bool:
    """IAM resolves AWS principals when it stores a trust policy: users and roles must exist
    (in accounts this server knows; others can't be checked), account ids and roots always do."""
    if (
        principal == "*"
        or _ACCOUNT_ID.fullmatch(principal)
        or re.fullmatch(r"arn:aws:iam::[0-9]{12}:root", principal)
    ):
        return True
    match = _IAM_PRINCIPAL_ARN.fullmatch(principal)
    if match is None:
        return principal.startswith("arn:aws:sts::")  # assumed-role session ARNs are accepted as written
    account = ctx.store.accounts.get(match.group(1))
    if account is None:
        return True
    table = account.iam.users if match.group(2) == "user" else account.iam.roles
    entity = table.get(match.group(3))
    return entity is not None and entity.arn == principal


# Views -------------------------------------------------------------------------------------------


def role_summary(role: Role) -> dict[str, Any]:
    """The members every role listing carries (the form nested in instance profiles)."""
    return {**entity_view(role, "Role"), "AssumeRolePolicyDocument": encode_document(role.assume_role_policy)}


def role_last_used(role: Role) -> dict[str, Any]:
    """Empty until the role is first used, as IAM reports it."""
    if role.last_used_date is None:
        return {}
    return {"LastUsedDate": role.last_used_date, "Region": role.last_used_region}


def _listed(role: Role) -> dict[str, Any]:
    """ListRoles' form: no PermissionsBoundary, RoleLastUsed or Tags (documented by IAM)."""
    return {
        **role_summary(role),
        "Description": role.description or None,
        "MaxSessionDuration": role.max_session_duration,
    }


def _full(role: Role) -> dict[str, Any]:
    return {
        **_listed(role),
        "PermissionsBoundary": boundary_view(role.permissions_boundary),
        "Tags": tag_list(role.tags) or None,
        "RoleLastUsed": role_last_used(role),
    }


def _created(role: Role) -> dict[str, Any]:
    """CreateRole answers without MaxSessionDuration and RoleLastUsed."""
    return {
        **role_summary(role),
        "Description": role.description or None,
        "PermissionsBoundary": boundary_view(role.permissions_boundary),
        "Tags": tag_list(role.tags) or None,
    }


# Handlers ----------------------------------------------------------------------------------------

_ROLE = requiring("RoleName")


@iam_action("CreateRole")
def create_role(ctx: RequestContext, req: CreateRoleRequestTypeDef, plan: IamPlan) -> dict[str, Any]:
    name, path = req["RoleName"], req.get("Path") or "/"
    if plan.found["RoleName"] is not None:
        raise iam_error("EntityExists", label="Role", name=name)
    if path.startswith(SERVICE_ROLE_PATH):
        raise iam_error("ServiceRolePath", prefix=SERVICE_ROLE_PATH)
    document = req["AssumeRolePolicyDocument"]
    check_trust_policy(ctx, document)
    tags = tags_in(req.get("Tags"))
    boundary = req.get("PermissionsBoundary")
    check_boundary(boundary, plan.found.get("PermissionsBoundary"))
    check_account_quota(ctx, "role")
    role = ctx.iam.create_role(
        ctx.now,
        name,
        path,
        ctx.store.ids.iam_id("AROA"),
        trust_policy=document,
        description=req.get("Description") or None,
        max_session_duration=req.get("MaxSessionDuration") or 3600,
        tags=tags,
        boundary=boundary,
    )
    return {"Role": _created(role)}


@iam_action("GetRole", _ROLE)
def get_role_(ctx: RequestContext, req: GetRoleRequestTypeDef, plan: IamPlan) -> dict[str, Any]:
    return {"Role": _full(plan.role)}


@iam_action("ListRoles")
def list_roles(ctx: RequestContext, req: ListRolesRequestTypeDef, plan: IamPlan) -> dict[str, Any]:
    prefix = req.get("PathPrefix") or "/"
    roles = [r for r in ctx.iam.roles.sorted() if r.path.startswith(prefix)]
    chunk, paging = page(roles, req)
    return {"Roles": [_listed(r) for r in chunk], **paging}


@iam_action("UpdateRole", _ROLE)
def update_role(ctx: RequestContext, req: UpdateRoleRequestTypeDef, plan: IamPlan) -> dict[str, Any]:
    role = plan.role
    description = req["Description"] or None if "Description" in req else role.description
    duration = req.get("MaxSessionDuration") or role.max_session_duration
    ctx.iam.update_role(ctx.now, role, description, duration, role.assume_role_policy)
    return {}


@iam_action("UpdateRoleDescription", _ROLE)
def update_role_description(
    ctx: RequestContext, req: UpdateRoleDescriptionRequestTypeDef, plan: IamPlan
) -> dict[str, Any]:
    role = plan.role
    ctx.iam.update_role(
        ctx.now, role, req["Description"] or None, role.max_session_duration, role.assume_role_policy
    )
    return {"Role": _full(role)}


@iam_action("UpdateAssumeRolePolicy", _ROLE)
def update_assume_role_policy(
    ctx: RequestContext, req: UpdateAssumeRolePolicyRequestTypeDef, plan: IamPlan
) -> None:
    role = plan.role
    check_trust_policy(ctx, req["PolicyDocument"])
    ctx.iam.update_role(ctx.now, role, role.description, role.max_session_duration, req["PolicyDocument"])


@iam_action("DeleteRole", _ROLE)
def delete_role(ctx: RequestContext, req: DeleteRoleRequestTypeDef, plan: IamPlan) -> None:
    """IAM refuses while the role is in an instance profile or has any policy (in that order)."""
    role = plan.role
    if role.profile_names:
        raise iam_error("DeleteConflict", reason="must remove roles from instance profile first")
    if role.attached_policies:
        raise iam_error("DeleteConflict", reason="must detach all policies first")
    if role.inline_policies:
        raise iam_error("DeleteConflict", reason="must delete policies first")
    ctx.iam.delete(ctx.now, "role", role.name)


@iam_action("PutRolePermissionsBoundary", _ROLE)
def put_role_permissions_boundary(
    ctx: RequestContext, req: PutRolePermissionsBoundaryRequestTypeDef, plan: IamPlan
) -> None:
    set_boundary(ctx, plan.role, req["PermissionsBoundary"], plan.found["PermissionsBoundary"])


@iam_action("DeleteRolePermissionsBoundary", _ROLE)
def delete_role_permissions_boundary(
    ctx: RequestContext, req: DeleteRolePermissionsBoundaryRequestTypeDef, plan: IamPlan
) -> None:
    set_boundary(ctx, plan.role, None)
