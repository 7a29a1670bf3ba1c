"""The authorization matrix's requests for SAML providers (each on its ``saml-provider`` ARN, the
listing on ``*``) and AssumeRoleWithSAML (on the role; its trust policy decides for the unsigned caller)."""

from __future__ import annotations

from typing import Any

from tests.authz_cases import Builder, case, iam_arn
from tests.credential_helpers import _once
from tests.saml_helpers import federated_role, idp_metadata, mint


def _metadata(env: Any) -> str:
    return str(_once(env, "_saml_metadata", lambda: idp_metadata(env.iam.meta.endpoint_url)))


def _federation(env: Any) -> tuple[str, str]:
    """A provider tagged ``team=a`` and a role trusting it: (role ARN, provider ARN)."""

    def make() -> tuple[str, str]:
        role, provider = federated_role(env.iam, "matrix-idp", "matrix-saml-role")
        env.iam.tag_saml_provider(SAMLProviderArn=provider, Tags=[{"Key": "team", "Value": "a"}])
        return role, provider

    found: tuple[str, str] = _once(env, "_saml_federation", make)
    return found


def _provider(env: Any) -> str:
    return _federation(env)[1]


def _role(env: Any) -> str:
    return _federation(env)[0]


def _assertion(env: Any) -> str:
    return mint(env.iam.meta.endpoint_url, roles=[[_role(env), _provider(env)]], session_name="matrix")


def _on_provider(**params: Any) -> Builder:
    return case({"SAMLProviderArn": _provider, **params}, _provider)


SAML_CASES: dict[str, Builder] = {
    "CreateSAMLProvider": case(
        {"Name": "new-idp", "SAMLMetadataDocument": _metadata}, iam_arn("saml-provider", "new-idp")
    ),
    "GetSAMLProvider": _on_provider(),
    "UpdateSAMLProvider": _on_provider(SAMLMetadataDocument=_metadata),
    "DeleteSAMLProvider": _on_provider(),
    "ListSAMLProviders": case({}),
    "TagSAMLProvider": _on_provider(Tags=[{"Key": "env", "Value": "dev"}]),
    "UntagSAMLProvider": _on_provider(TagKeys=["team"]),
    "ListSAMLProviderTags": _on_provider(),
}

SAML_STS_CASES: dict[str, Builder] = {
    "AssumeRoleWithSAML": case(
        {"RoleArn": _role, "PrincipalArn": _provider, "SAMLAssertion": _assertion}, _role
    ),
}
