"""STS GetScopedCredentials: new temporary credentials for the caller's own session, with fewer
permissions (a scope-down policy), a shorter lifetime, or both (STS API reference; IAM User Guide,
"Permissions for GetScopedCredentials").

The new credentials keep the calling session's identity (ARN, session name, tags, MFA) and its
policies; each call adds its Policy as one more layer that must allow as well (at most 3 layers),
and never outlives the calling session. Wordings are assumed where AWS documents only the codes.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from ec2sim.api.authorization import NO_RESOURCES
from ec2sim.api.context import RequestContext
from ec2sim.api.errors import AwsError
from ec2sim.api.registry import sts_action
from ec2sim.iam.policy.grammar import PolicyError, parse_policy
from ec2sim.iam.sessions import credentials_dict, issue

if TYPE_CHECKING:
    from ec2sim.api.model_types import GetScopedCredentialsRequestTypeDef

MAX_LAYERS = 3  # "A maximum of 3 scope down policy layers are allowed" (the model's ScopedPoliciesCount)
MAX_TOKEN_SIZE = 4096  # MinimumSessionTokenSize's maximum: assumed to be the token's allowed size
NOT_TEMPORARY = "GetScopedCredentials can only be called with temporary security credentials."
NOTHING_TO_SCOPE = "A request must provide at least one of Policy or DurationSeconds."
TOO_MANY_LAYERS = f"A session can have at most {MAX_LAYERS} scope down policy layers."
TOO_LONG = "The requested DurationSeconds exceeds the remaining lifetime of the calling session."


@sts_action("GetScopedCredentials", NO_RESOURCES)
def get_scoped_credentials(ctx: RequestContext, req: GetScopedCredentialsRequestTypeDef) -> dict[str, Any]:
    """Authorized as sts:GetScopedCredentials on ``*`` (no resource type). IAM users' and the root
    user's own credentials are refused ("You cannot call it with IAM user credentials or root
    credentials"), a root session's too: assumed InvalidSubjectCredentials, the one code the model
    has for a calling session it won't scope. The STS global endpoint refuses the operation in AWS;
    ec2sim has no separate global endpoint to refuse it on."""
    principal = ctx.principal
    caller = principal.credential
    if caller is None or caller.expiration is None or not principal.is_temporary or principal.kind == "root":
        raise AwsError("InvalidSubjectCredentials", NOT_TEMPORARY)
    if "Policy" not in req and "DurationSeconds" not in req:
        raise AwsError("ValidationError", NOTHING_TO_SCOPE)
    layers = caller.scope_policies
    if "Policy" in req:
        try:
            parse_policy(req["Policy"], "session")
        except PolicyError as error:
            raise AwsError("MalformedPolicyDocument", str(error)) from None
        layers = (*layers, req["Policy"])
    if len(layers) > MAX_LAYERS:
        raise AwsError("ValidationError", TOO_MANY_LAYERS)
    # Rounded up: the inherited expiration is the caller's to the second (issue() drops microseconds).
    remaining = -(-(caller.expiration - ctx.now) // timedelta(seconds=1))
    duration = req.get("DurationSeconds", remaining)
    if duration > remaining:
        raise AwsError("InsufficientSessionLifetime", TOO_LONG)
    credential = issue(
        ctx.store,
        caller.account_id,
        caller.kind,
        ctx.now,
        duration,
        user_name=caller.user_name,
        user_id=caller.user_id,
        role_session=caller.role_session,
        federated=caller.federated,
        mfa_authenticated_at=caller.mfa_authenticated_at,
        scope_policies=layers,
        token_size=req.get("MinimumSessionTokenSize", 0),
    )
    token = credential.session_token or ""
    return {
        "Credentials": credentials_dict(credential),
        "SessionInfo": {"ScopedSessionId": principal.user_id, "Arn": principal.arn},
        "SessionTokenUtilization": min(100, -(-len(token) * 100 // MAX_TOKEN_SIZE)),
        "SessionTokenSize": len(token),
        "ScopedPoliciesCount": len(layers),
    }
