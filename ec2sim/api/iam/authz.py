"""Which IAM resource each IAM action is authorized against, and its condition keys.

IAM authorizes an action on the entity it names: the instance profile, group,
user, role or managed policy (in that order of precedence: AddUserToGroup is
on the group, AttachUserPolicy on the user); renaming a user or group is also
authorized on the new name. Without one, actions whose user defaults to the
caller (GetUser, CreateAccessKey...) are on the caller's own user, and
GetAccessKeyLastUsed on the key's owner; listings are on their kind's path
(ListRoles on ``role/`` + PathPrefix, ListPolicies on "policy path /", as IAM's
denials name them); account-level actions (GetAccountSummary,
CreateAccountAlias...) are on ``*``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ec2sim.api.authorization import Check, authorizes, authorizes_service
from ec2sim.api.context import RequestContext
from ec2sim.api.registry import action_keys
from ec2sim.iam.context_keys import request_tags, resource_tags
from ec2sim.iam.policy.variables import ContextValue
from ec2sim.store.iam.entities import User
from ec2sim.store.resources import GROUP, INSTANCE_PROFILE, ROLE, USER

# (request parameter, the resource type it names), in order of precedence
_NAMED = (
    ("InstanceProfileName", INSTANCE_PROFILE),
    ("GroupName", GROUP),
    ("UserName", USER),
    ("RoleName", ROLE),
)
_NAME_MEMBERS = {rtype.name: param for param, rtype in _NAMED}
# Operations whose UserName is optional in IAM's model (it defaults to the caller), ChangePassword,
# and GetAccessKeyLastUsed of a key that isn't a user's of this account (its owner's otherwise).
_CALLERS_USER = frozenset(
    {
        "ChangePassword",
        "CreateAccessKey",
        "CreateLoginProfile",
        "DeactivateMFADevice",
        "DeleteAccessKey",
        "DeleteLoginProfile",
        "DeleteServiceSpecificCredential",
        "DeleteSigningCertificate",
        "GetAccessKeyLastUsed",
        "GetLoginProfile",
        "GetMFADevice",
        "GetUser",
        "ListAccessKeys",
        "ListMFADevices",
        "ListSSHPublicKeys",
        "ListServiceSpecificCredentials",
        "ListSigningCertificates",
        "ResetServiceSpecificCredential",
        "UpdateAccessKey",
        "UpdateServiceSpecificCredential",
        "UpdateSigningCertificate",
        "UploadSigningCertificate",
    }
)
# Listings authorized on the ARN of their kind's path prefix (``arn:aws:iam::ACCT:role/``).
_LISTED_KIND = {
    "ListRoles": "role",
    "ListUsers": "user",
    "ListGroups": "group",
    "ListInstanceProfiles": "instance-profile",
}


def _named_resource(ctx: RequestContext, req: dict[str, Any]) -> tuple[str, dict[str, ContextValue]]:
    """The ARN of the entity the request names, with its tags as aws:ResourceTag/*."""
    for param, rtype in _NAMED:
        name = req.get(param)
        if not name:
            continue
        entity = getattr(ctx.iam, rtype.table).get(name)
        if entity is not None:
            return entity.arn, resource_tags(entity.tags) if rtype.taggable else {}
        return ctx.iam.arn(rtype.name, req.get("Path") or "/", name), {}
    if req.get("PolicyArn"):
        policy = ctx.iam.policies.get(req["PolicyArn"])
        return req["PolicyArn"], resource_tags(policy.tags) if policy else {}
    if req.get("PolicyName") and ctx.action == "CreatePolicy":
        return ctx.iam.arn("policy", req.get("Path") or "/", req["PolicyName"]), {}
    owner = _key_owner(ctx, req["AccessKeyId"]) if ctx.action == "GetAccessKeyLastUsed" else None
    if owner is not None:
        return owner.arn, resource_tags(owner.tags)
    return _unnamed_resource(ctx, req), {}


def _key_owner(ctx: RequestContext, key_id: str) -> User | None:
    """The user of this account whose access key `key_id` is (GetAccessKeyLastUsed is on that user)."""
    credential = ctx.store.credentials.get(key_id)
    if credential is None or credential.kind != "user" or credential.account_id != ctx.account_id:
        return None
    return ctx.iam.users.get(credential.user_name or "")


def _unnamed_resource(ctx: RequestContext, req: dict[str, Any]) -> str:
    """The resource of an action that names no entity."""
    prefix = req.get("PathPrefix") or "/"
    if ctx.action in _LISTED_KIND:
        return ctx.iam.arn(_LISTED_KIND[ctx.action], prefix, "")
    if ctx.action == "ListPolicies":
        return f"policy path {prefix}"
    if ctx.action in _CALLERS_USER and ctx.principal.kind == "user":
        return ctx.principal.arn
    return "*"


@authorizes_service("iam")
def _iam_checks(ctx: RequestContext, req: dict[str, Any]) -> Iterable[Check]:
    resource, context = _named_resource(ctx, req)
    if req.get("PolicyArn") and "iam:PolicyARN" in action_keys("iam", ctx.action):  # Attach/Detach*Policy
        context["iam:PolicyARN"] = req["PolicyArn"]
    boundary = req.get("PermissionsBoundary")
    if boundary:
        context["iam:PermissionsBoundary"] = boundary
    if req.get("Tags"):
        context.update(request_tags({t["Key"]: t.get("Value", "") for t in req["Tags"]}))
    if req.get("TagKeys"):
        context["aws:TagKeys"] = list(req["TagKeys"])
    yield Check(f"iam:{ctx.action}", resource, context)
    if ctx.action in _RENAMES:
        yield from _rename_target(ctx, req, *_RENAMES[ctx.action])
    if ctx.action == "AddRoleToInstanceProfile":
        yield pass_role(ctx, req["RoleName"], "ec2.amazonaws.com")


# Renames: the action, on the entity's new ARN too (the entity's table, its kind, the new name's member).
_RENAMES = {
    "UpdateUser": ("users", "user", "NewUserName"),
    "UpdateGroup": ("groups", "group", "NewGroupName"),
}


def _rename_target(
    ctx: RequestContext, req: dict[str, Any], table: str, kind: str, member: str
) -> Iterable[Check]:
    """Renaming (or moving) needs the action on the target too: "to change Bob to Robert, the entity
    making the request must have permission on Bob and Robert" (UpdateUser/UpdateGroup API reference).
    A move to another path is taken as a change of target too (its ARN changes)."""
    entity = getattr(ctx.iam, table).get(req[_NAME_MEMBERS[kind]])
    if entity is None:
        return
    target = ctx.iam.arn(kind, req.get("NewPath") or entity.path, req.get(member) or entity.name)
    if target != entity.arn:
        yield Check(f"iam:{ctx.action}", target)


def pass_role(ctx: RequestContext, role_name: str, service: str) -> Check:
    """iam:PassRole on a role being handed to a service (an instance profile's role to EC2)."""
    role = ctx.iam.roles.get(role_name)
    arn = role.arn if role else ctx.iam.arn("role", "/", role_name)
    return Check("iam:PassRole", arn, {"iam:PassedToService": service})


@authorizes("iam", "SimulatePrincipalPolicy", "GetContextKeysForPrincipalPolicy")
def _principal_simulation(ctx: RequestContext, req: dict[str, Any]) -> Iterable[Check]:
    """On the user, group or role whose policies are simulated (Service Authorization Reference)."""
    yield Check(f"iam:{ctx.action}", req["PolicySourceArn"])


@authorizes("iam", "SimulateCustomPolicy", "GetContextKeysForCustomPolicy")
def _custom_simulation(ctx: RequestContext, req: dict[str, Any]) -> Iterable[Check]:
    """These name no resource: IAM authorizes them on ``*``."""
    yield Check(f"iam:{ctx.action}")


@authorizes("sts", "GetAccessKeyInfo", "DecodeAuthorizationMessage")
def _sts_unscoped(ctx: RequestContext, req: dict[str, Any]) -> Iterable[Check]:
    """STS actions without resource types in the SAR (until sts.py registers `NO_RESOURCES`)."""
    return [Check(f"sts:{ctx.action}")]
