"""IAM's account-level features: the STS global endpoint's token version, outbound web identity
federation, and the AWS Organizations features a standalone account can't use.

ec2sim's accounts belong to no organization: the centralized root access operations answer
`OrganizationNotFoundException` with the message the IAM API reference gives for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ec2sim.api.authorization import NO_RESOURCES
from ec2sim.api.context import RequestContext
from ec2sim.api.errors import AwsError
from ec2sim.api.iam.authz import iam_action
from ec2sim.store.iam.settings import OUTBOUND_ISSUER, TOKEN_VERSION

if TYPE_CHECKING:
    from types_boto3_iam.type_defs import SetSecurityTokenServicePreferencesRequestTypeDef

_TOKEN_VERSIONS = {"v1Token": 1, "v2Token": 2}
# Outbound web identity federation's issuer, one per account (AWS: "https://<id>.tokens.sts.global.api.aws").
_ISSUER = "https://{}.tokens.sts.global.api.aws"


def token_version(ctx: RequestContext) -> int:
    """GetAccountSummary's GlobalEndpointTokenVersion: 1 until SetSecurityTokenServicePreferences."""
    return _TOKEN_VERSIONS[ctx.iam.settings.get(TOKEN_VERSION, "v1Token")]


@iam_action("SetSecurityTokenServicePreferences", NO_RESOURCES)
def set_sts_preferences(ctx: RequestContext, req: SetSecurityTokenServicePreferencesRequestTypeDef) -> None:
    """The model's enum, checked as AWS checks enums (the message is assumed from IAM's validation
    wording for other enums)."""
    version = req["GlobalEndpointTokenVersion"]
    if version not in _TOKEN_VERSIONS:
        raise AwsError(
            "ValidationError",
            f"1 validation error detected: Value '{version}' at 'globalEndpointTokenVersion' failed "
            "to satisfy constraint: Member must satisfy enum value set: [v1Token, v2Token]",
        )
    ctx.iam.set_setting(ctx.now, TOKEN_VERSION, None if version == "v1Token" else version)


# Outbound web identity federation --------------------------------------------------------------
# The FeatureEnabled/FeatureDisabled messages are not documented: assumed.
_ENABLED = "Outbound web identity federation is already enabled for this account."
_DISABLED = "Outbound web identity federation is not enabled for this account."


def outbound_issuer(ctx: RequestContext) -> str | None:
    """The account's issuer while outbound web identity federation is enabled."""
    return ctx.iam.settings.get(OUTBOUND_ISSUER)


@iam_action("EnableOutboundWebIdentityFederation", NO_RESOURCES)
def enable_outbound(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    if outbound_issuer(ctx) is not None:
        raise AwsError("FeatureEnabled", _ENABLED)
    issuer = _ISSUER.format(ctx.store.ids.request_id())
    ctx.iam.set_setting(ctx.now, OUTBOUND_ISSUER, issuer)
    return {"IssuerIdentifier": issuer}


@iam_action("DisableOutboundWebIdentityFederation", NO_RESOURCES)
def disable_outbound(ctx: RequestContext, req: dict[str, Any]) -> None:
    if outbound_issuer(ctx) is None:
        raise AwsError("FeatureDisabled", _DISABLED)
    ctx.iam.set_setting(ctx.now, OUTBOUND_ISSUER, None)


@iam_action("GetOutboundWebIdentityFederationInfo", NO_RESOURCES)
def get_outbound(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    issuer = outbound_issuer(ctx)
    if issuer is None:
        raise AwsError("FeatureDisabled", _DISABLED)
    return {"IssuerIdentifier": issuer, "JwtVendingEnabled": True}


# AWS Organizations' centralized root access --------------------------------------------------------

NO_ORGANIZATION = "The request was rejected because no organization is associated with your account."


def _no_organization(ctx: RequestContext, req: dict[str, Any]) -> None:
    raise AwsError("OrganizationNotFoundException", NO_ORGANIZATION)


for _name in (
    "ListOrganizationsFeatures",
    "EnableOrganizationsRootCredentialsManagement",
    "DisableOrganizationsRootCredentialsManagement",
    "EnableOrganizationsRootSessions",
    "DisableOrganizationsRootSessions",
):
    iam_action(_name, NO_RESOURCES)(_no_organization)
