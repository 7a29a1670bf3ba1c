"""IAM's account-level features: the STS global endpoint's token version, outbound web identity
federation, and the AWS Organizations features a standalone account can't use.

ec2sim's accounts belong to no organization: the centralized root access operations answer
`OrganizationNotFoundException` with the message the IAM API reference gives for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ec2sim.api.authorization import NO_RESOURCES
from ec2sim.api.context import RequestContext
from ec2sim.api.iam.authz import iam_action
from ec2sim.api.iam.messages import iam_error
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
        raise iam_error(
            "EnumInvalid",
            value=version,
            member="globalEndpointTokenVersion",
            allowed=", ".join(_TOKEN_VERSIONS),
        )
    ctx.iam.set_setting(ctx.now, TOKEN_VERSION, None if version == "v1Token" else version)


# Outbound web identity federation --------------------------------------------------------------


def outbound_issuer(ctx: RequestContext) -> str | None:
    """The account's issuer while outbound web identity federation is enabled."""
    return ctx.iam.settings.get(OUTBOUND_ISSUER)


@iam_action("EnableOutboundWebIdentityFederation", NO_RESOURCES)
def enable_outbound(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    if outbound_issuer(ctx) is not None:
        raise iam_error("OutboundEnabled")
    issuer = _ISSUER.format(ctx.store.ids.request_id())
    ctx.iam.set_setting(ctx.now, OUTBOUND_ISSUER, issuer)
    return {"IssuerIdentifier": issuer}


@iam_action("DisableOutboundWebIdentityFederation", NO_RESOURCES)
def disable_outbound(ctx: RequestContext, req: dict[str, Any]) -> None:
    if outbound_issuer(ctx) is None:
        raise iam_error("OutboundDisabled")
    ctx.iam.set_setting(ctx.now, OUTBOUND_ISSUER, None)


@iam_action("GetOutboundWebIdentityFederationInfo", NO_RESOURCES)
def get_outbound(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    issuer = outbound_issuer(ctx)
    if issuer is None:
        raise iam_error("OutboundDisabled")
    return {"IssuerIdentifier": issuer, "JwtVendingEnabled": True}


# AWS Organizations' centralized root access --------------------------------------------------------


def _no_organization(ctx: RequestContext, req: dict[str, Any]) -> None:
    raise iam_error("NoOrganization")


for _name in (
    "ListOrganizationsFeatures",
    "EnableOrganizationsRootCredentialsManagement",
    "DisableOrganizationsRootCredentialsManagement",
    "EnableOrganizationsRootSessions",
    "DisableOrganizationsRootSessions",
):
    iam_action(_name, NO_RESOURCES)(_no_organization)
