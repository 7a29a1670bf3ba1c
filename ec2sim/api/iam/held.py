"""What the handlers of a user's SSH keys, signing certificates and service-specific credentials
share: the user a request is about (named, else the caller), and one credential of that user."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from ec2sim.api.context import RequestContext
from ec2sim.api.iam.authz import IamPlan
from ec2sim.api.iam.messages import iam_error
from ec2sim.api.iam.users import target_user
from ec2sim.store.iam.entities import User

Kind = Literal["ssh_keys", "signing_certificates", "service_credentials"]
# The message (in `ec2sim.api.iam.messages`) for a credential of each kind the user doesn't hold.
_MISSING: dict[Kind, str] = {
    "ssh_keys": "SshKeyNotFound",
    "signing_certificates": "SigningCertificateNotFound",
    "service_credentials": "ServiceCredentialNotFound",
}


def held_by(ctx: RequestContext, req: Mapping[str, Any], plan: IamPlan, kind: Kind) -> tuple[str, list[Any]]:
    """The user the request names (or the calling user) and their credentials of `kind`, in upload
    order; the root user's own (UserName omitted by the root user): none here."""
    if not req.get("UserName") and ctx.principal.kind == "root":
        return "", []
    user = target_user(ctx, req, plan)
    return user.name, list(ctx.iam.user_credentials.of(kind, user.id).values())


def held_one(
    ctx: RequestContext, req: Mapping[str, Any], plan: IamPlan, kind: Kind, credential_id: str
) -> tuple[User, Any]:
    """The user and their credential `credential_id` of `kind`; NoSuchEntity if the user holds no
    such credential (the root user holds none here)."""
    user = None if not req.get("UserName") and ctx.principal.kind == "root" else target_user(ctx, req, plan)
    credential = ctx.iam.user_credentials.of(kind, user.id).get(credential_id) if user is not None else None
    if user is None or credential is None:
        raise iam_error(_MISSING[kind], id=credential_id)
    return user, credential


def update_status(
    ctx: RequestContext, req: Mapping[str, Any], plan: IamPlan, kind: Kind, credential_id: str
) -> None:
    """Set credential `credential_id` of `kind` (found as `held_one` finds it) to ``req["Status"]``.
    Users set credentials Active or Inactive; Expired is IAM's to set (assumed wording)."""
    user, credential = held_one(ctx, req, plan, kind, credential_id)
    status = req["Status"]
    if status not in ("Active", "Inactive"):
        raise iam_error("InvalidStatus", status=status)
    if credential.status != status:
        ctx.iam.set_user_credential_status(ctx.now, kind, user.name, credential_id, status)
