"""IAM: console passwords (login profiles), the account password policy, and ChangePassword.

Passwords are kept only as salted hashes (`ec2sim.iam.passwords`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ec2sim.api.authorization import NO_RESOURCES
from ec2sim.api.context import RequestContext
from ec2sim.api.errors import AwsError
from ec2sim.api.iam.authz import IamPlan, iam_action, requiring
from ec2sim.api.iam.messages import iam_error
from ec2sim.api.iam.users import target_user
from ec2sim.iam.passwords import POLICY_DEFAULTS, conforms, hash_password, reused, verify_password
from ec2sim.store.iam.entities import LoginProfile, User

if TYPE_CHECKING:
    from types_boto3_iam.type_defs import (
        ChangePasswordRequestTypeDef,
        CreateLoginProfileRequestTypeDef,
        DeleteLoginProfileRequestTypeDef,
        GetLoginProfileRequestTypeDef,
        UpdateAccountPasswordPolicyRequestTypeDef,
        UpdateLoginProfileRequestTypeDef,
    )

_HISTORY = 24  # the largest PasswordReusePrevention IAM accepts
_POLICY_OPTIONAL = ("MaxPasswordAge", "PasswordReusePrevention", "HardExpiry")


def _profile_view(user: User, profile: LoginProfile) -> dict[str, Any]:
    return {
        "UserName": user.name,
        "CreateDate": profile.create_date,
        "PasswordResetRequired": profile.password_reset_required,
    }


def _profile(user: User) -> LoginProfile:
    if user.login_profile is None:
        raise iam_error("LoginProfileNotFound", user=user.name)
    return user.login_profile


def _checked_hash(ctx: RequestContext, password: str, history: list[str]) -> str:
    """The new password's hash, once it meets the account policy and is not a recent one."""
    policy = ctx.iam.password_policy
    if not conforms(password, policy) or reused(password, history, policy):
        raise iam_error("PasswordViolation")
    return hash_password(password)


def _save(ctx: RequestContext, user: User, password: str | None, reset_required: bool | None) -> None:
    """Change the user's password (when given, within the policy) and/or its reset flag."""
    profile = _profile(user)
    digest, history = profile.password_hash, profile.password_history
    if password is not None:
        digest = _checked_hash(ctx, password, history)
        history = [*history, digest][-_HISTORY:]
    reset = profile.password_reset_required if reset_required is None else reset_required
    ctx.iam.set_login_profile(ctx.now, user.name, digest, reset, history, profile.create_date)


@iam_action("CreateLoginProfile")
def create_login_profile(
    ctx: RequestContext, req: CreateLoginProfileRequestTypeDef, plan: IamPlan
) -> dict[str, Any]:
    user = target_user(ctx, req, plan)
    if user.login_profile is not None:
        raise iam_error("LoginProfileExists", user=user.name)
    password = req.get("Password")
    if password is None:
        raise iam_error("PasswordMissing")
    digest = _checked_hash(ctx, password, [])
    reset = bool(req.get("PasswordResetRequired"))
    ctx.iam.set_login_profile(ctx.now, user.name, digest, reset, [digest], ctx.now)
    return {"LoginProfile": _profile_view(user, _profile(user))}


@iam_action("GetLoginProfile")
def get_login_profile(
    ctx: RequestContext, req: GetLoginProfileRequestTypeDef, plan: IamPlan
) -> dict[str, Any]:
    user = target_user(ctx, req, plan)
    return {"LoginProfile": _profile_view(user, _profile(user))}


@iam_action("UpdateLoginProfile", requiring("UserName"))
def update_login_profile(ctx: RequestContext, req: UpdateLoginProfileRequestTypeDef, plan: IamPlan) -> None:
    _save(ctx, plan.user, req.get("Password"), req.get("PasswordResetRequired"))


@iam_action("DeleteLoginProfile")
def delete_login_profile(ctx: RequestContext, req: DeleteLoginProfileRequestTypeDef, plan: IamPlan) -> None:
    user = target_user(ctx, req, plan)
    _profile(user)
    ctx.iam.delete_login_profile(ctx.now, user.name)


@iam_action("ChangePassword")
def change_password(ctx: RequestContext, req: ChangePasswordRequestTypeDef, plan: IamPlan) -> None:
    if ctx.principal.kind != "user":
        raise iam_error("NotAnIamUser")
    user = plan.callers_user(ctx)
    if not verify_password(req["OldPassword"], _profile(user).password_hash):
        raise iam_error("OldPasswordWrong")
    _save(ctx, user, req["NewPassword"], reset_required=False)


# The account password policy ----------------------------------------------------------------------


def _no_policy(ctx: RequestContext) -> AwsError:
    return iam_error("PasswordPolicyNotFound", account=ctx.account_id)


@iam_action("UpdateAccountPasswordPolicy", NO_RESOURCES)
def update_account_password_policy(
    ctx: RequestContext, req: UpdateAccountPasswordPolicyRequestTypeDef
) -> None:
    """A whole new policy: IAM has no partial updates, what is left out reverts to its default."""
    policy = {name: req.get(name, default) for name, default in POLICY_DEFAULTS.items()}
    policy |= {name: value for name in _POLICY_OPTIONAL if (value := req.get(name)) is not None}
    policy["ExpirePasswords"] = bool(policy.get("MaxPasswordAge"))
    ctx.iam.set_password_policy(ctx.now, policy)


@iam_action("GetAccountPasswordPolicy", NO_RESOURCES)
def get_account_password_policy(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    if ctx.iam.password_policy is None:
        raise _no_policy(ctx)
    return {"PasswordPolicy": dict(ctx.iam.password_policy)}


@iam_action("DeleteAccountPasswordPolicy", NO_RESOURCES)
def delete_account_password_policy(ctx: RequestContext, req: dict[str, Any]) -> None:
    if ctx.iam.password_policy is None:
        raise iam_error("AccountPolicyNotFound")  # Delete words it so; Get, as _no_policy does
    ctx.iam.set_password_policy(ctx.now, None)
