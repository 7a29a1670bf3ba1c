"""IAM: users, their tags and permissions boundaries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ec2sim.api.context import RequestContext
from ec2sim.api.errors import AwsError
from ec2sim.api.iam.authz import IamPlan, iam_action, not_found, requiring
from ec2sim.api.iam.boundaries import boundary_view, check_boundary, set_boundary
from ec2sim.api.iam.common import entity_view, page, rename_entity, tag_list, tags_in
from ec2sim.api.iam.messages import iam_error
from ec2sim.api.iam.quotas import check_account_quota
from ec2sim.store.iam.entities import User

if TYPE_CHECKING:
    from types_boto3_iam.type_defs import (
        CreateUserRequestTypeDef,
        DeleteUserPermissionsBoundaryRequestTypeDef,
        DeleteUserRequestTypeDef,
        GetUserRequestTypeDef,
        ListUsersRequestTypeDef,
        PutUserPermissionsBoundaryRequestTypeDef,
        UpdateUserRequestTypeDef,
    )

# What a user must be rid of before DeleteUser, in the order of DeleteUser's API reference. Signing
# certificates and SSH keys as IAM words them (recorded in AWS CLI and aws-nuke transcripts: "must
# delete certificates first", "must remove referenced objects first"); the service-specific
# credential message follows the others' pattern (assumed).
_CONFLICTS: tuple[tuple[str, str], ...] = (
    ("login_profile", "must delete login profile first"),
    ("access_keys", "must delete access keys first"),
    ("signing_certificates", "must delete certificates first"),
    ("ssh_keys", "must remove referenced objects first"),
    ("service_credentials", "must delete service specific credentials first"),
    ("mfa_devices", "must delete MFA device first"),
    ("inline_policies", "must delete policies first"),
    ("attached_policies", "must detach all policies first"),
    ("group_names", "must remove users from group first"),
)
_HELD = frozenset({"signing_certificates", "ssh_keys", "service_credentials"})  # kept by user id


# Shared with the groups, access key and login profile handlers ------------------------------------


def user_view(user: User, detail: bool = False) -> dict[str, Any]:
    """The User shape; `detail` adds what only CreateUser/GetUser show (boundary, tags)."""
    view = {**entity_view(user, "User"), "PasswordLastUsed": user.password_last_used}
    if detail:
        if user.permissions_boundary:
            view["PermissionsBoundary"] = boundary_view(user.permissions_boundary)
        view["Tags"] = tag_list(user.tags) or None
    return view


def target_user(ctx: RequestContext, req: Mapping[str, Any], plan: IamPlan) -> User:
    """The named user, else the calling IAM user (IAM's rule for an omitted UserName), as the
    plan found them."""
    name = req.get("UserName")
    if name:
        user: User | None = plan.found.get("UserName")
        if user is None:
            raise not_found("UserName", name)
        return user
    if ctx.principal.kind != "user":
        raise iam_error("MustSpecifyUser")
    return plan.callers_user(ctx)


# Handlers -----------------------------------------------------------------------------------------


def _exists(name: str) -> AwsError:
    return iam_error("EntityExists", label="User", name=name)


@iam_action("CreateUser")
def create_user(ctx: RequestContext, req: CreateUserRequestTypeDef, plan: IamPlan) -> dict[str, Any]:
    name = req["UserName"]
    if plan.found["UserName"] is not None:
        raise _exists(name)
    boundary = req.get("PermissionsBoundary")
    check_boundary(boundary, plan.found.get("PermissionsBoundary"))
    tags = tags_in(req.get("Tags"))
    check_account_quota(ctx, "user")
    user_id = ctx.store.ids.iam_id("AIDA")
    user = ctx.iam.create_user(ctx.now, name, req.get("Path") or "/", user_id, tags, boundary)
    return {"User": user_view(user, detail=True)}


@iam_action("GetUser")
def get_user_action(ctx: RequestContext, req: GetUserRequestTypeDef, plan: IamPlan) -> dict[str, Any]:
    if not req.get("UserName") and ctx.principal.kind == "root":
        # The root user has no user name or path; its "user id" is the account id.
        return {
            "User": {"UserId": ctx.account_id, "Arn": ctx.principal.arn, "CreateDate": ctx.iam.create_date}
        }
    return {"User": user_view(target_user(ctx, req, plan), detail=True)}


@iam_action("ListUsers")
def list_users(ctx: RequestContext, req: ListUsersRequestTypeDef, plan: IamPlan) -> dict[str, Any]:
    prefix = req.get("PathPrefix") or "/"
    users = [u for u in ctx.iam.users.sorted() if u.path.startswith(prefix)]
    chunk, marker = page(users, req)
    return {"Users": [user_view(u) for u in chunk], **marker}


_USER = requiring("UserName")


@iam_action("UpdateUser", _USER)
def update_user(ctx: RequestContext, req: UpdateUserRequestTypeDef, plan: IamPlan) -> None:
    rename_entity(ctx, "user", plan.user, req.get("NewUserName"), req.get("NewPath"))


@iam_action("DeleteUser", _USER)
def delete_user(ctx: RequestContext, req: DeleteUserRequestTypeDef, plan: IamPlan) -> None:
    user = plan.user
    held = ctx.iam.user_credentials
    for attribute, message in _CONFLICTS:
        if getattr(user, attribute, None) or (attribute in _HELD and held.of(attribute, user.id)):
            raise iam_error("DeleteConflict", reason=message)
    ctx.iam.delete(ctx.now, "user", user.name)


@iam_action("PutUserPermissionsBoundary", _USER)
def put_user_permissions_boundary(
    ctx: RequestContext, req: PutUserPermissionsBoundaryRequestTypeDef, plan: IamPlan
) -> None:
    set_boundary(ctx, plan.user, req["PermissionsBoundary"], plan.found["PermissionsBoundary"])


@iam_action("DeleteUserPermissionsBoundary", _USER)
def delete_user_permissions_boundary(
    ctx: RequestContext, req: DeleteUserPermissionsBoundaryRequestTypeDef, plan: IamPlan
) -> None:
    set_boundary(ctx, plan.user, None)
