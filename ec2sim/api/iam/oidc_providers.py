"""IAM OpenID Connect providers: Create/Get/Delete/List, client ids, thumbprints and tags.

A provider is named by its ARN (``arn:aws:iam::ACCOUNT:oidc-provider/HOST/PATH``) and authorized on
it (resource type ``oidc-provider`` in the Service Authorization Reference; creating one, on the ARN
it will have). Its URL is stored as IAM shows it: the ``https://`` stripped, nothing else changed (a
trailing slash or another case names another provider). Thumbprints are optional and not used to
verify anything: IAM fetches the issuer's keys over TLS itself, and ec2sim's issuer keys are local
(`ec2sim.iam.web_identity`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ec2sim.api.authorization import NO_RESOURCES
from ec2sim.api.context import RequestContext
from ec2sim.api.errors import AwsError
from ec2sim.api.iam.authz import ArnPlan, iam_action, tag_keys
from ec2sim.api.iam.common import page, tag_list, tags_in, untag
from ec2sim.api.iam.messages import iam_error
from ec2sim.iam.context_keys import resource_tags
from ec2sim.store.iam.oidc import OidcProvider, provider_arn
from ec2sim.store.resources import OIDC_PROVIDER, parse_arn

if TYPE_CHECKING:
    from types_boto3_iam.type_defs import (
        AddClientIDToOpenIDConnectProviderRequestTypeDef,
        CreateOpenIDConnectProviderRequestTypeDef,
        DeleteOpenIDConnectProviderRequestTypeDef,
        GetOpenIDConnectProviderRequestTypeDef,
        ListOpenIDConnectProviderTagsRequestTypeDef,
        RemoveClientIDFromOpenIDConnectProviderRequestTypeDef,
        TagOpenIDConnectProviderRequestTypeDef,
        UntagOpenIDConnectProviderRequestTypeDef,
        UpdateOpenIDConnectProviderThumbprintRequestTypeDef,
    )

    from ec2sim.api.model_types import UpdateOpenIDConnectProviderRequestTypeDef

# IAM quotas ("IAM and AWS STS quotas"): providers per account, client ids per provider, thumbprints.
PROVIDERS_PER_ACCOUNT = 100
CLIENT_IDS_PER_PROVIDER = 100
THUMBPRINTS_PER_PROVIDER = 5


OidcPlan = ArnPlan[OidcProvider]


def plan_provider(ctx: RequestContext, req: Mapping[str, Any]) -> OidcPlan:
    """The provider at ``OpenIDConnectProviderArn``, in the caller's account."""
    arn = req["OpenIDConnectProviderArn"]
    plan = OidcPlan(resource=arn)
    tag_keys(req, plan.context)
    parsed = parse_arn(arn)
    if (
        parsed is None
        or parsed.service != "iam"
        or parsed.resource_type != OIDC_PROVIDER.name
        or not parsed.resource.partition("/")[2]  # the URL (a trailing slash leaves its "name" empty)
    ):
        plan.fail(iam_error("ArnInvalid", arn=arn))
        return plan
    plan.entity = ctx.iam.oidc_providers.get(arn)
    if plan.entity is None:
        plan.fail(AwsError(*OIDC_PROVIDER.not_found_message(arn)))
    else:
        plan.context.update(resource_tags(plan.entity.tags))
    return plan


def _url(raw: str) -> str | None:
    """The provider URL IAM stores (``https://`` stripped), None if `raw` is not one IAM accepts:
    https, a host, no query or fragment (CreateOpenIDConnectProvider API reference)."""
    if raw[:8].lower() != "https://" or "?" in raw or "#" in raw or any(c.isspace() for c in raw):
        return None
    try:
        parts = urlsplit(raw)
    except ValueError:
        return None
    if not parts.hostname or parts.username is not None or parts.password is not None:
        return None
    return raw[8:]


def plan_create(ctx: RequestContext, req: CreateOpenIDConnectProviderRequestTypeDef) -> OidcPlan:
    """Authorized on the ARN the provider will have; an invalid Url fails after authorization."""
    url = _url(req["Url"])
    plan = OidcPlan(resource=provider_arn(ctx.account_id, url) if url else "*")
    tag_keys(req, plan.context)
    if url is None:
        plan.fail(iam_error("OidcUrlInvalid"))
    elif plan.resource in ctx.iam.oidc_providers:
        plan.fail(iam_error("OidcProviderExists", url=req["Url"]))
    return plan


def _client_ids(ids: list[str]) -> list[str]:
    unique = list(dict.fromkeys(ids))
    if len(unique) > CLIENT_IDS_PER_PROVIDER:
        raise iam_error("Quota", quota="ClientIdsPerOpenIdConnectProvider", limit=CLIENT_IDS_PER_PROVIDER)
    return unique


def _thumbprints(prints: list[str]) -> list[str]:
    if len(prints) > THUMBPRINTS_PER_PROVIDER:
        raise iam_error("Thumbprints", limit=THUMBPRINTS_PER_PROVIDER)
    return list(prints)


