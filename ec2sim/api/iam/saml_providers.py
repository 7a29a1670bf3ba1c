"""IAM SAML providers: Create/Get/Update/Delete/List, their tags and assertion-decryption keys.

A provider is named by its ARN (``arn:aws:iam::ACCOUNT:saml-provider/NAME``) and authorized on it
(resource type ``saml-provider`` in the Service Authorization Reference). Its metadata must be SAML
2.0 IdP metadata with a signing certificate (`ec2sim.iam.saml.parse_metadata`): AssumeRoleWithSAML
verifies assertions against that certificate.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ec2sim.api.authorization import NO_RESOURCES
from ec2sim.api.context import RequestContext
from ec2sim.api.errors import AwsError
from ec2sim.api.iam.authz import ArnPlan, iam_action, tag_keys
from ec2sim.api.iam.common import page, tag_list, tags_in, untag
from ec2sim.api.iam.messages import iam_error
from ec2sim.iam.context_keys import resource_tags
from ec2sim.iam.saml_xml import SamlError
from ec2sim.store.iam.saml import SamlPrivateKey, SamlProvider
from ec2sim.store.resources import SAML_PROVIDER, parse_arn

if TYPE_CHECKING:
    from types_boto3_iam.type_defs import (
        CreateSAMLProviderRequestTypeDef,
        DeleteSAMLProviderRequestTypeDef,
        GetSAMLProviderRequestTypeDef,
        ListSAMLProviderTagsRequestTypeDef,
        TagSAMLProviderRequestTypeDef,
        UntagSAMLProviderRequestTypeDef,
        UpdateSAMLProviderRequestTypeDef,
    )

PROVIDERS_PER_ACCOUNT = 100  # IAM quota "SAML providers in an AWS account"
PRIVATE_KEYS_PER_PROVIDER = 2  # the model's PrivateKeyList max
# Assumed: metadata without validUntil gets a provider valid for 100 years, as IAM shows them.
_DEFAULT_VALIDITY = timedelta(days=365 * 100)


SamlPlan = ArnPlan[SamlProvider]


def _arn_error(ctx: RequestContext, arn: str) -> AwsError | None:
    """InvalidInput for what isn't a SAML provider ARN at all (assumed wording, as for policy ARNs)."""
    parsed = parse_arn(arn)
    if (
        parsed is None
        or parsed.service != "iam"
        or parsed.resource_type != SAML_PROVIDER.name
        or not parsed.name
    ):
        return iam_error("ArnInvalid", arn=arn)
    return None


def plan_provider(ctx: RequestContext, req: Mapping[str, Any]) -> SamlPlan:
    """The provider at ``SAMLProviderArn`` in the caller's account."""
    arn = req["SAMLProviderArn"]
    plan = SamlPlan(resource=arn)
    error = _arn_error(ctx, arn)
    plan.entity = ctx.iam.saml_providers.get(arn) if error is None else None
    if error is not None:
        plan.fail(error)
    elif plan.entity is None:
        plan.fail(AwsError(*SAML_PROVIDER.not_found_message(arn)))
    else:
        plan.context = resource_tags(plan.entity.tags)
    tag_keys(req, plan.context)
    return plan


def plan_create(ctx: RequestContext, req: Mapping[str, Any]) -> SamlPlan:
    plan = SamlPlan(resource=SAML_PROVIDER.arn("", ctx.account_id, req["Name"]))
    plan.entity = ctx.iam.saml_providers.get(plan.resource)
    tag_keys(req, plan.context)
    return plan


def _metadata(text: str) -> datetime | None:
    """The metadata's validUntil, once it is known to be SAML 2.0 IdP metadata with a signing certificate."""
    from ec2sim.iam.saml import parse_metadata  # on first use: the server starts without cryptography

    try:
        return parse_metadata(text).valid_until
    except SamlError as error:
        raise AwsError(error.code, error.message) from None


def _unsupported(req: Mapping[str, Any]) -> None:
    """Trusted identity propagation needs IAM Identity Center, which an emulated standalone account
    lacks. Assumed: IAM refuses it as invalid input."""
    if req.get("IdentityCenterInstanceArn"):
        raise iam_error("SamlIdentityCenter", arn=req["IdentityCenterInstanceArn"])
    if req.get("ContextProvider"):
        raise iam_error("SamlContextProvider")


def _private_key(ctx: RequestContext, pem: str) -> SamlPrivateKey:
    """A PEM private key for assertion decryption (assumed wording when it isn't one)."""
    from cryptography.hazmat.primitives.serialization import load_pem_private_key  # on first use

    try:
        load_pem_private_key(pem.encode("latin-1"), password=None)
    except (ValueError, TypeError, UnicodeEncodeError):
        raise iam_error("SamlKeyMalformed") from None
    return SamlPrivateKey(ctx.store.ids.iam_id("SAMLKEY"), pem, ctx.now)


def _keys(
    ctx: RequestContext, keys: tuple[SamlPrivateKey, ...], add: str | None, remove: str | None
) -> tuple[SamlPrivateKey, ...]:
    """The provider's keys after RemovePrivateKey and AddPrivateKey (at most two)."""
    if remove is not None:
        if remove not in {k.key_id for k in keys}:
            raise iam_error("SamlKeyNotFound", key_id=remove)
        keys = tuple(k for k in keys if k.key_id != remove)
    if add is not None:
        if any(k.pem == add for k in keys):
            raise iam_error("SamlKeyExists")
        keys = (*keys, _private_key(ctx, add))
    if len(keys) > PRIVATE_KEYS_PER_PROVIDER:
        raise iam_error("Quota", quota="PrivateKeysPerSAMLProvider", limit=PRIVATE_KEYS_PER_PROVIDER)
    return keys


