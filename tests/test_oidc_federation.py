"""STS AssumeRoleWithWebIdentity verifying tokens for real: signature, issuer, audience, times on the
emulated clock, the trust policy and its condition keys, session keys and tags; boto3 and the AWS CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import jwt
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from hypothesis import given
from hypothesis import strategies as st

from ec2sim.iam import oidc_issuer
from ec2sim.server import Server
from tests.helpers import aws_error
from tests.oidc_helpers import (
    GITHUB,
    GITHUB_HOST,
    REPO_SUB,
    github_setup,
    github_token,
    mint,
    provider_arn_of,
    session_client,
    trust,
    unsigned_sts,
)


def test_github_actions_style_federation_with_boto3(server: Server, iam: Any, account_id: str) -> None:
    provider, role = github_setup(iam, account_id)
    result = unsigned_sts(server).assume_role_with_web_identity(
        RoleArn=role, RoleSessionName="gha-run-1", WebIdentityToken=github_token(server)
    )
    assert result["SubjectFromWebIdentityToken"] == REPO_SUB
    assert result["Provider"] == provider
    assert result["Audience"] == "sts.amazonaws.com"
    session_arn = f"arn:aws:sts::{account_id}:assumed-role/deploy/gha-run-1"
    assert result["AssumedRoleUser"]["Arn"] == session_arn
    assert result["AssumedRoleUser"]["AssumedRoleId"].endswith(":gha-run-1")
    credentials = result["Credentials"]
    assert credentials["AccessKeyId"].startswith("ASIA")
    session = session_client(server, "sts", credentials)
    assert session.get_caller_identity()["Arn"] == session_arn


def test_federation_with_the_aws_cli(server: Server, iam: Any, account_id: str) -> None:
    _, role = github_setup(iam, account_id)
    command = [
        sys.executable,
        "-m",
        "awscli",
        "--endpoint-url",
        server.api_url,
        "--output",
        "json",
        "--region",
        "us-east-1",
    ]
    env = {
        "PATH": "/usr/bin:/bin",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    }
    assumed = subprocess.run(
        [
            *command,
            "sts",
            "assume-role-with-web-identity",
            "--role-arn",
            role,
            "--role-session-name",
            "cli",
            "--web-identity-token",
            github_token(server),
        ],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        timeout=60,
    )
    credentials = json.loads(assumed.stdout)["Credentials"]
    identity = subprocess.run(
        [*command, "sts", "get-caller-identity"],
        capture_output=True,
        text=True,
        check=True,
        env={
            **env,
            "AWS_ACCESS_KEY_ID": credentials["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": credentials["SecretAccessKey"],
            "AWS_SESSION_TOKEN": credentials["SessionToken"],
        },
        timeout=60,
    )
    assert json.loads(identity.stdout)["Arn"] == f"arn:aws:sts::{account_id}:assumed-role/deploy/cli"


def test_kubernetes_style_federation_with_a_path_issuer(server: Server, iam: Any, account_id: str) -> None:
    issuer = "https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
    host = issuer.removeprefix("https://")
    provider = iam.create_open_id_connect_provider(Url=issuer, ClientIDList=["sts.amazonaws.com"])[
        "OpenIDConnectProviderArn"
    ]
    subject = "system:serviceaccount:default:my-app"
    role = iam.create_role(
        RoleName="irsa",
        AssumeRolePolicyDocument=trust(
            provider, {"StringEquals": {f"{host}:sub": subject, f"{host}:aud": "sts.amazonaws.com"}}
        ),
    )["Role"]["Arn"]
    token = mint(server, iss=issuer, sub=subject, aud=["sts.amazonaws.com"])
    result = unsigned_sts(server).assume_role_with_web_identity(
        RoleArn=role, RoleSessionName="pod", WebIdentityToken=token, DurationSeconds=900
    )
    assert result["SubjectFromWebIdentityToken"] == subject


def test_session_carries_the_federated_keys(server: Server, iam: Any, account_id: str) -> None:
    """aws:FederatedProvider and <issuer>:sub reach the session's own requests' policy evaluation."""
    provider, role = github_setup(iam, account_id)
    allow = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "iam:ListRoles",
                "Resource": "*",
                "Condition": {
                    "StringEquals": {"aws:FederatedProvider": provider, f"{GITHUB_HOST}:sub": REPO_SUB},
                },
            },
            {
                "Effect": "Allow",
                "Action": "iam:ListUsers",
                "Resource": "*",
                "Condition": {"StringEquals": {f"{GITHUB_HOST}:repository": "other/repo"}},
            },
        ],
    }
    iam.put_role_policy(RoleName="deploy", PolicyName="p", PolicyDocument=json.dumps(allow))
    credentials = unsigned_sts(server).assume_role_with_web_identity(
        RoleArn=role, RoleSessionName="s1", WebIdentityToken=github_token(server)
    )["Credentials"]
    session_iam = session_client(server, "iam", credentials)
    session_iam.list_roles()
    with aws_error("AccessDenied", 403, "iam:ListUsers"):
        session_iam.list_users()


def test_wrong_audience(server: Server, iam: Any, account_id: str) -> None:
    _, role = github_setup(iam, account_id)
    with aws_error("InvalidIdentityToken", 400, "Incorrect token audience"):
        unsigned_sts(server).assume_role_with_web_identity(
            RoleArn=role, RoleSessionName="s1", WebIdentityToken=github_token(server, aud="sigstore")
        )


def test_wrong_issuer(server: Server, iam: Any, account_id: str) -> None:
    _, role = github_setup(iam, account_id)
    token = github_token(server, iss="https://vstoken.actions.githubusercontent.com")
    message = (
        "No OpenIDConnect provider found in your account for https://vstoken.actions.githubusercontent.com"
    )
    with aws_error("InvalidIdentityToken", 400, message):
        unsigned_sts(server).assume_role_with_web_identity(
            RoleArn=role, RoleSessionName="s1", WebIdentityToken=token
        )


def test_a_provider_of_another_account_does_not_count(
    server: Server, iam: Any, account_id: str, make_client: Callable[..., Any]
) -> None:
    github_setup(iam, account_id)
    other = make_client("iam", "918273645501")
    other.create_role(RoleName="r", AssumeRolePolicyDocument=trust(provider_arn_of(account_id, GITHUB)))
    with aws_error(
        "InvalidIdentityToken", 400, f"No OpenIDConnect provider found in your account for {GITHUB}"
    ):
        unsigned_sts(server).assume_role_with_web_identity(
            RoleArn="arn:aws:iam::918273645501:role/r",
            RoleSessionName="s1",
            WebIdentityToken=github_token(server),
        )


def test_expired_token_on_the_emulated_clock(server: Server, iam: Any, account_id: str) -> None:
    _, role = github_setup(iam, account_id)
    token = github_token(server, expires_in=60)
    sts = unsigned_sts(server)
    requests.post(f"{server.api_url}/_ec2sim/clock", json={"advance_seconds": 60 + 240}, timeout=10)
    sts.assume_role_with_web_identity(
        RoleArn=role, RoleSessionName="s1", WebIdentityToken=token
    )  # within the skew
    requests.post(f"{server.api_url}/_ec2sim/clock", json={"advance_seconds": 120}, timeout=10)
    with aws_error("ExpiredTokenException", 400, "Token expired: current date/time"):
        sts.assume_role_with_web_identity(RoleArn=role, RoleSessionName="s1", WebIdentityToken=token)


def test_token_not_yet_valid(server: Server, iam: Any, account_id: str) -> None:
    _, role = github_setup(iam, account_id)
    clock = requests.get(f"{server.api_url}/_ec2sim/clock", timeout=10).json()
    now = int(datetime.fromisoformat(clock["now"].replace("Z", "+00:00")).timestamp())
    token = github_token(server, nbf=now + 3600)
    with aws_error("IDPRejectedClaim", 403):
        unsigned_sts(server).assume_role_with_web_identity(
            RoleArn=role, RoleSessionName="s1", WebIdentityToken=token
        )


def test_bad_signature(server: Server, iam: Any, account_id: str) -> None:
    _, role = github_setup(iam, account_id)
    header, payload, signature = github_token(server).split(".")
    forged_payload = jwt.utils.base64url_encode(
        json.dumps(
            {
                **jwt.decode(github_token(server), options={"verify_signature": False}),
                "sub": "repo:evil/repo:ref:refs/heads/main",
            }
        ).encode()
    ).decode()
    with aws_error("InvalidIdentityToken", 400, "could not be validated"):
        unsigned_sts(server).assume_role_with_web_identity(
            RoleArn=role, RoleSessionName="s1", WebIdentityToken=f"{header}.{forged_payload}.{signature}"
        )
    # Signed by a key that is not the issuer's: no key of the issuer has its kid.
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    claims = {
        "iss": GITHUB,
        "aud": "sts.amazonaws.com",
        "sub": REPO_SUB,
        "exp": int(server.store.clock.time()) + 3600,
    }
    token = jwt.encode(claims, stranger, algorithm="RS256", headers={"kid": "stranger"})
    with aws_error(
        "InvalidIdentityToken", 400, "Couldn't retrieve verification key from your identity provider"
    ):
        unsigned_sts(server).assume_role_with_web_identity(
            RoleArn=role, RoleSessionName="s1", WebIdentityToken=token
        )


def test_trust_policy_sub_mismatch_is_access_denied(server: Server, iam: Any, account_id: str) -> None:
    _, role = github_setup(
        iam, account_id, {"StringEquals": {f"{GITHUB_HOST}:sub": "repo:org/repo:ref:refs/heads/prod"}}
    )
    with aws_error("AccessDenied", 403, "Not authorized to perform sts:AssumeRoleWithWebIdentity"):
        unsigned_sts(server).assume_role_with_web_identity(
            RoleArn=role, RoleSessionName="s1", WebIdentityToken=github_token(server)
        )


def test_a_role_that_does_not_exist_or_trusts_another_provider(
    server: Server, iam: Any, account_id: str
) -> None:
    github_setup(iam, account_id)
    sts = unsigned_sts(server)
    with aws_error("AccessDenied", 403, "Not authorized to perform sts:AssumeRoleWithWebIdentity"):
        sts.assume_role_with_web_identity(
            RoleArn=f"arn:aws:iam::{account_id}:role/none",
            RoleSessionName="s1",
            WebIdentityToken=github_token(server),
        )
    iam.create_role(
        RoleName="other",
        AssumeRolePolicyDocument=trust(provider_arn_of(account_id, "https://elsewhere.example.com")),
    )
    with aws_error("AccessDenied", 403, "Not authorized to perform sts:AssumeRoleWithWebIdentity"):
        sts.assume_role_with_web_identity(
            RoleArn=f"arn:aws:iam::{account_id}:role/other",
            RoleSessionName="s1",
            WebIdentityToken=github_token(server),
        )
    with aws_error("ValidationError", 400, "Request ARN is invalid"):
        sts.assume_role_with_web_identity(
            RoleArn="arn:aws:iam::role/x" * 2, RoleSessionName="s1", WebIdentityToken=github_token(server)
        )


def test_session_duration_limits(server: Server, iam: Any, account_id: str) -> None:
    _, role = github_setup(iam, account_id)
    with aws_error(
        "ValidationError",
        400,
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
    ):
        unsigned_sts(server).assume_role_with_web_identity(
            RoleArn=role, RoleSessionName="s1", WebIdentityToken=github_token(server), DurationSeconds=7200
        )


def test_a_signed_call_is_served_too(server: Server, iam: Any, account_id: str, sts: Any) -> None:
    """boto3 sends AssumeRoleWithWebIdentity unsigned whatever its credentials; a signature sent
    anyway (a raw client), even one that would not verify, is not looked at."""
    _, role = github_setup(iam, account_id)
    result = sts.assume_role_with_web_identity(
        RoleArn=role, RoleSessionName="s1", WebIdentityToken=github_token(server)
    )
    assert result["AssumedRoleUser"]["Arn"].endswith(":assumed-role/deploy/s1")
    body = urlencode(
        {
            "Action": "AssumeRoleWithWebIdentity",
            "Version": "2011-06-15",
            "RoleArn": role,
            "RoleSessionName": "raw",
            "WebIdentityToken": github_token(server),
        }
    )
    request = AWSRequest(
        "POST", server.api_url + "/", data=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    SigV4Auth(Credentials("AKIAUNKNOWNKEY000000", "wrong"), "sts", "us-east-1").add_auth(request)
    response = requests.post(server.api_url + "/", data=body, headers=dict(request.headers), timeout=10)
    assert response.status_code == 200, response.text
    assert ":assumed-role/deploy/raw</Arn>" in response.text


@pytest.mark.parametrize("curve", ["ES256", "RS256"])
def test_provider_given_keys_directly(server: Server, iam: Any, account_id: str, curve: str) -> None:
    """A test signing with its own key gives the provider its JWKS; the built-in key no longer verifies."""
    issuer = "https://idp.example.com"
    provider = iam.create_open_id_connect_provider(Url=issuer, ClientIDList=["my-app"])[
        "OpenIDConnectProviderArn"
    ]
    role = iam.create_role(RoleName="own", AssumeRolePolicyDocument=trust(provider))["Role"]["Arn"]
    key: Any = (
        ec.generate_private_key(ec.SECP256R1()) if curve == "ES256" else rsa.generate_private_key(65537, 2048)
    )
    public = json.loads(jwt.algorithms.get_default_algorithms()[curve].to_jwk(key.public_key()))
    public["kid"] = "mine"
    response = requests.post(
        f"{server.api_url}/_ec2sim/oidc/provider-keys",
        json={"provider_arn": provider, "jwks": {"keys": [public]}},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    claims = {"iss": issuer, "aud": "my-app", "sub": "user-1", "exp": int(server.store.clock.time()) + 3600}
    token = jwt.encode(claims, key, algorithm=curve, headers={"kid": "mine"})
    sts = unsigned_sts(server)
    assert (
        sts.assume_role_with_web_identity(RoleArn=role, RoleSessionName="s1", WebIdentityToken=token)[
            "SubjectFromWebIdentityToken"
        ]
        == "user-1"
    )
    builtin = mint(server, iss=issuer, aud="my-app", sub="user-1")
    with aws_error("InvalidIdentityToken", 400):
        sts.assume_role_with_web_identity(RoleArn=role, RoleSessionName="s1", WebIdentityToken=builtin)


_JWT_PARTS = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=", max_size=80
)


@given(
    token=st.one_of(
        st.text(min_size=4, max_size=300),
        st.builds(lambda a, b, c: f"{a}.{b}.{c}", _JWT_PARTS, _JWT_PARTS, _JWT_PARTS).filter(
            lambda t: len(t) >= 4
        ),
        st.builds(
            lambda header, payload: (
                ".".join(
                    jwt.utils.base64url_encode(json.dumps(p).encode()).decode() for p in (header, payload)
                )
                + ".c2ln"
            ),
            st.dictionaries(
                st.sampled_from(["alg", "kid", "typ", "crit"]),
                st.one_of(st.text(max_size=8), st.integers(), st.none()),
            ),
            st.dictionaries(
                st.sampled_from(["iss", "aud", "sub", "exp", "nbf", "iat"]),
                st.one_of(
                    st.text(max_size=30), st.integers(), st.lists(st.text(max_size=5), max_size=2), st.none()
                ),
            ),
        ),
    )
)
def test_garbage_tokens_are_invalid_identity_token(server: Server, token: str) -> None:
    sts = unsigned_sts(server)
    role = "arn:aws:iam::123456789012:role/any"
    try:
        sts.assume_role_with_web_identity(RoleArn=role, RoleSessionName="s1", WebIdentityToken=token)
    except ClientError as error:
        response = error.response
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 400, response
        # A token with characters no XML can carry is refused by the wire layer first.
        codes = (
            {"InvalidIdentityToken"} if token.isprintable() else {"InvalidIdentityToken", "ValidationError"}
        )
        assert response["Error"]["Code"] in codes, response
    else:
        pytest.fail("a garbage token was accepted")


@given(
    claims=st.dictionaries(
        st.sampled_from(
            ["aud", "sub", "exp", "nbf", "iat", "amr", "azp", "https://aws.amazon.com/source_identity"]
        ),
        st.one_of(
            st.text(max_size=20),
            st.integers(min_value=-(2**62), max_value=2**62),
            st.floats(allow_nan=False, allow_infinity=False),
            st.booleans(),
            st.none(),
            st.lists(st.one_of(st.text(max_size=5), st.integers()), max_size=3),
            st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
        ),
    )
)
def test_signed_tokens_with_garbage_claims_never_fail_the_server(
    server: Server, iam: Any, account_id: str, claims: dict[str, Any]
) -> None:
    """Past the signature: whatever the claims' types, STS answers its own 4xx or credentials."""
    if not iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]:
        github_setup(iam, account_id, {"StringLike": {f"{GITHUB_HOST}:sub": "*"}})
    token = oidc_issuer.mint(server.store, {"iss": GITHUB, **claims}, server.store.clock.now(), 3600)
    try:
        unsigned_sts(server).assume_role_with_web_identity(
            RoleArn=f"arn:aws:iam::{account_id}:role/deploy", RoleSessionName="s1", WebIdentityToken=token
        )
    except ClientError as error:
        response = error.response
        assert response["ResponseMetadata"]["HTTPStatusCode"] in (400, 403), response
        assert response["Error"]["Code"] in (
            "InvalidIdentityToken",
            "ExpiredTokenException",
            "IDPRejectedClaim",
            "AccessDenied",
        ), response


