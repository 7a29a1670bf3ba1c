"""Tag, Untag and List*Tags for every taggable IAM entity: one implementation, registered per kind."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ec2sim.api.authorization import Resolver
from ec2sim.api.context import RequestContext
from ec2sim.api.iam.authz import IamPlan, iam_action, requiring
from ec2sim.api.iam.common import page, tag_list, tags_in, untag
from ec2sim.store.iam.changes import TaggableKind

if TYPE_CHECKING:
    from types_boto3_iam.type_defs import (
        ListInstanceProfileTagsRequestTypeDef,
        ListPolicyTagsRequestTypeDef,
        ListRoleTagsRequestTypeDef,
        ListUserTagsRequestTypeDef,
        TagInstanceProfileRequestTypeDef,
        TagPolicyRequestTypeDef,
        TagRoleRequestTypeDef,
        TagUserRequestTypeDef,
        UntagInstanceProfileRequestTypeDef,
        UntagPolicyRequestTypeDef,
        UntagRoleRequestTypeDef,
        UntagUserRequestTypeDef,
    )

    # One implementation serves every kind's operation: its request is any kind's.
    _TagRequest = (
        TagUserRequestTypeDef
        | TagRoleRequestTypeDef
        | TagInstanceProfileRequestTypeDef
        | TagPolicyRequestTypeDef
    )
    _UntagRequest = (
        UntagUserRequestTypeDef
        | UntagRoleRequestTypeDef
        | UntagInstanceProfileRequestTypeDef
        | UntagPolicyRequestTypeDef
    )
    _ListTagsRequest = (
        ListUserTagsRequestTypeDef
        | ListRoleTagsRequestTypeDef
        | ListInstanceProfileTagsRequestTypeDef
        | ListPolicyTagsRequestTypeDef
    )

# Kind → (the request member naming the entity, the store's kind, the resolver of the requests that
# change its tags, of those that read them).
_TAGGABLE: dict[str, tuple[str, TaggableKind, Resolver, Resolver]] = {
    "User": ("UserName", "user", requiring("UserName"), requiring("UserName")),
    "Role": ("RoleName", "role", requiring("RoleName"), requiring("RoleName")),
    "InstanceProfile": (
        "InstanceProfileName",
        "instance-profile",
        requiring("InstanceProfileName"),
        requiring("InstanceProfileName"),
    ),
    # AWS-managed policies can't be tagged
    "Policy": ("PolicyArn", "policy", requiring(policy="write"), requiring(policy="read")),
}


def _key(kind: TaggableKind, entity: Any) -> str:
    """How the store names the entity: policies by ARN, the others by name."""
    return str(entity.arn if kind == "policy" else entity.name)


def _register(
    kind: str, member: str, store_kind: TaggableKind, writable: Resolver, readable: Resolver
) -> None:
    @iam_action(f"Tag{kind}", writable)
    def tag(ctx: RequestContext, req: _TagRequest, plan: IamPlan) -> None:
        entity = plan.named(member)
        tags = tags_in(req["Tags"], entity.tags, case_sensitive=store_kind == "policy")
        ctx.iam.set_tags(ctx.now, store_kind, _key(store_kind, entity), tags)

    @iam_action(f"Untag{kind}", writable)
    def untag_entity(ctx: RequestContext, req: _UntagRequest, plan: IamPlan) -> None:
        entity = plan.named(member)
        tags = untag(entity.tags, req["TagKeys"], case_sensitive=store_kind == "policy")
        ctx.iam.set_tags(ctx.now, store_kind, _key(store_kind, entity), tags)

    @iam_action(f"List{kind}Tags", readable)
    def list_tags(ctx: RequestContext, req: _ListTagsRequest, plan: IamPlan) -> dict[str, Any]:
        """Sorted by key, as IAM lists them; but a policy's in the order they were added (issue 14)."""
        tags = tag_list(plan.named(member).tags)
        if store_kind != "policy":
            tags.sort(key=lambda t: t["Key"])
        chunk, paging = page(tags, req)
        return {"Tags": list(chunk), **paging}


for _kind, (_member, _store_kind, _writable, _readable) in _TAGGABLE.items():
    _register(_kind, _member, _store_kind, _writable, _readable)