def _encryption(mode: str | None, keys: tuple[SamlPrivateKey, ...]) -> str | None:
    """Assumed: Required needs a private key to decrypt with."""
    if mode == "Required" and not keys:
        raise iam_error("SamlEncryptionWithoutKey")
    return mode


@iam_action("CreateSAMLProvider", plan_create)
def create_saml_provider(
    ctx: RequestContext, req: CreateSAMLProviderRequestTypeDef, plan: SamlPlan
) -> dict[str, Any]:
    _unsupported(req)
    if plan.entity is not None:
        raise iam_error("SamlProviderExists", name=req["Name"])
    if len(ctx.iam.saml_providers) >= PROVIDERS_PER_ACCOUNT:
        raise iam_error("Quota", quota="SAMLProvidersPerAccount", limit=PROVIDERS_PER_ACCOUNT)
    valid_until = _metadata(req["SAMLMetadataDocument"])
    tags = tags_in(req.get("Tags"))
    keys = _keys(ctx, (), req.get("AddPrivateKey"), None)
    provider = ctx.iam.create_saml_provider(
        ctx.now,
        req["Name"],
        ctx.store.ids.iam_id("SAMLUUID"),
        req["SAMLMetadataDocument"],
        valid_until or ctx.now.replace(microsecond=0) + _DEFAULT_VALIDITY,
        tags,
        _encryption(req.get("AssertionEncryptionMode"), keys),
        keys,
    )
    return {"SAMLProviderArn": provider.arn, "Tags": tag_list(provider.tags)}


@iam_action("GetSAMLProvider", plan_provider)
def get_saml_provider(
    ctx: RequestContext, req: GetSAMLProviderRequestTypeDef, plan: SamlPlan
) -> dict[str, Any]:
    provider = plan.found
    result: dict[str, Any] = {
        "SAMLProviderUUID": provider.uuid,
        "SAMLMetadataDocument": provider.metadata,
        "CreateDate": provider.create_date,
        "ValidUntil": provider.valid_until,
        "Tags": sorted(tag_list(provider.tags), key=lambda t: t["Key"]),
        "PrivateKeyList": [{"KeyId": k.key_id, "Timestamp": k.added} for k in provider.private_keys],
    }
    if provider.encryption_mode is not None:
        result["AssertionEncryptionMode"] = provider.encryption_mode
    return result


@iam_action("UpdateSAMLProvider", plan_provider)
def update_saml_provider(
    ctx: RequestContext, req: UpdateSAMLProviderRequestTypeDef, plan: SamlPlan
) -> dict[str, Any]:
    """Any of metadata, encryption mode and keys; at least one must be given (assumed wording)."""
    _unsupported(req)
    provider = plan.found
    given = ("SAMLMetadataDocument", "AssertionEncryptionMode", "AddPrivateKey", "RemovePrivateKey")
    if not any(req.get(member) is not None for member in given):
        raise iam_error("SamlNothingToUpdate")
    metadata, valid_until = provider.metadata, provider.valid_until
    if req.get("SAMLMetadataDocument") is not None:
        metadata = req["SAMLMetadataDocument"]
        valid_until = _metadata(metadata) or ctx.now.replace(microsecond=0) + _DEFAULT_VALIDITY
    keys = _keys(ctx, provider.private_keys, req.get("AddPrivateKey"), req.get("RemovePrivateKey"))
    mode = _encryption(req.get("AssertionEncryptionMode", provider.encryption_mode), keys)
    ctx.iam.update_saml_provider(ctx.now, provider, metadata, valid_until, mode, keys)
    return {"SAMLProviderArn": provider.arn}


@iam_action("DeleteSAMLProvider", plan_provider)
def delete_saml_provider(ctx: RequestContext, req: DeleteSAMLProviderRequestTypeDef, plan: SamlPlan) -> None:
    ctx.iam.delete_saml_provider(ctx.now, plan.found.arn)


@iam_action("ListSAMLProviders", NO_RESOURCES)
def list_saml_providers(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    providers = sorted(ctx.iam.saml_providers.values(), key=lambda p: p.arn)
    return {
        "SAMLProviderList": [
            {"Arn": p.arn, "ValidUntil": p.valid_until, "CreateDate": p.create_date} for p in providers
        ]
    }


@iam_action("TagSAMLProvider", plan_provider)
def tag_saml_provider(ctx: RequestContext, req: TagSAMLProviderRequestTypeDef, plan: SamlPlan) -> None:
    provider = plan.found
    ctx.iam.set_saml_provider_tags(ctx.now, provider.arn, tags_in(req["Tags"], provider.tags))


@iam_action("UntagSAMLProvider", plan_provider)
def untag_saml_provider(ctx: RequestContext, req: UntagSAMLProviderRequestTypeDef, plan: SamlPlan) -> None:
    provider = plan.found
    ctx.iam.set_saml_provider_tags(ctx.now, provider.arn, untag(provider.tags, req["TagKeys"]))


@iam_action("ListSAMLProviderTags", plan_provider)
def list_saml_provider_tags(
    ctx: RequestContext, req: ListSAMLProviderTagsRequestTypeDef, plan: SamlPlan
) -> dict[str, Any]:
    """Sorted by key, as IAM lists tags."""
    tags = sorted(tag_list(plan.found.tags), key=lambda t: t["Key"])
    chunk, paging = page(tags, req)
    return {"Tags": list(chunk), **paging}
