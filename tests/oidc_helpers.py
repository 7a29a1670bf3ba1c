"""What the OIDC federation tests share: a GitHub-Actions-style provider and role, tokens minted by the
built-in issuer, and STS clients that send no signature (as SDKs send AssumeRoleWithWebIdentity)."""

from __future__ import annotations

import json
from typing import Any

import boto3
import requests
from botocore import UNSIGNED
from botocore.config import Config as BotoConfig

from ec2sim.server import Server

GITHUB = "https://token.actions.githubusercontent.com"
GITHUB_HOST = "token.actions.githubusercontent.com"
REPO_SUB = "repo:org/repo:ref:refs/heads/main"
THUMBPRINT = "6938fd4d98bab03faadb97b34396831e3780aea1"


def provider_arn_of(account_id: str, url: str) -> str:
    return f"arn:aws:iam::{account_id}:oidc-provider/{url.removeprefix('https://')}"


def mint(server: Server, **claims: Any) -> str:
    response = requests.post(f"{server.api_url}/_ec2sim/oidc/token", json=claims, timeout=10)
    assert response.status_code == 200, response.text
    token: str = response.json()["token"]
    return token


def unsigned_sts(server: Server) -> Any:
    return boto3.client(
        "sts",
        region_name="us-east-1",
        endpoint_url=server.api_url,
        config=BotoConfig(signature_version=UNSIGNED, retries={"max_attempts": 1}),
    )


def trust(provider_arn: str, conditions: dict[str, Any] | None = None) -> str:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Federated": provider_arn},
        "Action": "sts:AssumeRoleWithWebIdentity",
    }
    if conditions:
        statement["Condition"] = conditions
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def github_setup(iam: Any, account_id: str, conditions: dict[str, Any] | None = None) -> tuple[str, str]:
    """A GitHub-Actions-style provider and a role trusting it: (provider ARN, role ARN)."""
    provider = iam.create_open_id_connect_provider(Url=GITHUB, ClientIDList=["sts.amazonaws.com"])[
        "OpenIDConnectProviderArn"
    ]
    if conditions is None:
        conditions = {
            "StringEquals": {f"{GITHUB_HOST}:aud": "sts.amazonaws.com"},
            "StringLike": {f"{GITHUB_HOST}:sub": "repo:org/repo:*"},
        }
    role = iam.create_role(RoleName="deploy", AssumeRolePolicyDocument=trust(provider, conditions))["Role"][
        "Arn"
    ]
    return provider, role


def github_token(server: Server, **claims: Any) -> str:
    defaults = {"iss": GITHUB, "aud": "sts.amazonaws.com", "sub": REPO_SUB, "repository": "org/repo"}
    return mint(server, **{**defaults, **claims})


def session_client(server: Server, service: str, credentials: dict[str, Any]) -> Any:
    """A client signing with STS credentials."""
    return boto3.client(
        service,
        region_name="us-east-1",
        endpoint_url=server.api_url,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
