"""IAM: service-specific credentials (Git credentials for CodeCommit, Amazon Keyspaces, Bedrock API
keys): a user name and a password for one service, at most `MAX_PER_SERVICE` per user and service.

The user name is ``USER-at-ACCOUNT`` (CodeCommit's and Keyspaces' documented form) and the password
44 base64 characters, as IAM issues them; ResetServiceSpecificCredential gives a new password.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from ec2sim.api.context import RequestContext
from ec2sim.api.errors import AwsError
from ec2sim.api.iam.authz import IamPlan, iam_action, requiring, resolve_named
from ec2sim.api.iam.common import page
from ec2sim.api.iam.held import held_by, held_one, update_status
from ec2sim.api.iam.messages import iam_error
from ec2sim.store.iam.user_credentials import ServiceCredential

if TYPE_CHECKING:
    from types_boto3_iam.type_defs import (
        CreateServiceSpecificCredentialRequestTypeDef,
        DeleteServiceSpecificCredentialRequestTypeDef,
        ListServiceSpecificCredentialsRequestTypeDef,
        ResetServiceSpecificCredentialRequestTypeDef,
        UpdateServiceSpecificCredentialRequestTypeDef,
    )

SERVICES = frozenset({"codecommit.amazonaws.com", "cassandra.amazonaws.com", "bedrock.amazonaws.com"})
MAX_PER_SERVICE = 2  # "Service-specific credentials per user per service" (IAM and AWS STS quotas)


def _password() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def _summary(user: str, credential: ServiceCredential) -> dict[str, Any]:
    return {
        "UserName": user,
        "Status": credential.status,
        "ServiceUserName": credential.service_user_name,
        "CreateDate": credential.create_date,
        "ExpirationDate": credential.expiration,
        "ServiceSpecificCredentialId": credential.id,
        "ServiceName": credential.service_name,
    }


def _full(user: str, credential: ServiceCredential) -> dict[str, Any]:
    return {**_summary(user, credential), "ServicePassword": credential.password}


def _unsupported(service: str) -> AwsError:
    return iam_error("ServiceNotSupported", service=service)


def _plan(ctx: RequestContext, req: Mapping[str, Any]) -> IamPlan:
    """On the user, with iam:ServiceSpecificCredentialServiceName (the service the request names,
    or the credential's) and, for Create, iam:ServiceSpecificCredentialAgeDays."""
    if ctx.action == "CreateServiceSpecificCredential":
        plan = requiring("UserName")(ctx, req)
        assert isinstance(plan, IamPlan)
        plan.context["iam:ServiceSpecificCredentialServiceName"] = req["ServiceName"]
        if req.get("CredentialAgeDays"):
            plan.context["iam:ServiceSpecificCredentialAgeDays"] = str(req["CredentialAgeDays"])
        return plan
    plan = resolve_named(ctx, req)
    user = plan.found.get("UserName") or plan.caller
    held = ctx.iam.user_credentials.of("service_credentials", user.id) if user is not None else {}
    credential = held.get(req["ServiceSpecificCredentialId"])
    if isinstance(credential, ServiceCredential):
        plan.context["iam:ServiceSpecificCredentialServiceName"] = credential.service_name
    return plan


@iam_action("CreateServiceSpecificCredential", _plan)
def create_service_specific_credential(
    ctx: RequestContext, req: CreateServiceSpecificCredentialRequestTypeDef, plan: IamPlan
) -> dict[str, Any]:
    user, service = plan.user, req["ServiceName"]
    if service not in SERVICES:
        raise _unsupported(service)
    held = ctx.iam.user_credentials.of("service_credentials", user.id).values()
    if (
        sum(1 for c in held if isinstance(c, ServiceCredential) and c.service_name == service)
        >= MAX_PER_SERVICE
    ):
        raise iam_error("Quota", quota="ServiceSpecificCredentialsPerUserPerService", limit=MAX_PER_SERVICE)
    days = req.get("CredentialAgeDays")
    credential = ctx.iam.create_service_credential(
        ctx.now,
        user.name,
        ctx.store.ids.iam_id("ACCA"),
        service,
        f"{user.name}-at-{ctx.account_id}",
        _password(),
        ctx.now + timedelta(days=days) if days else None,
    )
    return {"ServiceSpecificCredential": _full(user.name, credential)}


@iam_action("ListServiceSpecificCredentials")
def list_service_specific_credentials(
    ctx: RequestContext, req: ListServiceSpecificCredentialsRequestTypeDef, plan: IamPlan
) -> dict[str, Any]:
    """A user's credentials (ServiceName narrows them); AllUsers: every user's in the account."""
    service = req.get("ServiceName")
    if service and service not in SERVICES:
        raise _unsupported(service)
    rows: list[tuple[str, Any]]
    if req.get("AllUsers"):
        rows = [
            (u.name, c)
            for u in ctx.iam.users.sorted()
            for c in ctx.iam.user_credentials.of("service_credentials", u.id).values()
        ]
    else:
        user, held = held_by(ctx, req, plan, "service_credentials")
        rows = [(user, c) for c in held]
    rows = [(u, c) for u, c in rows if not service or c.service_name == service]
    chunk, paging = page(rows, req)
    return {"ServiceSpecificCredentials": [_summary(u, c) for u, c in chunk], **paging}


@iam_action("UpdateServiceSpecificCredential", _plan)
def update_service_specific_credential(
    ctx: RequestContext, req: UpdateServiceSpecificCredentialRequestTypeDef, plan: IamPlan
) -> None:
    credential_id = req["ServiceSpecificCredentialId"]
    update_status(ctx, req, plan, "service_credentials", credential_id)


@iam_action("ResetServiceSpecificCredential", _plan)
def reset_service_specific_credential(
    ctx: RequestContext, req: ResetServiceSpecificCredentialRequestTypeDef, plan: IamPlan
) -> dict[str, Any]:
    credential_id = req["ServiceSpecificCredentialId"]
    user, credential = held_one(ctx, req, plan, "service_credentials", credential_id)
    ctx.iam.reset_service_credential(ctx.now, user.name, credential_id, _password())
    return {"ServiceSpecificCredential": _full(user.name, credential)}


@iam_action("DeleteServiceSpecificCredential", _plan)
def delete_service_specific_credential(
    ctx: RequestContext, req: DeleteServiceSpecificCredentialRequestTypeDef, plan: IamPlan
) -> None:
    credential_id = req["ServiceSpecificCredentialId"]
    user, _ = held_one(ctx, req, plan, "service_credentials", credential_id)
    ctx.iam.delete_user_credential(ctx.now, "service_credentials", user.name, credential_id)
