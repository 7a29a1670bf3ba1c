"""IAM: managed policy attachments and inline policies of users, groups and roles.

Each action exists three times (User/Group/Role) with the same behaviour, so one
implementation per action is registered once per entity kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ec2sim.api.context import RequestContext
from ec2sim.api.iam.authz import IamPlan, iam_action, managed_policy, requiring
from ec2sim.api.iam.common import page
from ec2sim.api.iam.messages import iam_error
from ec2sim.api.iam.policies import encode_document, parse_document
from ec2sim.iam.policy.grammar import policy_size
from ec2sim.store.iam.changes import PrincipalKind
from ec2sim.store.iam.entities import Principal

if TYPE_CHECKING:
    from types_boto3_iam.type_defs import (
        AttachGroupPolicyRequestTypeDef,
        AttachRolePolicyRequestTypeDef,
        AttachUserPolicyRequestTypeDef,
        DeleteGroupPolicyRequestTypeDef,
        DeleteRolePolicyRequestTypeDef,
        DeleteUserPolicyRequestTypeDef,
        DetachGroupPolicyRequestTypeDef,
        DetachRolePolicyRequestTypeDef,
        DetachUserPolicyRequestTypeDef,
        GetGroupPolicyRequestTypeDef,
        GetRolePolicyRequestTypeDef,
        GetUserPolicyRequestTypeDef,
        ListAttachedGroupPoliciesRequestTypeDef,
        ListAttachedRolePoliciesRequestTypeDef,
        ListAttachedUserPoliciesRequestTypeDef,
        ListEntitiesForPolicyRequestTypeDef,
        ListGroupPoliciesRequestTypeDef,
        ListRolePoliciesRequestTypeDef,
        ListUserPoliciesRequestTypeDef,
        PutGroupPolicyRequestTypeDef,
        PutRolePolicyRequestTypeDef,
        PutUserPolicyRequestTypeDef,
    )

    # One implementation serves the User, Group and Role operation: its request is any of the three.
    _AttachRequest = (
        AttachUserPolicyRequestTypeDef | AttachGroupPolicyRequestTypeDef | AttachRolePolicyRequestTypeDef
    )
    _DetachRequest = (
        DetachUserPolicyRequestTypeDef | DetachGroupPolicyRequestTypeDef | DetachRolePolicyRequestTypeDef
    )
    _ListAttachedRequest = (
        ListAttachedUserPoliciesRequestTypeDef
        | ListAttachedGroupPoliciesRequestTypeDef
        | ListAttachedRolePoliciesRequestTypeDef
    )
    _PutRequest = PutUserPolicyRequestTypeDef | PutGroupPolicyRequestTypeDef | PutRolePolicyRequestTypeDef
    _GetRequest = GetUserPolicyRequestTypeDef | GetGroupPolicyRequestTypeDef | GetRolePolicyRequestTypeDef
    _DeleteRequest = (
        DeleteUserPolicyRequestTypeDef | DeleteGroupPolicyRequestTypeDef | DeleteRolePolicyRequestTypeDef
    )
    _ListInlineRequest = (
        ListUserPoliciesRequestTypeDef | ListGroupPoliciesRequestTypeDef | ListRolePoliciesRequestTypeDef
    )

MAX_ATTACHED = 10


@dataclass(frozen=True)
class EntityKind:
    kind: PrincipalKind  # as in IamAccount.attachments
    label: str  # "User" | "Group" | "Role", as in action and member names
    inline_limit: int  # aggregate inline policy size, non-whitespace characters

    @property
    def name_member(self) -> str:
        return f"{self.label}Name"


KINDS = (
    EntityKind("user", "User", 2048),
    EntityKind("group", "Group", 5120),
    EntityKind("role", "Role", 10240),
)


# Managed policy attachments ----------------------------------------------------------------


def attach(ctx: RequestContext, kind: EntityKind, entity: Principal, arn: str, plan: IamPlan) -> None:
    """Attach `arn` to `entity` (attaching it again changes nothing)."""
    if plan.found["PolicyArn"] is None:
        raise iam_error("PolicyNotAttachable", arn=arn)
    if arn in entity.attached_policies:
        return
    if len(entity.attached_policies) >= MAX_ATTACHED:
        raise iam_error("Quota", quota=f"PoliciesPer{kind.label}", limit=MAX_ATTACHED)
    ctx.iam.set_attachment(ctx.now, kind.kind, entity.name, arn, attached=True)


def detach(ctx: RequestContext, kind: EntityKind, entity: Principal, arn: str) -> None:
    if arn not in entity.attached_policies:
        raise iam_error("PolicyNotFound", arn=arn)
    ctx.iam.set_attachment(ctx.now, kind.kind, entity.name, arn, attached=False)


def _attach_action(kind: EntityKind) -> None:
    def attach_handler(ctx: RequestContext, req: _AttachRequest, plan: IamPlan) -> None:
        attach(ctx, kind, plan.named(kind.name_member), req["PolicyArn"], plan)

    def detach_handler(ctx: RequestContext, req: _DetachRequest, plan: IamPlan) -> None:
        detach(ctx, kind, plan.named(kind.name_member), req["PolicyArn"])

    def list_attached(ctx: RequestContext, req: _ListAttachedRequest, plan: IamPlan) -> dict[str, Any]:
        entity = plan.named(kind.name_member)
        prefix = req.get("PathPrefix") or "/"
        found = (managed_policy(ctx, arn) for arn in entity.attached_policies)
        policies = [p for p in found if p is not None and p.path.startswith(prefix)]
        chunk, paging = page(policies, req)
        return {"AttachedPolicies": [{"PolicyName": p.name, "PolicyArn": p.arn} for p in chunk], **paging}

    named = requiring(kind.name_member)
    iam_action(f"Attach{kind.label}Policy", named)(attach_handler)
    iam_action(f"Detach{kind.label}Policy", named)(detach_handler)
    iam_action(f"ListAttached{kind.label}Policies", named)(list_attached)


# Inline policies ---------------------------------------------------------------------------


def _inline(kind: EntityKind, entity: Principal, name: str) -> str:
    document = entity.inline_policies.get(name)
    if document is None:
        raise iam_error("InlinePolicyNotFound", kind=kind.kind, name=name)
    return document


def put_inline(ctx: RequestContext, kind: EntityKind, entity: Principal, name: str, document: str) -> None:
    """Add or replace an inline policy, within the entity's aggregate size quota."""
    parse_document(document, "inline")
    others = sum(policy_size(text) for other, text in entity.inline_policies.items() if other != name)
    if others + policy_size(document) > kind.inline_limit:
        raise iam_error("InlineSize", limit=kind.inline_limit, kind=kind.kind, name=entity.name)
    ctx.iam.set_inline_policy(ctx.now, kind.kind, entity.name, name, document)


