"""Tag, Untag and List*Tags for every taggable IAM entity: one implementation, registered per kind."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ec2sim.api.context import RequestContext
from ec2sim.api.iam.common import get_instance_profile, get_role, get_user, page, tag_list, tags_in, untag
from ec2sim.api.iam.policies import customer_policy, get_policy
from ec2sim.api.registry import iam_action
from ec2sim.store.iam.changes import TaggableKind

Lookup = Callable[[RequestContext, str], Any]

# Kind → (the request member naming the entity, the store's kind, look-up to change its tags,
# look-up to read them).
_TAGGABLE: dict[str, tuple[str, TaggableKind, Lookup, Lookup]] = {
    "User": ("UserName", "user", get_user, get_user),
    "Role": ("RoleName", "role", get_role, get_role),
    "InstanceProfile": (
        "InstanceProfileName",
        "instance-profile",
        get_instance_profile,
        get_instance_profile,
    ),
    "Policy": ("PolicyArn", "policy", customer_policy, get_policy),  # AWS-managed policies can't be tagged
}


def _key(kind: TaggableKind, entity: Any) -> str:
    """How the store names the entity: policies by ARN, the others by name."""
    return str(entity.arn if kind == "policy" else entity.name)


def _register(kind: str, member: str, store_kind: TaggableKind, writable: Lookup, readable: Lookup) -> None:
    @iam_action(f"Tag{kind}")
    def tag(ctx: RequestContext, req: dict[str, Any]) -> None:
        entity = writable(ctx, req[member])
        ctx.iam.set_tags(ctx.now, store_kind, _key(store_kind, entity), tags_in(req["Tags"], entity.tags))

    @iam_action(f"Untag{kind}")
    def untag_entity(ctx: RequestContext, req: dict[str, Any]) -> None:
        entity = writable(ctx, req[member])
        ctx.iam.set_tags(ctx.now, store_kind, _key(store_kind, entity), untag(entity.tags, req["TagKeys"]))

    @iam_action(f"List{kind}Tags")
    def list_tags(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
        """Sorted by key, as IAM lists them."""
        tags = sorted(tag_list(readable(ctx, req[member]).tags), key=lambda t: t["Key"])
        chunk, paging = page(tags, req)
        return {"Tags": list(chunk), **paging}


for _kind, (_member, _store_kind, _writable, _readable) in _TAGGABLE.items():
    _register(_kind, _member, _store_kind, _writable, _readable)
