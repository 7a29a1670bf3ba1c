"""IAM: groups and their members.

Membership is kept on both sides, by lower-cased name: `User.group_names` and
`Group.member_names`; the store's membership change updates the two together.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ec2sim.api.context import RequestContext
from ec2sim.api.errors import AwsError
from ec2sim.api.iam.authz import IamPlan, iam_action, requiring
from ec2sim.api.iam.common import entity_view, page, rename_entity
from ec2sim.api.iam.messages import iam_error
from ec2sim.api.iam.quotas import check_account_quota
from ec2sim.api.iam.users import user_view
from ec2sim.store.iam.entities import Group

if TYPE_CHECKING:
    from types_boto3_iam.type_defs import (
        AddUserToGroupRequestTypeDef,
        CreateGroupRequestTypeDef,
        DeleteGroupRequestTypeDef,
        GetGroupRequestTypeDef,
        ListGroupsForUserRequestTypeDef,
        ListGroupsRequestTypeDef,
        RemoveUserFromGroupRequestTypeDef,
        UpdateGroupRequestTypeDef,
    )

MAX_GROUPS_PER_USER = 10
_CONFLICTS: tuple[tuple[str, str], ...] = (
    ("member_names", "must remove users from group first"),
    ("inline_policies", "must delete policies first"),
    ("attached_policies", "must detach all policies first"),
)


def group_view(group: Group) -> dict[str, Any]:
    return entity_view(group, "Group")


def _exists(name: str) -> AwsError:
    return iam_error("EntityExists", label="Group", name=name)


_GROUP = requiring("GroupName")
_MEMBERSHIP = requiring("GroupName", "UserName")


@iam_action("CreateGroup")
def create_group(ctx: RequestContext, req: CreateGroupRequestTypeDef, plan: IamPlan) -> dict[str, Any]:
    name = req["GroupName"]
    if plan.found["GroupName"] is not None:
        raise _exists(name)
    check_account_quota(ctx, "group")
    group = ctx.iam.create_group(ctx.now, name, req.get("Path") or "/", ctx.store.ids.iam_id("AGPA"))
    return {"Group": group_view(group)}


@iam_action("GetGroup", _GROUP)
def get_group_action(ctx: RequestContext, req: GetGroupRequestTypeDef, plan: IamPlan) -> dict[str, Any]:
    group = plan.group
    members = sorted(filter(None, map(ctx.iam.users.get, group.member_names)), key=lambda u: u.name.lower())
    chunk, marker = page(members, req)
    return {"Group": group_view(group), "Users": [user_view(u) for u in chunk], **marker}


@iam_action("ListGroups")
def list_groups(ctx: RequestContext, req: ListGroupsRequestTypeDef, plan: IamPlan) -> dict[str, Any]:
    prefix = req.get("PathPrefix") or "/"
    chunk, marker = page([g for g in ctx.iam.groups.sorted() if g.path.startswith(prefix)], req)
    return {"Groups": [group_view(g) for g in chunk], **marker}


@iam_action("UpdateGroup", _GROUP)
def update_group(ctx: RequestContext, req: UpdateGroupRequestTypeDef, plan: IamPlan) -> None:
    group = plan.group
    rename_entity(ctx, "group", group, req.get("NewGroupName"), req.get("NewPath"))


@iam_action("DeleteGroup", _GROUP)
def delete_group(ctx: RequestContext, req: DeleteGroupRequestTypeDef, plan: IamPlan) -> None:
    group = plan.group
    for attribute, message in _CONFLICTS:
        if getattr(group, attribute):
            raise iam_error("DeleteConflict", reason=message)
    ctx.iam.delete(ctx.now, "group", group.name)


@iam_action("AddUserToGroup", _MEMBERSHIP)
def add_user_to_group(ctx: RequestContext, req: AddUserToGroupRequestTypeDef, plan: IamPlan) -> None:
    group = plan.group
    user = plan.user
    if group.name.lower() in user.group_names:
        return
    if len(user.group_names) >= MAX_GROUPS_PER_USER:
        raise iam_error("Quota", quota="GroupsPerUser", limit=MAX_GROUPS_PER_USER)
    ctx.iam.set_group_membership(ctx.now, user.name, group.name, member=True)


@iam_action("RemoveUserFromGroup", _MEMBERSHIP)
def remove_user_from_group(
    ctx: RequestContext, req: RemoveUserFromGroupRequestTypeDef, plan: IamPlan
) -> None:
    """Removing a user who isn't a member succeeds and changes nothing, as IAM answers it (issue 14)."""
    group = plan.group
    user = plan.user
    if group.name.lower() not in user.group_names:
        return
    ctx.iam.set_group_membership(ctx.now, user.name, group.name, member=False)


@iam_action("ListGroupsForUser", requiring("UserName"))
def list_groups_for_user(
    ctx: RequestContext, req: ListGroupsForUserRequestTypeDef, plan: IamPlan
) -> dict[str, Any]:
    user = plan.user
    groups = sorted(filter(None, map(ctx.iam.groups.get, user.group_names)), key=lambda g: g.name.lower())
    chunk, marker = page(groups, req)
    return {"Groups": [group_view(g) for g in chunk], **marker}
