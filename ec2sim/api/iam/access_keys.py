"""IAM: users' access keys, and the server-wide credential index SigV4 verifies them with.

SigV4 refuses a key whose `AccessKey.status` is Inactive and records its last use
on the `AccessKey` (`last_used_date`, `last_used_service`, `last_used_region`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ec2sim.api.context import RequestContext
from ec2sim.api.errors import AwsError
from ec2sim.api.iam.authz import IamPlan, iam_action
from ec2sim.api.iam.common import page
from ec2sim.api.iam.messages import iam_error
from ec2sim.api.iam.users import target_user
from ec2sim.store.iam.entities import AccessKey, User

if TYPE_CHECKING:
    from types_boto3_iam.type_defs import (
        CreateAccessKeyRequestTypeDef,
        DeleteAccessKeyRequestTypeDef,
        GetAccessKeyLastUsedRequestTypeDef,
        ListAccessKeysRequestTypeDef,
        UpdateAccessKeyRequestTypeDef,
    )

MAX_KEYS_PER_USER = 2


def _metadata(key: AccessKey) -> dict[str, Any]:
    return {
        "UserName": key.user_name,
        "AccessKeyId": key.id,
        "Status": key.status,
        "CreateDate": key.create_date,
    }


def _not_found(key_id: str) -> AwsError:
    return iam_error("AccessKeyNotFound", key_id=key_id)


def _users_key(
    ctx: RequestContext,
    req: UpdateAccessKeyRequestTypeDef | DeleteAccessKeyRequestTypeDef,
    plan: IamPlan,
) -> tuple[User, AccessKey]:
    """The key `AccessKeyId` of the named (or calling) user; the root user owns no user's keys."""
    key_id = req["AccessKeyId"]
    if not req.get("UserName") and ctx.principal.kind == "root":
        raise _not_found(key_id)
    user = target_user(ctx, req, plan)
    key = user.access_keys.get(key_id)
    if key is None:
        raise _not_found(key_id)
    return user, key


@iam_action("CreateAccessKey")
def create_access_key(
    ctx: RequestContext, req: CreateAccessKeyRequestTypeDef, plan: IamPlan
) -> dict[str, Any]:
    user = target_user(ctx, req, plan)
    if len(user.access_keys) >= MAX_KEYS_PER_USER:
        raise iam_error("Quota", quota="AccessKeysPerUser", limit=MAX_KEYS_PER_USER)
    key_id, secret = ctx.store.ids.access_key_id("AKIA"), ctx.store.ids.secret()
    key = ctx.iam.create_access_key(ctx.now, user.name, key_id, secret)
    return {"AccessKey": _metadata(key) | {"SecretAccessKey": key.secret}}


@iam_action("ListAccessKeys")
def list_access_keys(ctx: RequestContext, req: ListAccessKeysRequestTypeDef, plan: IamPlan) -> dict[str, Any]:
    if not req.get("UserName") and ctx.principal.kind == "root":
        keys: list[AccessKey] = []  # the root user's own keys: ec2sim issues none
    else:
        keys = list(target_user(ctx, req, plan).access_keys.values())
    chunk, marker = page(keys, req)
    return {"AccessKeyMetadata": [_metadata(k) for k in chunk], **marker}


@iam_action("UpdateAccessKey")
def update_access_key(ctx: RequestContext, req: UpdateAccessKeyRequestTypeDef, plan: IamPlan) -> None:
    user, key = _users_key(ctx, req, plan)
    if key.status != req["Status"]:
        ctx.iam.update_access_key(ctx.now, user.name, key.id, req["Status"])


@iam_action("DeleteAccessKey")
def delete_access_key(ctx: RequestContext, req: DeleteAccessKeyRequestTypeDef, plan: IamPlan) -> None:
    user, key = _users_key(ctx, req, plan)
    ctx.iam.delete_access_key(ctx.now, user.name, key.id)


@iam_action("GetAccessKeyLastUsed")
def get_access_key_last_used(
    ctx: RequestContext, req: GetAccessKeyLastUsedRequestTypeDef, plan: IamPlan
) -> dict[str, Any]:
    key_id, user = req["AccessKeyId"], plan.key_owner
    key = user.access_keys.get(key_id) if user else None
    if user is None or key is None:
        raise iam_error("AccessKeyUnknown", principal=ctx.principal.arn, key_id=key_id)
    return {
        "UserName": user.name,
        "AccessKeyLastUsed": {
            "LastUsedDate": key.last_used_date,
            "ServiceName": key.last_used_service or "N/A",
            "Region": key.last_used_region or "N/A",
        },
    }