@iam_action("CreateOpenIDConnectProvider", plan_create)
def create_provider(
    ctx: RequestContext, req: CreateOpenIDConnectProviderRequestTypeDef, plan: OidcPlan
) -> dict[str, Any]:
    if req.get("ContextProvider") or req.get("IdentityCenterInstanceArn"):
        raise iam_error("OidcIdentityCenter")
    client_ids = _client_ids(list(req.get("ClientIDList", [])))
    thumbprints = _thumbprints(list(req.get("ThumbprintList", [])))
    tags = tags_in(req.get("Tags"))
    if len(ctx.iam.oidc_providers) >= PROVIDERS_PER_ACCOUNT:
        raise iam_error("Quota", quota="OpenIdConnectProvidersPerAccount", limit=PROVIDERS_PER_ACCOUNT)
    url = _url(req["Url"])
    assert url is not None  # else the plan's error was raised
    provider = ctx.iam.create_oidc_provider(ctx.now, url, client_ids, thumbprints, tags)
    return {"OpenIDConnectProviderArn": provider.arn, "Tags": tag_list(provider.tags)}


@iam_action("GetOpenIDConnectProvider", plan_provider)
def get_provider(
    ctx: RequestContext, req: GetOpenIDConnectProviderRequestTypeDef, plan: OidcPlan
) -> dict[str, Any]:
    provider = plan.found
    return {
        "Url": provider.url,
        "ClientIDList": list(provider.client_ids),
        "ThumbprintList": list(provider.thumbprints),
        "CreateDate": provider.create_date,
        "Tags": sorted(tag_list(provider.tags), key=lambda t: t["Key"]),
    }


@iam_action("DeleteOpenIDConnectProvider", plan_provider)
def delete_provider(
    ctx: RequestContext, req: DeleteOpenIDConnectProviderRequestTypeDef, plan: OidcPlan
) -> None:
    ctx.iam.delete_oidc_provider(ctx.now, plan.found.arn)


@iam_action("ListOpenIDConnectProviders", NO_RESOURCES)
def list_providers(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    return {"OpenIDConnectProviderList": [{"Arn": arn} for arn in sorted(ctx.iam.oidc_providers)]}


@iam_action("AddClientIDToOpenIDConnectProvider", plan_provider)
def add_client_id(
    ctx: RequestContext, req: AddClientIDToOpenIDConnectProviderRequestTypeDef, plan: OidcPlan
) -> None:
    """Adding a client id the provider has already changes nothing (the API reference: idempotent)."""
    provider = plan.found
    ctx.iam.set_oidc_provider(
        ctx.now, provider, client_ids=_client_ids([*provider.client_ids, req["ClientID"]])
    )


@iam_action("RemoveClientIDFromOpenIDConnectProvider", plan_provider)
def remove_client_id(
    ctx: RequestContext, req: RemoveClientIDFromOpenIDConnectProviderRequestTypeDef, plan: OidcPlan
) -> None:
    """Removing a client id the provider doesn't have changes nothing (idempotent, as documented)."""
    provider = plan.found
    ctx.iam.set_oidc_provider(
        ctx.now, provider, client_ids=[c for c in provider.client_ids if c != req["ClientID"]]
    )


@iam_action("UpdateOpenIDConnectProviderThumbprint", plan_provider)
def update_thumbprints(
    ctx: RequestContext, req: UpdateOpenIDConnectProviderThumbprintRequestTypeDef, plan: OidcPlan
) -> None:
    ctx.iam.set_oidc_provider(ctx.now, plan.found, thumbprints=_thumbprints(list(req["ThumbprintList"])))


@iam_action("TagOpenIDConnectProvider", plan_provider)
def tag_provider(ctx: RequestContext, req: TagOpenIDConnectProviderRequestTypeDef, plan: OidcPlan) -> None:
    provider = plan.found
    ctx.iam.set_oidc_provider(ctx.now, provider, tags=tags_in(req["Tags"], provider.tags))


@iam_action("UntagOpenIDConnectProvider", plan_provider)
def untag_provider(
    ctx: RequestContext, req: UntagOpenIDConnectProviderRequestTypeDef, plan: OidcPlan
) -> None:
    provider = plan.found
    ctx.iam.set_oidc_provider(ctx.now, provider, tags=untag(provider.tags, req["TagKeys"]))


@iam_action("ListOpenIDConnectProviderTags", plan_provider)
def list_provider_tags(
    ctx: RequestContext, req: ListOpenIDConnectProviderTagsRequestTypeDef, plan: OidcPlan
) -> dict[str, Any]:
    """Sorted by key, as IAM lists tags."""
    tags = sorted(tag_list(plan.found.tags), key=lambda t: t["Key"])
    chunk, paging = page(tags, req)
    return {"Tags": list(chunk), **paging}


@iam_action("UpdateOpenIDConnectProvider", plan_provider)
def update_provider(
    ctx: RequestContext, req: UpdateOpenIDConnectProviderRequestTypeDef, plan: OidcPlan
) -> None:
    """Sets or removes the trusted identity propagation context provider or the IAM Identity Center
    association: one of them per request, a new value or its Remove flag, not both. Setting either
    needs IAM Identity Center (refused as CreateOpenIDConnectProvider refuses it), so no provider
    here has them, and removing them changes nothing (assumed to succeed, as removing what is
    absent does elsewhere in IAM: RemoveClientIDFromOpenIDConnectProvider)."""
    context = "ContextProvider" in req, req.get("RemoveContextProvider", False)
    center = "IdentityCenterInstanceArn" in req, req.get("RemoveIdentityCenterInstance", False)
    if all(context):
        raise iam_error("OidcBothContext")
    if all(center):
        raise iam_error("OidcBothCenter")
    if any(context) and any(center):
        raise iam_error("OidcOneChange")
    if not any(context) and not any(center):
        raise iam_error("OidcNoChange")
    if context[0] or center[0]:
        raise iam_error("OidcIdentityCenter")
