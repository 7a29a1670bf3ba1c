"""The authorization matrix's requests for OIDC providers (each on its ``oidc-provider`` ARN, the
listing on ``*``) and AssumeRoleWithWebIdentity (on the role; its trust policy decides for the
unsigned caller). The federation uses a provider for ``accounts.google.com``, whose token keys
(``accounts.google.com:aud``, ``:sub``) the Service Authorization Reference lists."""

from __future__ import annotations

import json
from typing import Any

import requests

from tests.authz_cases import Builder, case, iam_arn
from tests.credential_helpers import _once

ISSUER = "https://accounts.google.com"


def _provider(env: Any) -> str:
    """A provider tagged ``team=a``."""

    def make() -> str:
        arn: str = env.iam.create_open_id_connect_provider(
            Url=ISSUER, ClientIDList=["matrix-app"], Tags=[{"Key": "team", "Value": "a"}]
        )["OpenIDConnectProviderArn"]
        return arn

    found: str = _once(env, "_oidc_provider", make)
    return found


def _role(env: Any) -> str:
    def make() -> str:
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": _provider(env)},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {"StringEquals": {"accounts.google.com:aud": "matrix-app"}},
                }
            ],
        }
        arn: str = env.iam.create_role(
            RoleName="matrix-oidc-role", AssumeRolePolicyDocument=json.dumps(trust)
        )["Role"]["Arn"]
        return arn

    found: str = _once(env, "_oidc_role", make)
    return found


def _token(env: Any) -> str:
    _role(env)
    response = requests.post(
        f"{env.iam.meta.endpoint_url}/_ec2sim/oidc/token",
        json={"iss": ISSUER, "aud": "matrix-app", "sub": "1234567890"},
        timeout=10,
    )
    response.raise_for_status()
    token: str = response.json()["token"]
    return token


def _on_provider(**params: Any) -> Builder:
    return case({"OpenIDConnectProviderArn": _provider, **params}, _provider)


OIDC_CASES: dict[str, Builder] = {
    "CreateOpenIDConnectProvider": case(
        {"Url": "https://new.example.com", "ClientIDList": ["a"]}, iam_arn("oidc-provider", "new.example.com")
    ),
    "GetOpenIDConnectProvider": _on_provider(),
    "DeleteOpenIDConnectProvider": _on_provider(),
    "ListOpenIDConnectProviders": case({}),
    "AddClientIDToOpenIDConnectProvider": _on_provider(ClientID="another"),
    "RemoveClientIDFromOpenIDConnectProvider": _on_provider(ClientID="matrix-app"),
    "UpdateOpenIDConnectProviderThumbprint": _on_provider(ThumbprintList=["f" * 40]),
    "UpdateOpenIDConnectProvider": _on_provider(RemoveContextProvider=True),
    "TagOpenIDConnectProvider": _on_provider(Tags=[{"Key": "env", "Value": "dev"}]),
    "UntagOpenIDConnectProvider": _on_provider(TagKeys=["team"]),
    "ListOpenIDConnectProviderTags": _on_provider(),
}

OIDC_STS_CASES: dict[str, Builder] = {
    "AssumeRoleWithWebIdentity": case(
        {"RoleArn": _role, "RoleSessionName": "matrix", "WebIdentityToken": _token}, _role
    ),
}