def _inline_actions(kind: EntityKind) -> None:
    def put(ctx: RequestContext, req: _PutRequest, plan: IamPlan) -> None:
        entity = plan.named(kind.name_member)
        put_inline(ctx, kind, entity, req["PolicyName"], req["PolicyDocument"])

    def get(ctx: RequestContext, req: _GetRequest, plan: IamPlan) -> dict[str, Any]:
        entity = plan.named(kind.name_member)
        document = _inline(kind, entity, req["PolicyName"])
        return {
            kind.name_member: entity.name,
            "PolicyName": req["PolicyName"],
            "PolicyDocument": encode_document(document),
        }

    def delete(ctx: RequestContext, req: _DeleteRequest, plan: IamPlan) -> None:
        entity = plan.named(kind.name_member)
        _inline(kind, entity, req["PolicyName"])
        ctx.iam.set_inline_policy(ctx.now, kind.kind, entity.name, req["PolicyName"], None)

    def list_names(ctx: RequestContext, req: _ListInlineRequest, plan: IamPlan) -> dict[str, Any]:
        entity = plan.named(kind.name_member)
        chunk, paging = page(sorted(entity.inline_policies), req)
        return {"PolicyNames": list(chunk), **paging}

    named = requiring(kind.name_member)
    iam_action(f"Put{kind.label}Policy", named)(put)
    iam_action(f"Get{kind.label}Policy", named)(get)
    iam_action(f"Delete{kind.label}Policy", named)(delete)
    iam_action(f"List{kind.label}Policies", named)(list_names)


for _kind in KINDS:
    _attach_action(_kind)
    _inline_actions(_kind)


# Entities for a policy -----------------------------------------------------------------------

_ENTITY_FILTERS = {"User": "user", "Group": "group", "Role": "role"}


def _users_of(ctx: RequestContext, arn: str, usage: str | None) -> set[tuple[str, str]]:
    if usage == "PermissionsPolicy":
        return set(ctx.iam.attachments.get(arn, ()))
    if usage == "PermissionsBoundary":
        return set(ctx.iam.boundary_uses.get(arn, ()))
    return set(ctx.iam.attachments.get(arn, ())) | set(ctx.iam.boundary_uses.get(arn, ()))


@iam_action("ListEntitiesForPolicy", requiring(policy="read"))
def list_entities_for_policy(
    ctx: RequestContext, req: ListEntitiesForPolicyRequestTypeDef, plan: IamPlan
) -> dict[str, Any]:
    arn = plan.policy.arn
    wanted = _ENTITY_FILTERS.get(req.get("EntityFilter") or "", None)
    if req.get("EntityFilter") and wanted is None:
        uses: set[tuple[str, str]] = set()  # LocalManagedPolicy / AWSManagedPolicy: no entity lists
    else:
        uses = {u for u in _users_of(ctx, arn, req.get("PolicyUsageFilter")) if wanted in (None, u[0])}
    prefix = req.get("PathPrefix") or "/"
    found = [
        (k, e)
        for k, name in sorted(uses)
        if (e := ctx.iam.table(k).get(name)) is not None and e.path.startswith(prefix)
    ]
    chunk, paging = page(found, req)
    result: dict[str, Any] = {"PolicyGroups": [], "PolicyUsers": [], "PolicyRoles": []}
    for k, entity in chunk:
        label = k.capitalize()
        result[f"Policy{label}s"].append({f"{label}Name": entity.name, f"{label}Id": entity.id})
    return {**result, **paging}
