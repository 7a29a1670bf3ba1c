"""What every IAM handler shares: look-ups with IAM's errors, Marker paging, tags."""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from ec2sim.api.context import RequestContext
from ec2sim.api.iam.messages import iam_error
from ec2sim.store.iam.entities import Entity, Group, User

if TYPE_CHECKING:
    from types_boto3_iam.type_defs import TagTypeDef

T = TypeVar("T")
MAX_TAGS = 50


def entity_view(entity: Entity, kind: str) -> dict[str, Any]:
    """Path, <Kind>Name, <Kind>Id, Arn, CreateDate: how every IAM entity shape begins."""
    return {
        "Path": entity.path,
        f"{kind}Name": entity.name,
        f"{kind}Id": entity.id,
        "Arn": entity.arn,
        "CreateDate": entity.create_date,
    }


def page(items: Sequence[T], req: Mapping[str, Any]) -> tuple[Sequence[T], dict[str, Any]]:
    """Marker/MaxItems paging: the page, and ``{"IsTruncated", "Marker"}`` to merge into the result."""
    start = 0
    marker = req.get("Marker")
    if marker:
        try:
            start = int(base64.b64decode(marker).decode())
        except ValueError:
            start = -1
        if start < 0:
            raise iam_error("InvalidMarker")
    size = req.get("MaxItems") or 100
    chunk = items[start : start + size]
    truncated = start + size < len(items)
    marker_out = base64.b64encode(str(start + size).encode()).decode() if truncated else None
    return chunk, {"IsTruncated": truncated, "Marker": marker_out}


def tags_in(
    tags: Sequence[TagTypeDef] | None, existing: dict[str, str] | None = None, case_sensitive: bool = False
) -> dict[str, str]:
    """Validated tags (merged over `existing`), with IAM's limits and errors. A managed policy's
    keys are case-sensitive (``a`` and ``A`` are two tags: issue 14's recorded responses); the other
    entities' are not."""
    fold = (lambda k: k) if case_sensitive else str.lower
    result = dict(existing or {})
    seen: set[str] = set()
    for tag in tags or ():
        key = tag["Key"]
        if fold(key) in seen:
            raise iam_error("DuplicateTags")
        seen.add(fold(key))
        for old in [k for k in result if fold(k) == fold(key)]:
            del result[old]
        result[key] = tag.get("Value", "")
    if len(result) > MAX_TAGS:
        raise iam_error("TagLimit", limit=MAX_TAGS)
    return result


def tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def untag(existing: dict[str, str], keys: Sequence[str], case_sensitive: bool = False) -> dict[str, str]:
    fold = (lambda k: k) if case_sensitive else str.lower
    drop = {fold(k) for k in keys}
    return {k: v for k, v in existing.items() if fold(k) not in drop}


def rename_entity(
    ctx: RequestContext,
    kind: Literal["user", "group"],
    entity: User | Group,
    new_name: str | None,
    new_path: str | None,
) -> None:
    """UpdateUser/UpdateGroup: rename (and move) the entity; the store moves its ARN, policy uses,
    memberships (and a user's keys and sessions) along."""
    new_name = new_name or entity.name
    if new_name.lower() != entity.name.lower() and ctx.iam.table(kind).get(new_name) is not None:
        label = kind.capitalize()
        raise iam_error("EntityExists", label=label, name=new_name)
    if new_name != entity.name or (new_path is not None and new_path != entity.path):
        ctx.iam.rename(ctx.now, kind, entity.name, new_name, new_path)
