"""What the handlers of a user's SSH keys, signing certificates and service-specific credentials
share: the user a request is about (named, else the caller), and one credential of that user."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from ec2sim.api.context import RequestContext
from ec2sim.api.errors import AwsError
from ec2sim.api.iam.authz import IamPlan
from ec2sim.api.iam.users import target_user
from ec2sim.store.iam.entities import User

Kind = Literal["ssh_keys", "signing_certificates", "service_credentials"]


def held_by(ctx: RequestContext, req: Mapping[str, Any], plan: IamPlan, kind: Kind) -> tuple[str, list[Any]]:
    """The user the request names (or the calling user) and their credentials of `kind`, in upload
    order; the root user's own (UserName omitted by the root user): none here."""
    if not req.get("UserName") and ctx.principal.kind == "root":
        return "", []
    user = target_user(ctx, req, plan)
    return user.name, list(ctx.iam.user_credentials.of(kind, user.id).values())


def held_one(
    ctx: RequestContext, req: Mapping[str, Any], plan: IamPlan, kind: Kind, credential_id: str, missing: str
) -> tuple[User, Any]:
    """The user and their credential `credential_id` of `kind`; NoSuchEntity (`missing`) if the user
    holds no such credential (the root user holds none here)."""
    if not req.get("UserName") and ctx.principal.kind == "root":
        raise AwsError("NoSuchEntity", missing)
    user = target_user(ctx, req, plan)
    credential = ctx.iam.user_credentials.of(kind, user.id).get(credential_id)
    if credential is None:
        raise AwsError("NoSuchEntity", missing)
    return user, credential


def update_status(
    ctx: RequestContext, req: Mapping[str, Any], plan: IamPlan, kind: Kind, credential_id: str, missing: str
) -> None:
    """Set credential `credential_id` of `kind` (found as `held_one` finds it) to ``req["Status"]``.
    Users set credentials Active or Inactive; Expired is IAM's to set (assumed wording)."""
    user, credential = held_one(ctx, req, plan, kind, credential_id, missing)
    status = req["Status"]
    if status not in ("Active", "Inactive"):
        raise AwsError("InvalidInput", f"Invalid status: {status}. Status must be Active or Inactive.")
    if credential.status != status:
        ctx.iam.set_user_credential_status(ctx.now, kind, user.name, credential_id, status)
