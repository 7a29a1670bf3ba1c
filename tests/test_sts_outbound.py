"""STS GetWebIdentityToken: outbound web identity federation's JWTs, verifiable with ec2sim's
issuer keys, refused until the account enables the feature."""

from __future__ import annotations

import json
from typing import Any

import boto3
import jwt
import pytest
import requests
from botocore.config import Config

from ec2sim.server import Server
from ec2sim.testing import EmulatorAccount
from tests.helpers import aws_error

AUDIENCE = "https://api.example.com"


def _sts(server: Server, key_id: str, secret: str, token: str | None = None) -> Any:
    return boto3.client(
        "sts",
        region_name="us-east-1",
        endpoint_url=server.api_url,
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        aws_session_token=token,
    )


# Times are the emulated clock's, which other tests move: the signature, issuer and audience are
# what is verified here.
def _verify(server: Server, token: str, audience: str | list[str] = AUDIENCE) -> dict[str, Any]:
    keys = requests.get(f"{server.api_url}/_ec2sim/oidc/jwks.json", timeout=5).json()
    key = jwt.PyJWK(keys["keys"][0]).key
    claims: dict[str, Any] = jwt.decode(
        token,
        key,
        algorithms=["RS256"],
        audience=audience,
        options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
    )
    return claims


def test_refused_until_enabled(sts: Any) -> None:
    message = "Outbound web identity federation is disabled for your account."
    with aws_error("OutboundWebIdentityFederationDisabledException", 403, message):
        sts.get_web_identity_token(Audience=[AUDIENCE], SigningAlgorithm="RS256")


def test_token_claims_for_a_role_session(server: Server, iam: Any, sts: Any, account_id: str) -> None:
    issuer = iam.enable_outbound_web_identity_federation()["IssuerIdentifier"]
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role = iam.create_role(
        RoleName="worker", AssumeRolePolicyDocument=json.dumps(trust), Tags=[{"Key": "team", "Value": "blue"}]
    )["Role"]
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:GetWebIdentityToken",
                "Resource": "*",
                "Condition": {"NumericLessThanEquals": {"sts:DurationSeconds": "600"}},
            }
        ],
    }
    iam.put_role_policy(RoleName="worker", PolicyName="tokens", PolicyDocument=json.dumps(policy))
    iam.create_user(UserName="assumer")
    iam.put_user_policy(
        UserName="assumer",
        PolicyName="assume",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
            }
        ),
    )
    key = iam.create_access_key(UserName="assumer")["AccessKey"]
    user_sts = _sts(server, key["AccessKeyId"], key["SecretAccessKey"])
    creds = user_sts.assume_role(RoleArn=role["Arn"], RoleSessionName="ses")["Credentials"]
    role_sts = _sts(server, creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    response = role_sts.get_web_identity_token(
        Audience=[AUDIENCE],
        SigningAlgorithm="RS256",
        DurationSeconds=600,
        Tags=[{"Key": "job", "Value": "7"}],
    )
    claims = _verify(server, response["WebIdentityToken"])
    assert (claims["iss"], claims["sub"], claims["aud"]) == (issuer, role["Arn"], AUDIENCE)
    assert claims["exp"] - claims["iat"] == 600
    assert claims["https://sts.amazonaws.com/"] == {
        "aws_account": account_id,
        "source_region": "us-east-1",
        "principal_tags": {"team": "blue"},
        "request_tags": {"job": "7"},
    }
    assert int(response["Expiration"].timestamp()) == claims["exp"]
    with aws_error("AccessDenied", 403, "is not authorized to perform: sts:GetWebIdentityToken"):
        role_sts.get_web_identity_token(Audience=[AUDIENCE], SigningAlgorithm="RS256", DurationSeconds=900)


def test_several_audiences(server: Server, iam: Any, sts: Any, account_id: str) -> None:
    iam.enable_outbound_web_identity_federation()
    token = sts.get_web_identity_token(Audience=["a", "b"], SigningAlgorithm="RS256")["WebIdentityToken"]
    claims = _verify(server, token, audience="a")
    assert (claims["aud"], claims["sub"]) == (["a", "b"], f"arn:aws:iam::{account_id}:root")
    assert claims["exp"] - claims["iat"] == 300


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"DurationSeconds": 59},
            "Value '59' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 60",
        ),
        (
            {"DurationSeconds": 3601},
            "Value '3601' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 3600",
        ),
        ({"SigningAlgorithm": "ES384"}, "RS256 only"),
    ],
)
def test_invalid_requests(ec2sim: EmulatorAccount, params: dict[str, Any], message: str) -> None:
    ec2sim.boto3_client("iam").enable_outbound_web_identity_federation()
    sts = ec2sim.boto3_client("sts", config=Config(parameter_validation=False))
    with aws_error("ValidationError", 400, message):
        sts.get_web_identity_token(**{"Audience": [AUDIENCE], "SigningAlgorithm": "RS256", **params})