def test_session_tags_from_the_token(server: Server, iam: Any, account_id: str) -> None:
    """The token's principal tags become session tags (aws:PrincipalTag/*), which the trust policy
    must allow with sts:TagSession (IAM User Guide, "Passing session tags using AssumeRoleWithWebIdentity")."""
    provider, role = github_setup(iam, account_id, {})
    tags = {"principal_tags": {"Project": ["Automation"]}, "transitive_tag_keys": ["Project"]}
    token = github_token(server, **{"https://aws.amazon.com/tags": tags})
    sts = unsigned_sts(server)
    with aws_error("AccessDenied", 403, "Not authorized to perform sts:AssumeRoleWithWebIdentity"):
        sts.assume_role_with_web_identity(RoleArn=role, RoleSessionName="s1", WebIdentityToken=token)
    document = json.loads(trust(provider))
    document["Statement"][0]["Action"] = ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"]
    iam.update_assume_role_policy(RoleName="deploy", PolicyDocument=json.dumps(document))
    allow = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "iam:ListRoles",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:PrincipalTag/Project": "Automation"}},
            }
        ],
    }
    iam.put_role_policy(RoleName="deploy", PolicyName="p", PolicyDocument=json.dumps(allow))
    credentials = sts.assume_role_with_web_identity(
        RoleArn=role, RoleSessionName="s1", WebIdentityToken=token
    )["Credentials"]
    session_iam = session_client(server, "iam", credentials)
    session_iam.list_roles()
    bad = github_token(server, **{"https://aws.amazon.com/tags": {"principal_tags": {"Project": 7}}})
    with aws_error("InvalidIdentityToken", 400, "The session tags in the token are not valid"):
        sts.assume_role_with_web_identity(RoleArn=role, RoleSessionName="s1", WebIdentityToken=bad)
