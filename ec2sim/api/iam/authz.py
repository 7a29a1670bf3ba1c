"""IAM's plans: the entity each IAM request names, found once, and the check on it.

IAM authorizes an action on the entity it names: the instance profile, group,
user, role or managed policy (in that order of precedence: AddUserToGroup is
on the group, AttachUserPolicy on the user); renaming a user or group is also
authorized on the new name. Without one, actions whose user defaults to the
caller (GetUser, CreateAccessKey...) are on the caller's own user, and
GetAccessKeyLastUsed on the key's owner; listings are on their kind's path
(ListRoles on ``role/`` + PathPrefix, ListPolicies on "policy path /", as IAM's
denials name them); account-level actions (GetAccountSummary,
CreateAccountAlias...) are on ``*`` (`NO_RESOURCES`).

`resolve_named` finds every entity the request names (and the caller's own user,
and an access key's owner) once; `requiring` also records, in the order given,
the NotFound (or, for a policy ARN, InvalidInput / AccessDenied) the handler
would raise first. Handlers read the entities from the plan (`IamPlan.user`...).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

from ec2sim.api import registry
from ec2sim.api.authorization import Check, Plan, Resolver
from ec2sim.api.context import RequestContext
from ec2sim.api.errors import AwsError
from ec2sim.api.iam.messages import iam_error
from ec2sim.iam.context_keys import request_tags, resource_tags
from ec2sim.iam.policy.variables import ContextValue
from ec2sim.store.iam.entities import Group, InstanceProfile, ManagedPolicy, Role, User
from ec2sim.store.iam.managed import aws_managed_policy
from ec2sim.store.iam.service_linked import is_service_linked
from ec2sim.store.resources import GROUP, INSTANCE_PROFILE, ROLE, USER

# (request member, the resource type it names), in order of precedence
_NAMED = (
    ("InstanceProfileName", INSTANCE_PROFILE),
    ("GroupName", GROUP),
    ("UserName", USER),
    ("RoleName", ROLE),
)
_TYPES = dict(_NAMED)
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
# Renames: the action, on the entity's new ARN too (the member naming it, its kind, the new name's member).
_RENAMES = {
    "UpdateUser": ("UserName", "user", "NewUserName"),
    "UpdateGroup": ("GroupName", "group", "NewGroupName"),
}

PolicyAccess = Literal["read", "write"]
T = TypeVar("T")


@dataclass
class IamPlan(Plan):
    """The entities an IAM request names (member → entity, None: not found), and the check on
    the first of them in precedence (``resource`` with its tags and the request's keys)."""

    req: Mapping[str, Any] = field(default_factory=dict)
    resource: str = "*"
    context: dict[str, ContextValue] = field(default_factory=dict)
    found: dict[str, Any] = field(default_factory=dict)
    caller: User | None = None  # the caller's own IAM user, for the _CALLERS_USER actions
    key_owner: User | None = None  # GetAccessKeyLastUsed: the user of this account owning the key

    def checks(self, ctx: RequestContext) -> Iterator[Check]:
        yield Check(f"iam:{ctx.action}", self.resource, self.context)
        if ctx.action in _RENAMES:
            yield from self._rename_target(ctx, *_RENAMES[ctx.action])
        if ctx.action == "AddRoleToInstanceProfile":
            yield pass_role(ctx, self.req["RoleName"], "ec2.amazonaws.com", self.found.get("RoleName"))

    def _rename_target(self, ctx: RequestContext, member: str, kind: str, new_member: str) -> Iterator[Check]:
        """Renaming (or moving) needs the action on the target too: "to change Bob to Robert, the entity
        making the request must have permission on Bob and Robert" (UpdateUser/UpdateGroup API reference).
        A move to another path is taken as a change of target too (its ARN changes)."""
        entity = self.found.get(member)
        if entity is None:
            return
        target = ctx.iam.arn(
            kind, self.req.get("NewPath") or entity.path, self.req.get(new_member) or entity.name
        )
        if target != entity.arn:
            yield Check(f"iam:{ctx.action}", target)

    def callers_user(self, ctx: RequestContext) -> User:
        """The caller's own IAM user (for a caller that is one)."""
        if self.caller is None:
            raise not_found("UserName", ctx.principal.name)
        return self.caller

    def named(self, member: str) -> Any:
        """The entity `member` names; the resolver required it (its NotFound is the plan's error)."""
        entity = self.found.get(member)
        if entity is None:
            raise LookupError(f"{member}: not required by this operation's resolver")
        return entity

    @property
    def user(self) -> User:
        user: User = self.named("UserName")
        return user

    @property
    def group(self) -> Group:
        group: Group = self.named("GroupName")
        return group

    @property
    def role(self) -> Role:
        role: Role = self.named("RoleName")
        return role

    @property
    def profile(self) -> InstanceProfile:
        profile: InstanceProfile = self.named("InstanceProfileName")
        return profile

    @property
    def policy(self) -> ManagedPolicy:
        policy: ManagedPolicy = self.named("PolicyArn")
        return policy


def managed_policy(ctx: RequestContext, arn: str) -> ManagedPolicy | None:
    """The customer managed policy of this account, or the AWS managed policy, at `arn`."""
    return ctx.iam.policies.get(arn) or aws_managed_policy(arn)


def pass_role(ctx: RequestContext, role_name: str, service: str, role: Role | None = None) -> Check:
    """iam:PassRole on a role being handed to a service (an instance profile's role to EC2);
    ``role``: the role already found (else looked up by name)."""
    role = role or ctx.iam.roles.get(role_name)
    arn = role.arn if role else ctx.iam.arn("role", "/", role_name)
    return Check("iam:PassRole", arn, {"iam:PassedToService": service})


def _find(ctx: RequestContext, req: Mapping[str, Any], plan: IamPlan) -> None:
    """Every entity the request names, once; the check's resource is the first in precedence."""
    named = False
    for member, rtype in _NAMED:
        name = req.get(member)
        if not name:
            continue
        entity = getattr(ctx.iam, rtype.table).get(name)
        plan.found[member] = entity
        if named:
            continue
        named = True
        if entity is not None:
            plan.resource = entity.arn
            plan.context = resource_tags(entity.tags) if rtype.taggable else {}
        else:
            plan.resource = ctx.iam.arn(rtype.name, req.get("Path") or "/", name)
    if req.get("PermissionsBoundary"):
        plan.found["PermissionsBoundary"] = managed_policy(ctx, req["PermissionsBoundary"])
    arn = req.get("PolicyArn")
    if arn:
        policy = ctx.iam.policies.get(arn)
        plan.found["PolicyArn"] = policy or aws_managed_policy(arn)
        if not named:
            named = True
            plan.resource, plan.context = arn, resource_tags(policy.tags) if policy else {}
    if named:
        return
    if req.get("PolicyName") and ctx.action == "CreatePolicy":
        plan.resource = ctx.iam.arn("policy", req.get("Path") or "/", req["PolicyName"])
        # Policy names are unique in an account, whatever their path or case: the one it would clash with.
        existing = ctx.iam.policy_names.get(req["PolicyName"].lower())
        plan.found["PolicyName"] = ctx.iam.policies[existing] if existing else None
    elif ctx.action == "GetAccessKeyLastUsed" and (owner := _key_owner(ctx, req["AccessKeyId"])) is not None:
        plan.key_owner = owner
        plan.resource, plan.context = owner.arn, resource_tags(owner.tags)
    else:
        plan.resource = _unnamed_resource(ctx, req, plan)


def _key_owner(ctx: RequestContext, key_id: str) -> User | None:
    """The user of this account whose access key `key_id` is (GetAccessKeyLastUsed is on that user)."""
    credential = ctx.store.credentials.get(key_id)
    if credential is None or credential.kind != "user" or credential.account_id != ctx.account_id:
        return None
    return ctx.iam.users.get(credential.user_name or "")


def _unnamed_resource(ctx: RequestContext, req: Mapping[str, Any], plan: IamPlan) -> str:
    """The resource of an action that names no entity."""
    prefix = req.get("PathPrefix") or "/"
    if ctx.action in _LISTED_KIND:
        return ctx.iam.arn(_LISTED_KIND[ctx.action], prefix, "")
    if ctx.action == "ListPolicies":
        return f"policy path {prefix}"
    if ctx.action in _CALLERS_USER and ctx.principal.kind == "user":
        plan.caller = ctx.iam.users.get(ctx.principal.name)
        return ctx.principal.arn
    return "*"


def tag_keys(req: Mapping[str, Any], context: dict[str, ContextValue]) -> None:
    """The request's tags (aws:RequestTag/*, aws:TagKeys) and removed tag keys (aws:TagKeys)."""
    if req.get("Tags"):
        context.update(request_tags({t["Key"]: t.get("Value", "") for t in req["Tags"]}))
    if req.get("TagKeys"):
        context["aws:TagKeys"] = list(req["TagKeys"])


def _request_keys(ctx: RequestContext, req: Mapping[str, Any], context: dict[str, ContextValue]) -> None:
    if req.get("PolicyArn") and "iam:PolicyARN" in registry.action_keys("iam", ctx.action):
        context["iam:PolicyARN"] = req["PolicyArn"]  # Attach/Detach*Policy
    if req.get("PermissionsBoundary"):
        context["iam:PermissionsBoundary"] = req["PermissionsBoundary"]
    tag_keys(req, context)


@dataclass
class ArnPlan(Plan, Generic[T]):
    """An entity a request names by ARN (an identity provider, say): the check on it, and the
    entity once found."""

    resource: str = "*"
    context: dict[str, ContextValue] = field(default_factory=dict)
    entity: T | None = None

    def checks(self, ctx: RequestContext) -> Iterator[Check]:
        yield Check(f"iam:{ctx.action}", self.resource, self.context)

    @property
    def found(self) -> T:
        assert self.entity is not None  # else the plan's NotFound was raised
        return self.entity


def resolve_named(ctx: RequestContext, req: Mapping[str, Any]) -> IamPlan:
    """The default IAM resolver: the entities named, the check on the first; records no error."""
    plan = IamPlan(req=req)
    _find(ctx, req, plan)
    _request_keys(ctx, req, plan.context)
    return plan


def not_found(member: str, name: str) -> AwsError:
    """The NoSuchEntity of the entity request member `member` names (its descriptor's, but an
    instance profile's, which IAM words as "Instance Profile NAME cannot be found.")."""
    if member == "InstanceProfileName":
        return iam_error("ProfileNotFound", name=name)
    return AwsError(*_TYPES[member].not_found_message(name))


def policy_error(
    ctx: RequestContext, arn: str, policy: ManagedPolicy | None, access: PolicyAccess
) -> AwsError | None:
    """What reading (or, ``write``, changing) the managed policy `arn` names fails with, if anything:
    ValidationError if it isn't an ARN at all or not in the aws partition (IAM validates policy ARNs:
    issue 14), NoSuchEntity if unknown; another account's can't be changed, nor AWS-managed ones."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or not parts[2] or not parts[5]:
        return iam_error("ArnNotValid", arn=arn)
    if parts[1] != "aws":
        return iam_error("ArnPartition")
    if access == "write" and parts[4] not in ("aws", ctx.account_id):
        return iam_error("ForeignPolicy")
    if policy is None:
        return iam_error("PolicyNotFound", arn=arn)
    if access == "write" and policy.is_aws_managed:
        return iam_error("NotAuthorized", principal=ctx.principal.arn, action=ctx.action, arn=arn)
    return None


# What only AWS may do to a service-linked role (its description and tags stay the owner's).
PROTECTED_ROLE_ACTIONS = frozenset(
    {
        "AttachRolePolicy",
        "DeleteRole",
        "DeleteRolePermissionsBoundary",
        "DeleteRolePolicy",
        "DetachRolePolicy",
        "PutRolePermissionsBoundary",
        "PutRolePolicy",
        "UpdateAssumeRolePolicy",
    }
)


def refuse_service_linked(role: Role, plan: Plan) -> None:
    if is_service_linked(role):
        plan.fail(iam_error("UnmodifiableEntity", role=role.name))


def requiring(*members: str, policy: PolicyAccess | None = None) -> Resolver:
    """`resolve_named`, recording the handler's first errors: each of `members` not found (in
    this order), then the managed policy's (``policy``: whether it is read or changed)."""

    def resolve(ctx: RequestContext, req: Mapping[str, Any]) -> IamPlan:
        plan = resolve_named(ctx, req)
        for member in members:
            if plan.found.get(member) is None:
                plan.fail(not_found(member, req[member]))
        if ctx.action in PROTECTED_ROLE_ACTIONS and (role := plan.found.get("RoleName")) is not None:
            refuse_service_linked(role, plan)
        if policy is not None:
            error = policy_error(ctx, req["PolicyArn"], plan.found.get("PolicyArn"), policy)
            if error is not None:
                plan.fail(error)
        return plan

    return resolve


def iam_action(name: str, resolve: Resolver = resolve_named) -> registry.Register:
    """Register an IAM operation; its handler takes the plan (by default `resolve_named`'s)."""
    return registry.iam_action(name, resolve)
