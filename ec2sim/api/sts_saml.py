"""STS AssumeRoleWithSAML: a role session for whoever an IAM SAML provider's IdP vouches for.

The call is unsigned, as in AWS (the model's ``authtype: none``; `ec2sim.api.app` gives it an
anonymous principal): the SAMLResponse is the credential. The resolver verifies it (`ec2sim.iam.saml.verify_response`: signature against the
provider's metadata certificates, issuer, recipient, audience, validity on the emulated clock),
finds the ``RoleArn,PrincipalArn`` pair among its Role attribute values (either order), and decides
the role's trust policy for the caller ``{"Federated": PROVIDER_ARN}`` (sts:AssumeRoleWithSAML, and
sts:TagSession with session tags) with the ``saml:*`` condition keys the IAM User Guide lists
("Available keys for SAML-based AWS STS federation"). As for AssumeRoleWithWebIdentity
(`ec2sim.api.sts_federation`), the unsigned caller has no identity-based policies, so the plan decides
the trust policy itself and its check only names what AWS authorizes.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ec2sim.api.authorization import Check, Plan, plan_decided
from ec2sim.api.context import RequestContext
from ec2sim.api.errors import AwsError
from ec2sim.api.registry import sts_action
from ec2sim.api.sts_sessions import (
    find_session_policies,
    open_role_session,
    requested_role,
    role_account,
    trust_context,
)
from ec2sim.iam.context_keys import request_tags
from ec2sim.iam.policy.document import PolicyDocument
from ec2sim.iam.policy.engine import evaluate_trust
from ec2sim.iam.policy.grammar import parse_policy
from ec2sim.iam.policy.matching import PrincipalFacts
from ec2sim.iam.policy.variables import ContextValue
from ec2sim.iam.saml_xml import (
    PRINCIPAL_TAG_ATTRIBUTE,
    ROLE_ATTRIBUTE,
    SESSION_DURATION_ATTRIBUTE,
    SESSION_NAME_ATTRIBUTE,
    SOURCE_IDENTITY_ATTRIBUTE,
    TRANSITIVE_TAG_KEYS_ATTRIBUTE,
    SamlError,
)
from ec2sim.store.iam.entities import Role
from ec2sim.store.iam.saml import SamlProvider
from ec2sim.store.resources import SAML_PROVIDER, parse_arn

if TYPE_CHECKING:
    from types_boto3_sts.type_defs import AssumeRoleWithSAMLRequestTypeDef

    from ec2sim.iam.saml import VerifiedAssertion

ACTION = "sts:AssumeRoleWithSAML"
_SESSION_NAME = re.compile(r"[\w+=,.@-]{2,64}")
_SOURCE_IDENTITY = re.compile(r"[\w+=,.@-]{2,64}")
# saml:* keys from attributes named by their OIDs (eduPerson, eduOrg, X.500 / LDAP attribute types).
_OID_KEYS = {
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.1": ("saml:edupersonaffiliation",),
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.2": ("saml:edupersonnickname",),
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.3": ("saml:edupersonorgdn",),
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.4": ("saml:edupersonorgunitdn",),
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.5": ("saml:edupersonprimaryaffiliation",),
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.6": ("saml:edupersonprincipalname",),
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.7": ("saml:edupersonentitlement",),
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.8": ("saml:edupersonprimaryorgunitdn",),
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.9": ("saml:edupersonscopedaffiliation",),
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.10": ("saml:edupersontargetedid",),
    "urn:oid:1.3.6.1.4.1.5923.1.1.1.11": ("saml:edupersonassurance",),
    "urn:oid:1.3.6.1.4.1.5923.1.2.1.2": ("saml:eduorghomepageuri",),
    "urn:oid:1.3.6.1.4.1.5923.1.2.1.3": ("saml:eduorgidentityauthnpolicyuri",),
    "urn:oid:1.3.6.1.4.1.5923.1.2.1.4": ("saml:eduorglegalname",),
    "urn:oid:1.3.6.1.4.1.5923.1.2.1.5": ("saml:eduorgsuperioruri",),
    "urn:oid:1.3.6.1.4.1.5923.1.2.1.6": ("saml:eduorgwhitepagesuri",),
    "urn:oid:2.5.4.3": ("saml:cn", "saml:commonName"),
    "urn:oid:2.5.4.42": ("saml:givenName",),
    "urn:oid:2.5.4.4": ("saml:surname",),
    "urn:oid:0.9.2342.19200300.100.1.3": ("saml:mail",),
    "urn:oid:2.5.4.41": ("saml:name",),
    "urn:oid:0.9.2342.19200300.100.1.1": ("saml:uid",),
    "urn:oid:2.5.4.45": ("saml:x500UniqueIdentifier",),
    "urn:oid:1.2.840.113556.1.4.98": ("saml:primaryGroupSID",),
    "urn:oid:1.3.6.1.4.1.25178.1.2.9": ("saml:organizationStatus",),
}
# Where the IdP may send the response: AWS's sign-in endpoint, global or regional, optionally with
# the provider's own ACS path (``/saml/acs/SAMLProviderUUID``, for encrypted assertions).
_SIGNIN = re.compile(r"https://(?:[a-z0-9-]+\.)?signin\.aws\.amazon\.com/saml(?:/acs/([A-Z0-9]+))?")


def _not_authorized() -> AwsError:
    """AWS's denial of an assertion that doesn't grant the role (assumed: the trust policy's wording)."""
    return AwsError("AccessDenied", f"Not authorized to perform {ACTION}")


def name_qualifier(issuer: str, account_id: str, provider_name: str) -> str:
    """``BASE64(SHA1(issuer + account id + "/" + provider name))``, as the User Guide documents it."""
    digest = hashlib.sha1(f"{issuer}{account_id}/{provider_name}".encode()).digest()  # noqa: S324
    return base64.b64encode(digest).decode()


@dataclass
class SamlAssumePlan(Plan):
    """The role, the provider, the verified assertion and the trust policy that must allow."""

    keys: dict[str, ContextValue] = field(default_factory=dict)
    role: Role | None = None
    trust: PolicyDocument | None = None
    provider: SamlProvider | None = None
    assertion: VerifiedAssertion | None = None
    session_name: str = ""
    session_tags: tuple[tuple[str, str], ...] = ()
    transitive_tag_keys: tuple[str, ...] = ()
    session_policies: list[tuple[str, bool]] = field(default_factory=list)

    def checks(self, ctx: RequestContext) -> Iterator[Check]:
        if self.role is not None:
            yield Check(ACTION, self.role.arn, self.keys)


def _provider(ctx: RequestContext, arn: str) -> SamlProvider:
    parsed = parse_arn(arn)
    iam = ctx.store.iam.accounts.get(parsed.account) if parsed is not None else None
    provider = iam.saml_providers.get(arn) if iam is not None else None
    if provider is None or parsed is None or parsed.resource_type != SAML_PROVIDER.name:
        # Assumed wording of STS for a PrincipalArn naming no SAML provider.
        raise AwsError("InvalidIdentityToken", f"SAML provider {arn} does not exist")
    return provider


def _accepts(provider: SamlProvider) -> Callable[[str], bool]:
    """Whether a Recipient, Destination or Audience URL is AWS's sign-in endpoint for this provider."""

    def accepts(url: str) -> bool:
        match = _SIGNIN.fullmatch(url)
        return match is not None and match.group(1) in (None, provider.uuid)

    return accepts


def _attribute(assertion: VerifiedAssertion, name: str) -> str | None:
    values = assertion.attributes.get(name)
    return values[0] if values else None


def _session_name(assertion: VerifiedAssertion) -> str:
    name = _attribute(assertion, SESSION_NAME_ATTRIBUTE)
    if name is None:
        raise AwsError("InvalidIdentityToken", "RoleSessionName is required in AuthnResponse")
    if not _SESSION_NAME.fullmatch(name):
        raise AwsError("InvalidIdentityToken", f"Invalid RoleSessionName in AuthnResponse: {name}")
    return name


def _grants(assertion: VerifiedAssertion, role_arn: str, provider_arn: str) -> bool:
    """The Role attribute names the pair ``role,provider`` (either order, blanks around commas ignored)."""
    wanted = {role_arn, provider_arn}
    for value in assertion.attributes.get(ROLE_ATTRIBUTE, ()):
        parts = [p.strip() for p in value.split(",")]
        if len(parts) == 2 and set(parts) == wanted:
            return True
    return False


def _saml_keys(
    assertion: VerifiedAssertion, provider: SamlProvider, account_id: str
) -> dict[str, ContextValue]:
    keys: dict[str, ContextValue] = {
        "saml:aud": assertion.recipient,
        "saml:iss": assertion.issuer,
        "saml:sub": assertion.subject,
        "saml:sub_type": assertion.subject_type,
        "saml:namequalifier": name_qualifier(assertion.issuer, account_id, provider.name),
        "saml:doc": f"{account_id}/{provider.name}",
    }
    for oid, names in _OID_KEYS.items():
        values = assertion.attributes.get(oid)
        if values:
            for key in names:
                keys[key] = list(values) if len(values) > 1 else values[0]
    return keys


def _session_tags(assertion: VerifiedAssertion) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    """Session tags from ``PrincipalTag:KEY`` attributes and the transitive ones among them, from the
    ``TransitiveTagKeys`` attribute's values (named as the tags name them). A transitive key that is
    no tag's is refused as AssumeRole refuses it (assumed: AWS documents the rule, not this answer)."""
    tags = tuple(
        (name[len(PRINCIPAL_TAG_ATTRIBUTE) :], values[0])
        for name, values in assertion.attributes.items()
        if name.startswith(PRINCIPAL_TAG_ATTRIBUTE) and values
    )
    named = {key.lower(): key for key, _ in tags}
    transitive = assertion.attributes.get(TRANSITIVE_TAG_KEYS_ATTRIBUTE, ())
    if not all(key.lower() in named for key in transitive):
        raise AwsError(
            "InvalidParameterValue",
            "The specified transitive tag key must be included in the requested tags.",
        )
    return tags, tuple(dict.fromkeys(named[key.lower()] for key in transitive))


def _verify(ctx: RequestContext, req: AssumeRoleWithSAMLRequestTypeDef, plan: SamlAssumePlan) -> None:
    """Everything the assertion must prove, in order; raises the first error."""
    # Loaded on first use (signxml, lxml, cryptography): the server starts without them.
    from ec2sim.iam.saml import parse_metadata, verify_response

    provider = _provider(ctx, req["PrincipalArn"])
    try:
        metadata = parse_metadata(provider.metadata)
        keys = [key.pem for key in provider.private_keys]
        assertion = verify_response(req["SAMLAssertion"], metadata, ctx.now, _accepts(provider), keys)
    except SamlError as error:
        raise AwsError(error.code, error.message) from None
    if provider.encryption_mode == "Required" and not assertion.encrypted:
        # Assumed wording: IAM's AssertionEncryptionMode Required refuses plaintext assertions.
        raise AwsError("InvalidIdentityToken", "The SAML provider requires encrypted assertions")
    plan.provider, plan.assertion = provider, assertion
    if not _grants(assertion, req["RoleArn"], req["PrincipalArn"]):
        raise _not_authorized()
    plan.role = requested_role(ctx, req["RoleArn"])
    if plan.role is None:
        raise _not_authorized()
    plan.session_name = _session_name(assertion)
    account = role_account(plan.role)
    plan.keys = {**_saml_keys(assertion, provider, account), "sts:RoleSessionName": plan.session_name}
    source = _attribute(assertion, SOURCE_IDENTITY_ATTRIBUTE)
    if source is not None:
        if not _SOURCE_IDENTITY.fullmatch(source):
            raise AwsError("InvalidIdentityToken", f"Invalid SourceIdentity in AuthnResponse: {source}")
        plan.keys["sts:SourceIdentity"] = source
    plan.session_tags, plan.transitive_tag_keys = _session_tags(assertion)
    plan.keys.update(request_tags(dict(plan.session_tags)))
    if plan.transitive_tag_keys:
        plan.keys["sts:TransitiveTagKeys"] = list(plan.transitive_tag_keys)
    plan.trust = parse_policy(plan.role.assume_role_policy, "trust")
    caller = PrincipalFacts(account_id=account, federated=provider.arn)
    context = trust_context(ctx, plan.keys)
    for action in (ACTION, "sts:TagSession") if plan.session_tags else (ACTION,):
        decision = evaluate_trust(plan.trust, caller, context, role_arn=plan.role.arn, action=action)
        check = Check(action, plan.role.arn, plan.keys, plan.trust, account)
        if not plan_decided(plan, check, decision, context).allowed:
            raise _not_authorized()
    plan.session_policies = find_session_policies(ctx.store.iam.accounts[account], req)


def plan_assume_role_with_saml(ctx: RequestContext, req: AssumeRoleWithSAMLRequestTypeDef) -> SamlAssumePlan:
    plan = SamlAssumePlan()
    try:
        _verify(ctx, req, plan)
    except AwsError as error:
        plan.fail(error)
    return plan


def _duration(
    req: AssumeRoleWithSAMLRequestTypeDef, role: Role, assertion: VerifiedAssertion, now: datetime
) -> int:
    """DurationSeconds (default an hour) within the role's maximum; no longer than the assertion's
    SessionDuration attribute or its SessionNotOnOrAfter (assumed: the shortest of them, as the
    AssumeRoleWithSAML reference says of SessionNotOnOrAfter)."""
    duration = req.get("DurationSeconds", 3600)
    if duration > role.max_session_duration:  # the request's own, before the assertion shortens it
        raise AwsError(
            "ValidationError",
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        )
    attribute = _attribute(assertion, SESSION_DURATION_ATTRIBUTE)
    if attribute is not None:
        if not attribute.isdigit() or not 900 <= int(attribute) <= 43200:
            raise AwsError("InvalidIdentityToken", f"Invalid SessionDuration in AuthnResponse: {attribute}")
        duration = min(duration, int(attribute))
    if assertion.session_not_on_or_after is not None:
        left = int((assertion.session_not_on_or_after - now).total_seconds())
        if left <= 0:
            raise AwsError("ExpiredTokenException", "Token is expired")
        duration = min(duration, left)
    return duration


@sts_action("AssumeRoleWithSAML", plan_assume_role_with_saml)
def assume_role_with_saml(
    ctx: RequestContext, req: AssumeRoleWithSAMLRequestTypeDef, plan: SamlAssumePlan
) -> dict[str, Any]:
    role, assertion, provider = plan.role, plan.assertion, plan.provider
    assert role is not None and assertion is not None and provider is not None  # else the plan's error
    duration = _duration(req, role, assertion, ctx.now)
    # The saml:* keys stay the session's for its own requests (the User Guide's home-folder
    # policies use ${saml:namequalifier}/${saml:sub}); RoleSession keeps federated keys here.
    federated = tuple(
        (key, tuple(value) if isinstance(value, list) else (str(value),))
        for key, value in plan.keys.items()
        if key.startswith("saml:")
    )
    session = open_role_session(
        ctx,
        role,
        plan.session_name,
        duration,
        req,
        plan.session_policies,
        plan.session_tags,
        federated,
        transitive_tag_keys=plan.transitive_tag_keys,
    )
    source = plan.keys.get("sts:SourceIdentity")
    return {
        **session,
        "Subject": assertion.subject,
        "SubjectType": assertion.subject_type,
        "Issuer": assertion.issuer,
        "Audience": assertion.recipient,
        "NameQualifier": plan.keys["saml:namequalifier"],
        "SourceIdentity": source if isinstance(source, str) else None,
    }
