"""Small helpers every EC2 resource family shares."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar, cast

from ec2sim.api.errors import AwsError
from ec2sim.store.resources import ResourceType
from ec2sim.store.table import Resource, Table

R = TypeVar("R", bound=Resource)


def tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def find_ids(table: Table[R], ids: Iterable[str], rtype: ResourceType, message: str = "") -> list[R]:
    """The objects of `ids` (each once, in order); the first unknown id is its type's NotFound
    (`message`: another wording of it, with ``{id}``)."""
    found = []
    for resource_id in dict.fromkeys(ids):
        item = table.get(resource_id)
        if item is None:
            code, text = rtype.not_found_message(resource_id)
            raise AwsError(code, message.format(id=resource_id) if message else text)
        found.append(item)
    return found


def fingerprint(req: Mapping[str, Any]) -> str:
    """A digest of a request's parameters other than its ClientToken (for idempotency)."""
    params = {k: v for k, v in req.items() if k not in ("ClientToken", "DryRun")}
    return hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()


def idempotent_mismatch() -> AwsError:
    return AwsError(
        "IdempotentParameterMismatch",
        "Arguments on this idempotent request are inconsistent with arguments used in previous request(s).",
    )


def replayed(table: Table[R], req: Mapping[str, Any]) -> R | None:
    """What an earlier request with this request's ClientToken made (a retry is answered with it),
    by the table's ``client_token`` index; the same token with other arguments is
    IdempotentParameterMismatch."""
    token = req.get("ClientToken")
    earlier = next(iter(table.where("client_token", token)), None) if token else None
    # Every resource a ClientToken can create keeps its request_fingerprint (not a Resource field).
    if earlier is not None and cast(Any, earlier).request_fingerprint != fingerprint(req):
        raise idempotent_mismatch()
    return earlier


def dependency_violation(kind: str, resource_id: str) -> AwsError:
    """EC2's DependencyViolation for a resource still in use (``The vpc 'vpc-…' has …``; `kind` as
    EC2 spells it there: vpc, subnet, routeTable, networkAcl, internetGateway, dhcpOptions)."""
    return AwsError(
        "DependencyViolation", f"The {kind} '{resource_id}' has dependencies and cannot be deleted."
    )
