"""IAM: groups and their members.

Membership is kept on both sides, by lower-cased name: `User.group_names` and
`Group.member_names`; every change here updates the two together.
"""

from __future__ import annotations

from typing import Any

from ec2sim.api.context import RequestContext
from ec2sim.api.errors import AwsError
from ec2sim.api.iam.common import entity_view, get_group, get_user, page, rename_entity
from ec2sim.api.iam.users import user_view
from ec2sim.api.registry import iam_action
from ec2sim.iam.propagation import mark_changed
from ec2sim.store.iam.entities import Group

MAX_GROUPS_PER_USER = 10
_CONFLICTS: tuple[tuple[str, str], ...] = (
    ("member_names", "must remove users from group first"),
    ("inline_policies", "must delete policies first"),
    ("attached_policies", "must detach all policies first"),
)


def group_view(group: Group) -> dict[str, Any]:
    return entity_view(group, "Group")


def _exists(name: str) -> AwsError:
    return AwsError("EntityAlreadyExists", f"Group with name {name} already exists.")


@iam_action("CreateGroup")
def create_group(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    name = req["GroupName"]
    if ctx.iam.groups.get(name) is not None:
        raise _exists(name)
    path = req.get("Path") or "/"
    group = Group(
        name=name,
        path=path,
        id=ctx.store.ids.iam_id("AGPA"),
        arn=ctx.iam.arn("group", path, name),
        create_date=ctx.now,
    )
    ctx.iam.groups.add(group)
    mark_changed(ctx, "group", name)
    return {"Group": group_view(group)}


@iam_action("GetGroup")
def get_group_action(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    group = get_group(ctx, req["GroupName"])
    members = sorted(filter(None, map(ctx.iam.users.get, group.member_names)), key=lambda u: u.name.lower())
    chunk, marker = page(members, req)
    return {"Group": group_view(group), "Users": [user_view(u) for u in chunk], **marker}


@iam_action("ListGroups")
def list_groups(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    prefix = req.get("PathPrefix") or "/"
    chunk, marker = page([g for g in ctx.iam.groups.sorted() if g.path.startswith(prefix)], req)
    return {"Groups": [group_view(g) for g in chunk], **marker}


@iam_action("UpdateGroup")
def update_group(ctx: RequestContext, req: dict[str, Any]) -> None:
    group = get_group(ctx, req["GroupName"])
    old_key, new_key = rename_entity(
        ctx, ctx.iam.groups, "group", group, req.get("NewGroupName"), req.get("NewPath")
    )
    if new_key != old_key:
        for user in filter(None, map(ctx.iam.users.get, group.member_names)):
            user.group_names[user.group_names.index(old_key)] = new_key


@iam_action("DeleteGroup")
def delete_group(ctx: RequestContext, req: dict[str, Any]) -> None:
    group = get_group(ctx, req["GroupName"])
    for attribute, message in _CONFLICTS:
        if getattr(group, attribute):
            raise AwsError("DeleteConflict", f"Cannot delete entity, {message}.")
    ctx.iam.groups.remove(group.name)


@iam_action("AddUserToGroup")
def add_user_to_group(ctx: RequestContext, req: dict[str, Any]) -> None:
    group = get_group(ctx, req["GroupName"])
    user = get_user(ctx, req["UserName"])
    group_key, user_key = group.name.lower(), user.name.lower()
    if group_key in user.group_names:
        return
    if len(user.group_names) >= MAX_GROUPS_PER_USER:
        raise AwsError("LimitExceeded", f"Cannot exceed quota for GroupsPerUser: {MAX_GROUPS_PER_USER}")
    user.group_names.append(group_key)
    group.member_names.append(user_key)
    mark_changed(ctx, "user", user_key, "group", group_key)


@iam_action("RemoveUserFromGroup")
def remove_user_from_group(ctx: RequestContext, req: dict[str, Any]) -> None:
    group = get_group(ctx, req["GroupName"])
    user = get_user(ctx, req["UserName"])
    group_key, user_key = group.name.lower(), user.name.lower()
    if group_key not in user.group_names:
        raise AwsError("NoSuchEntity", f"The user with name {user.name} cannot be found.")
    user.group_names.remove(group_key)
    group.member_names.remove(user_key)


@iam_action("ListGroupsForUser")
def list_groups_for_user(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    user = get_user(ctx, req["UserName"])
    groups = sorted(filter(None, map(ctx.iam.groups.get, user.group_names)), key=lambda g: g.name.lower())
    chunk, marker = page(groups, req)
    return {"Groups": [group_view(g) for g in chunk], **marker}
