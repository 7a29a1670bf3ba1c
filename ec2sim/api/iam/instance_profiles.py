"""IAM: instance profiles, the (at most one) role each holds, and their tags."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ec2sim.api.context import RequestContext
from ec2sim.api.iam.authz import IamPlan, iam_action, requiring
from ec2sim.api.iam.common import entity_view, page, tag_list, tags_in
from ec2sim.api.iam.messages import iam_error
from ec2sim.api.iam.quotas import check_account_quota
from ec2sim.api.iam.roles import role_summary
from ec2sim.store.iam.account import IamAccount
from ec2sim.store.iam.entities import InstanceProfile

if TYPE_CHECKING:
    from types_boto3_iam.type_defs import (
        AddRoleToInstanceProfileRequestTypeDef,
        CreateInstanceProfileRequestTypeDef,
        DeleteInstanceProfileRequestTypeDef,
        GetInstanceProfileRequestTypeDef,
        ListInstanceProfilesForRoleRequestTypeDef,
        ListInstanceProfilesRequestTypeDef,
        RemoveRoleFromInstanceProfileRequestTypeDef,
    )

ROLES_PER_PROFILE = 1
_PROFILE = requiring("InstanceProfileName")
_PROFILE_ROLE = requiring("InstanceProfileName", "RoleName")


def profile_view(iam: IamAccount, profile: InstanceProfile, tags: bool = False) -> dict[str, Any]:
    """An instance profile with its role; listings leave out the tags, as IAM documents."""
    roles = [iam.roles.get(name) for name in profile.role_names]
    return {
        **entity_view(profile, "InstanceProfile"),
        "Roles": [role_summary(r) for r in roles if r is not None],
        "Tags": tag_list(profile.tags) if tags else None,  # GetInstanceProfile: <Tags/> when none
    }


@iam_action("CreateInstanceProfile")
def create_instance_profile(
    ctx: RequestContext, req: CreateInstanceProfileRequestTypeDef, plan: IamPlan
) -> dict[str, Any]:
    name, path = req["InstanceProfileName"], req.get("Path") or "/"
    if plan.found["InstanceProfileName"] is not None:
        raise iam_error("ProfileExists", name=name)
    tags = tags_in(req.get("Tags"))
    check_account_quota(ctx, "instance-profile")
    profile = ctx.iam.create_instance_profile(ctx.now, name, path, ctx.store.ids.iam_id("AIPA"), tags)
    # CreateInstanceProfile names Tags only when given some; GetInstanceProfile always (issue 14)
    return {"InstanceProfile": profile_view(ctx.iam, profile, tags=bool(tags))}


@iam_action("GetInstanceProfile", _PROFILE)
def get_instance_profile_(
    ctx: RequestContext, req: GetInstanceProfileRequestTypeDef, plan: IamPlan
) -> dict[str, Any]:
    profile = plan.profile
    return {"InstanceProfile": profile_view(ctx.iam, profile, tags=True)}


@iam_action("ListInstanceProfiles")
def list_instance_profiles(
    ctx: RequestContext, req: ListInstanceProfilesRequestTypeDef, plan: IamPlan
) -> dict[str, Any]:
    prefix = req.get("PathPrefix") or "/"
    profiles = [p for p in ctx.iam.instance_profiles.sorted() if p.path.startswith(prefix)]
    chunk, paging = page(profiles, req)
    return {"InstanceProfiles": [profile_view(ctx.iam, p) for p in chunk], **paging}


@iam_action("ListInstanceProfilesForRole", requiring("RoleName"))
def list_instance_profiles_for_role(
    ctx: RequestContext, req: ListInstanceProfilesForRoleRequestTypeDef, plan: IamPlan
) -> dict[str, Any]:
    role = plan.role
    found = (ctx.iam.instance_profiles.get(name) for name in role.profile_names)
    profiles = sorted(filter(None, found), key=lambda p: p.name.lower())
    chunk, paging = page(profiles, req)
    return {"InstanceProfiles": [profile_view(ctx.iam, p) for p in chunk], **paging}


@iam_action("DeleteInstanceProfile", _PROFILE)
def delete_instance_profile(
    ctx: RequestContext, req: DeleteInstanceProfileRequestTypeDef, plan: IamPlan
) -> None:
    profile = plan.profile
    if profile.role_names:
        raise iam_error("DeleteConflict", reason="must remove roles from instance profile first")
    ctx.iam.delete(ctx.now, "instance-profile", profile.name)


@iam_action("AddRoleToInstanceProfile", _PROFILE_ROLE)
def add_role_to_instance_profile(
    ctx: RequestContext, req: AddRoleToInstanceProfileRequestTypeDef, plan: IamPlan
) -> None:
    """A profile holds one role; adding any role (even the same one) to a full profile fails."""
    profile = plan.profile
    role = plan.role
    if len(profile.role_names) >= ROLES_PER_PROFILE:
        raise iam_error("Quota", quota="InstanceSessionsPerInstanceProfile", limit=ROLES_PER_PROFILE)
    ctx.iam.set_profile_role(ctx.now, profile.name, role.name, member=True)


@iam_action("RemoveRoleFromInstanceProfile", _PROFILE_ROLE)
def remove_role_from_instance_profile(
    ctx: RequestContext, req: RemoveRoleFromInstanceProfileRequestTypeDef, plan: IamPlan
) -> None:
    profile = plan.profile
    role = plan.role
    if role.name.lower() not in profile.role_names:
        raise iam_error("RoleNotInProfile", role=role.name, profile=profile.name)
    ctx.iam.set_profile_role(ctx.now, profile.name, role.name, member=False)
