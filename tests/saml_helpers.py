"""SAML federation for the tests: the built-in IdP's metadata, providers, trusting roles, assertions."""

from __future__ import annotations

import json
from typing import Any

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def idp_metadata(url: str) -> str:
    """The built-in IdP's metadata (``GET /_ec2sim/saml/metadata.xml``)."""
    response = requests.get(f"{url}/_ec2sim/saml/metadata.xml", timeout=30)
    response.raise_for_status()
    return response.text


def mint(url: str, **body: Any) -> str:
    """A signed SAMLResponse from the built-in IdP (``POST /_ec2sim/saml/assertion``)."""
    response = requests.post(f"{url}/_ec2sim/saml/assertion", json=body, timeout=30)
    assert response.status_code == 200, response.text
    return str(response.json()["SAMLResponse"])


def saml_trust(provider_arn: str, condition: dict[str, Any] | None = None, tag: bool = False) -> str:
    """A trust policy letting the provider's users assume the role (AWS's documented shape)."""
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Federated": provider_arn},
        "Action": ["sts:AssumeRoleWithSAML", *(["sts:TagSession"] if tag else [])],
        "Condition": {"StringEquals": {"saml:aud": "https://signin.aws.amazon.com/saml"}},
    }
    for operator, keys in (condition or {}).items():
        statement["Condition"].setdefault(operator, {}).update(keys)
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def federated_role(iam: Any, name: str = "idp", role: str = "federated", **trust: Any) -> tuple[str, str]:
    """A SAML provider trusting the built-in IdP, and a role its users may assume: (role, provider) ARNs."""
    url = iam.meta.endpoint_url
    provider = iam.create_saml_provider(Name=name, SAMLMetadataDocument=idp_metadata(url))["SAMLProviderArn"]
    role_arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=saml_trust(provider, **trust))["Role"][
        "Arn"
    ]
    return role_arn, provider


def private_key_pem() -> str:
    """A fresh RSA private key (PKCS#8 PEM), as AddPrivateKey takes it."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
