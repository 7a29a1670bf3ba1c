"""STS handlers (Query protocol, 2011-06-15)."""

from __future__ import annotations

import re
from typing import Any

from ec2sim.api.context import RequestContext
from ec2sim.api.errors import AwsError
from ec2sim.api.registry import sts_action
from ec2sim.iam.sessions import credentials_dict, issue

_ACCOUNT_KEY = re.compile(r"\d{12}")


@sts_action("GetCallerIdentity")
def get_caller_identity(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    principal = ctx.principal
    return {"UserId": principal.user_id, "Account": principal.account_id, "Arn": principal.arn}


@sts_action("GetSessionToken")
def get_session_token(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    principal = ctx.principal
    if principal.is_temporary:
        raise AwsError("AccessDenied", "Cannot call GetSessionToken with session credentials")
    limit = 3600 if principal.kind == "root" else 129600
    duration = req.get("DurationSeconds", 3600 if principal.kind == "root" else 43200)
    if duration > limit:
        raise AwsError(
            "ValidationError",
            f"1 validation error detected: Value '{duration}' at 'durationSeconds' failed to satisfy "
            f"constraint: Member must have value less than or equal to {limit}",
        )
    if principal.kind == "root":
        kind, user_name = "root", None
    else:
        kind, user_name = "user-session", principal.name
    credential = issue(ctx.store, principal.account_id, kind, ctx.now, duration, user_name=user_name)
    return {"Credentials": credentials_dict(credential)}


@sts_action("GetAccessKeyInfo")
def get_access_key_info(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    key = req["AccessKeyId"]
    credential = ctx.store.credentials.get(key)
    if credential is not None:
        return {"Account": credential.account_id}
    return {"Account": key if _ACCOUNT_KEY.fullmatch(key) else ctx.config.account_id}
