"""STS AssumeRoleWithWebIdentity: an OIDC ID token exchanged for a role session.

The request is unsigned, as in AWS (the model's ``authtype: none``; `ec2sim.api.app` gives it an
anonymous principal): the token is the authentication, verified for real by
`ec2sim.iam.web_identity`, and the role's trust policy must allow ``sts:AssumeRoleWithWebIdentity``
to ``Principal: {"Federated": "<provider ARN>"}`` with the token's condition keys. The caller has no
identity-based policies, so the plan decides the trust policy itself (with the policy engine) and
its check only names what AWS authorizes. Token errors come first (STS's own codes), then a role
that doesn't exist or doesn't trust the provider: AccessDenied.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ec2sim.api.authorization import Check, plan_decided
from ec2sim.api.context import RequestContext
from ec2sim.api.errors import AwsError
from ec2sim.api.registry import action_keys, sts_action
from ec2sim.api.sts import AssumeRolePlan
from ec2sim.api.sts_sessions import ROLE_ARN, find_session_policies, open_role_session, trust_context
from ec2sim.iam import oidc_issuer
from ec2sim.iam.context_keys import request_tags
from ec2sim.iam.policy.engine import evaluate_trust
from ec2sim.iam.policy.grammar import parse_policy
from ec2sim.iam.policy.matching import PrincipalFacts
from ec2sim.iam.web_identity import (
    TokenRejected,
    WebIdentity,
    issuer_url,
    no_provider,
    unverified_issuer,
    verify,
)
from ec2sim.store.iam.account import IamAccount
from ec2sim.store.iam.entities import Role
from ec2sim.store.iam.oidc import OidcProvider, provider_arn

if TYPE_CHECKING:
    from types_boto3_sts.type_defs import AssumeRoleWithWebIdentityRequestTypeDef

ACTION = "sts:AssumeRoleWithWebIdentity"
NOT_AUTHORIZED = f"Not authorized to perform {ACTION}"  # AWS's wording, whatever the reason
SOURCE_IDENTITY_CLAIM = "https://aws.amazon.com/source_identity"  # IAM User Guide, "Monitor and control actions taken with assumed roles"


@dataclass
class WebIdentityPlan(AssumeRolePlan):
    """The role, its trust policy, and the verified token (None until it verifies)."""

    identity: WebIdentity | None = None
    resource_policies = False  # the plan decided the trust policy already (see the module's docstring)

    def checks(self, ctx: RequestContext) -> Iterator[Check]:
        if self.role is not None:
            yield Check(ACTION, self.role.arn, self.keys)
            if self.tagged:
                yield Check("sts:TagSession", self.role.arn, self.keys)

    @property
    def actions(self) -> tuple[str, ...]:
        """What the trust policy must allow: sts:TagSession too when the token passes session tags."""
        return (ACTION, "sts:TagSession") if self.tagged else (ACTION,)


def _provider(iam: IamAccount | None, account_id: str, token: str) -> OidcProvider:
    """The IAM OIDC provider of the role's account (`iam`) that the token's ``iss`` names."""
    issuer = unverified_issuer(token)
    url = issuer_url(issuer)
    provider = None
    if url is not None and iam is not None:
        provider = iam.oidc_providers.get(provider_arn(account_id, url))
    if provider is None:
        raise no_provider(issuer)
    return provider


def _role(iam: IamAccount | None, arn: str, name: str) -> Role | None:
    """The role at `arn`. Looked up in IAM's own accounts: an account whose state was loaded
    (durable state, an import) has no `Store.accounts` entry until its first signed request."""
    role = iam.roles.get(name) if iam is not None else None
    return role if role is not None and role.arn == arn else None


def plan_web_identity(ctx: RequestContext, req: AssumeRoleWithWebIdentityRequestTypeDef) -> WebIdentityPlan:
    plan = WebIdentityPlan({"sts:RoleSessionName": req["RoleSessionName"]})
    match = ROLE_ARN.fullmatch(req["RoleArn"])
    if match is None:
        plan.fail(AwsError("ValidationError", "Request ARN is invalid"))
        return plan
    account_id = match.group(1)
    iam = ctx.store.iam.accounts.get(account_id)
    try:
        provider = _provider(iam, account_id, req["WebIdentityToken"])
        plan.identity = verify(
            req["WebIdentityToken"], provider, oidc_issuer.jwks(ctx.store)["keys"], ctx.now
        )
    except TokenRejected as error:
        plan.fail(AwsError(error.code, error.message))
        return plan
    identity = plan.identity
    plan.keys.update(identity.condition_keys(action_keys("sts", "AssumeRoleWithWebIdentity")))
    source = identity.claims.get(SOURCE_IDENTITY_CLAIM)
    if isinstance(source, str):
        plan.keys["sts:SourceIdentity"] = source
    if identity.tags:
        plan.tagged = True
        plan.keys.update(request_tags(dict(identity.tags)))
        if identity.transitive_tag_keys:
            plan.keys["sts:TransitiveTagKeys"] = list(identity.transitive_tag_keys)
    plan.role = _role(iam, req["RoleArn"], match.group(2))
    if plan.role is None:
        plan.fail(AwsError("AccessDenied", NOT_AUTHORIZED))
        return plan
    plan.trust = parse_policy(plan.role.assume_role_policy, "trust")
    caller = PrincipalFacts(account_id=account_id, federated=provider.arn)
    context = trust_context(ctx, plan.keys)
    for action in plan.actions:
        check = Check(action, plan.role.arn, plan.keys, plan.trust, account_id)
        decision = evaluate_trust(plan.trust, caller, context, role_arn=plan.role.arn, action=action)
        if not plan_decided(plan, check, decision, context).allowed:
            plan.fail(AwsError("AccessDenied", NOT_AUTHORIZED))
    assert iam is not None  # the role is in it
    plan.session_policies = find_session_policies(iam, req)
    return plan


def _session_keys(identity: WebIdentity) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The token's keys as the session keeps them, for its later requests."""
    keys = identity.condition_keys(action_keys("sts", "AssumeRoleWithWebIdentity"))
    return tuple(
        (key, tuple(value) if isinstance(value, list | tuple) else (str(value),))
        for key, value in keys.items()
    )


@sts_action("AssumeRoleWithWebIdentity", plan_web_identity)
def assume_role_with_web_identity(
    ctx: RequestContext, req: AssumeRoleWithWebIdentityRequestTypeDef, plan: WebIdentityPlan
) -> dict[str, Any]:
    role, identity = plan.role, plan.identity
    assert role is not None and identity is not None  # else the plan's error was raised
    duration = req.get("DurationSeconds", 3600)
    session = open_role_session(
        ctx,
        role,
        req["RoleSessionName"],
        duration,
        req,
        plan.session_policies,
        identity.tags,
        _session_keys(identity),
        transitive_tag_keys=identity.transitive_tag_keys,
    )
    source = plan.keys.get("sts:SourceIdentity")
    return {
        **session,
        "SubjectFromWebIdentityToken": identity.subject,
        # For an ID token from an IAM OIDC provider, STS names the provider by its ARN.
        "Provider": identity.provider.arn,
        "Audience": identity.audience,
        "SourceIdentity": source if isinstance(source, str) else None,
    }
