"""IAM OpenID Connect providers (CRUD, quotas, errors, authorization), the built-in issuer, and the
journal and durable-state codec keeping providers, their keys and federated sessions."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import ec

from ec2sim.config import Config
from ec2sim.iam import oidc_issuer
from ec2sim.server import Server
from ec2sim.store import Store
from ec2sim.store.persistence import CODEC
from tests.helpers import aws_error, key_client
from tests.oidc_helpers import (
    GITHUB,
    GITHUB_HOST,
    REPO_SUB,
    THUMBPRINT,
    github_setup,
    github_token,
    mint,
    provider_arn_of,
    unsigned_sts,
)
from tests.test_iam_journal import iam_state

# Providers -------------------------------------------------------------------------------------------


def test_provider_lifecycle(iam: Any, account_id: str) -> None:
    created = iam.create_open_id_connect_provider(
        Url="https://oidc.eks.us-east-1.amazonaws.com/id/ABC123",
        ClientIDList=["sts.amazonaws.com", "sts.amazonaws.com", "other"],
        ThumbprintList=[THUMBPRINT],
        Tags=[{"Key": "team", "Value": "infra"}],
    )
    arn = f"arn:aws:iam::{account_id}:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC123"
    assert created["OpenIDConnectProviderArn"] == arn
    assert created["Tags"] == [{"Key": "team", "Value": "infra"}]
    got = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert got["Url"] == "oidc.eks.us-east-1.amazonaws.com/id/ABC123"
    assert got["ClientIDList"] == ["sts.amazonaws.com", "other"]
    assert got["ThumbprintList"] == [THUMBPRINT]
    assert got["Tags"] == [{"Key": "team", "Value": "infra"}]
    assert "CreateDate" in got
    assert iam.list_open_id_connect_providers()["OpenIDConnectProviderList"] == [{"Arn": arn}]

    iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="third")
    iam.add_client_id_to_open_id_connect_provider(
        OpenIDConnectProviderArn=arn, ClientID="third"
    )  # idempotent
    iam.remove_client_id_from_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="other")
    iam.remove_client_id_from_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="absent")
    iam.update_open_id_connect_provider_thumbprint(
        OpenIDConnectProviderArn=arn, ThumbprintList=["a" * 40, "b" * 40]
    )
    got = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert got["ClientIDList"] == ["sts.amazonaws.com", "third"]
    assert got["ThumbprintList"] == ["a" * 40, "b" * 40]

    iam.tag_open_id_connect_provider(OpenIDConnectProviderArn=arn, Tags=[{"Key": "env", "Value": "ci"}])
    iam.untag_open_id_connect_provider(OpenIDConnectProviderArn=arn, TagKeys=["team"])
    assert iam.list_open_id_connect_provider_tags(OpenIDConnectProviderArn=arn)["Tags"] == [
        {"Key": "env", "Value": "ci"}
    ]

    iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert iam.list_open_id_connect_providers()["OpenIDConnectProviderList"] == []


def test_thumbprints_are_optional_and_the_url_keeps_its_path_and_slash(iam: Any, account_id: str) -> None:
    arn = iam.create_open_id_connect_provider(Url="https://auth.example.com/", ClientIDList=["app"])[
        "OpenIDConnectProviderArn"
    ]
    assert arn == f"arn:aws:iam::{account_id}:oidc-provider/auth.example.com/"
    assert iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)["ThumbprintList"] == []
    # Without the slash it is another provider.
    iam.create_open_id_connect_provider(Url="https://auth.example.com", ClientIDList=["app"])
    assert len(iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]) == 2


def test_same_url_twice_is_entity_already_exists(iam: Any) -> None:
    iam.create_open_id_connect_provider(Url=GITHUB, ClientIDList=["sts.amazonaws.com"])
    with aws_error("EntityAlreadyExists", 409, f"Provider with url {GITHUB} already exists."):
        iam.create_open_id_connect_provider(Url=GITHUB, ClientIDList=["sts.amazonaws.com"])


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com",
        "example.com",
        "https://",
        "https://example.com/?a=b",
        "https://example.com/#x",
        "ftp://x",
    ],
)
def test_invalid_urls_are_invalid_input(iam: Any, url: str) -> None:
    with aws_error("InvalidInput", 400, "Invalid Open ID Connect Provider URL"):
        iam.create_open_id_connect_provider(Url=url, ClientIDList=["app"])
    assert iam.list_open_id_connect_providers()["OpenIDConnectProviderList"] == []


def test_quotas(iam: Any, account_id: str) -> None:
    with aws_error("LimitExceeded", 409, "Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100"):
        iam.create_open_id_connect_provider(Url=GITHUB, ClientIDList=[f"c{i}" for i in range(101)])
    with aws_error("InvalidInput", 400, "Thumbprint list must contain fewer than 5 entries."):
        iam.create_open_id_connect_provider(Url=GITHUB, ClientIDList=["a"], ThumbprintList=["f" * 40] * 6)
    arn = iam.create_open_id_connect_provider(Url=GITHUB, ClientIDList=[f"c{i}" for i in range(100)])[
        "OpenIDConnectProviderArn"
    ]
    with aws_error("LimitExceeded", 409, "Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100"):
        iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="one-more")
    with aws_error("InvalidInput", 400, "Thumbprint list must contain fewer than 5 entries."):
        iam.update_open_id_connect_provider_thumbprint(
            OpenIDConnectProviderArn=arn, ThumbprintList=["f" * 40] * 6
        )
    # five are allowed although the message says "fewer than 5"
    iam.update_open_id_connect_provider_thumbprint(
        OpenIDConnectProviderArn=arn, ThumbprintList=["f" * 40] * 5
    )
    for i in range(99):
        iam.create_open_id_connect_provider(Url=f"https://issuer{i}.example.com", ClientIDList=["a"])
    with aws_error("LimitExceeded", 409, "Cannot exceed quota for OpenIdConnectProvidersPerAccount: 100"):
        iam.create_open_id_connect_provider(Url="https://one-too-many.example.com", ClientIDList=["a"])


def test_unknown_and_malformed_provider_arns(iam: Any, account_id: str) -> None:
    missing = provider_arn_of(account_id, "https://nowhere.example.com")
    calls: list[Callable[[], Any]] = [
        lambda: iam.get_open_id_connect_provider(OpenIDConnectProviderArn=missing),
        lambda: iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=missing),
        lambda: iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=missing, ClientID="a"),
        lambda: iam.remove_client_id_from_open_id_connect_provider(
            OpenIDConnectProviderArn=missing, ClientID="a"
        ),
        lambda: iam.update_open_id_connect_provider_thumbprint(
            OpenIDConnectProviderArn=missing, ThumbprintList=[]
        ),
        lambda: iam.tag_open_id_connect_provider(
            OpenIDConnectProviderArn=missing, Tags=[{"Key": "k", "Value": "v"}]
        ),
        lambda: iam.untag_open_id_connect_provider(OpenIDConnectProviderArn=missing, TagKeys=["k"]),
        lambda: iam.list_open_id_connect_provider_tags(OpenIDConnectProviderArn=missing),
    ]
    for call in calls:
        with aws_error("NoSuchEntity", 404, f"OpenIDConnect Provider not found for arn {missing}"):
            call()
    bad = f"arn:aws:iam::{account_id}:role/not-a-provider"
    with aws_error("InvalidInput", 400, f"ARN {bad} is not valid."):
        iam.get_open_id_connect_provider(OpenIDConnectProviderArn=bad)


def test_provider_tags_are_validated(iam: Any) -> None:
    arn = iam.create_open_id_connect_provider(Url=GITHUB, ClientIDList=["a"])["OpenIDConnectProviderArn"]
    with aws_error("InvalidInput", 400, "Duplicate tag keys found"):
        iam.tag_open_id_connect_provider(
            OpenIDConnectProviderArn=arn, Tags=[{"Key": "k", "Value": "1"}, {"Key": "K", "Value": "2"}]
        )
    iam.tag_open_id_connect_provider(
        OpenIDConnectProviderArn=arn, Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)]
    )
    with aws_error("LimitExceeded", 409, "The number of tags has reached the maximum limit of 50."):
        iam.tag_open_id_connect_provider(
            OpenIDConnectProviderArn=arn, Tags=[{"Key": "one-more", "Value": "v"}]
        )


def test_provider_actions_are_authorized_on_the_provider_arn(
    iam: Any, account_id: str, make_client: Callable[..., Any]
) -> None:
    arn = iam.create_open_id_connect_provider(Url=GITHUB, ClientIDList=["a"])["OpenIDConnectProviderArn"]
    iam.create_user(UserName="dev")
    key = iam.create_access_key(UserName="dev")["AccessKey"]
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "iam:GetOpenIDConnectProvider", "Resource": arn}],
    }
    iam.put_user_policy(UserName="dev", PolicyName="p", PolicyDocument=json.dumps(policy))
    dev = key_client(iam.meta.endpoint_url, "iam", key)
    assert dev.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)["Url"] == GITHUB_HOST
    message = f"User: arn:aws:iam::{account_id}:user/dev is not authorized to perform: iam:DeleteOpenIDConnectProvider on resource: {arn}"
    with aws_error("AccessDenied", 403, message):
        dev.delete_open_id_connect_provider(OpenIDConnectProviderArn=arn)


# The built-in issuer -----------------------------------------------------------------------------------


def test_discovery_document_and_jwks_verify_minted_tokens(server: Server) -> None:
    base = f"{server.api_url}/_ec2sim/oidc"
    discovery = requests.get(f"{base}/.well-known/openid-configuration", timeout=10).json()
    assert discovery["issuer"] == "https://oidc.ec2sim.local"
    assert discovery["jwks_uri"] == f"{base}/jwks.json"
    keys = requests.get(discovery["jwks_uri"], timeout=10).json()["keys"]
    token = mint(server, sub="system:serviceaccount:default:app", aud="sts.amazonaws.com")
    header = jwt.get_unverified_header(token)
    key = next(k for k in keys if k["kid"] == header["kid"])
    # Times are the emulated clock's, which other tests move ahead of PyJWT's real one.
    times = {"verify_exp": False, "verify_iat": False, "verify_nbf": False}
    claims = jwt.decode(
        token, jwt.PyJWK(key).key, algorithms=["RS256"], audience="sts.amazonaws.com", options=times
    )
    assert claims["iss"] == "https://oidc.ec2sim.local"
    assert claims["sub"] == "system:serviceaccount:default:app"
    assert claims["exp"] - claims["iat"] == 3600


@pytest.mark.parametrize("body", ["[]", "not json", '{"expires_in": "soon"}', '{"expires_in": 1e400}'])
def test_mint_refuses_bad_bodies(server: Server, body: str) -> None:
    response = requests.post(f"{server.api_url}/_ec2sim/oidc/token", data=body, timeout=10)
    assert response.status_code == 400
    assert "error" in response.json()


def test_signing_key_survives_a_reset() -> None:
    store = Store()
    before = oidc_issuer.jwks(store)
    store.reset()
    assert oidc_issuer.jwks(store) == before


def test_signing_key_and_providers_survive_a_durable_restart(tmp_path: Path) -> None:
    """A token minted before a restart on the same state directory still verifies after it."""
    config = Config(port=0, imds_port=0, state_dir=str(tmp_path))
    account = "210987654321"
    with Server(config) as first:
        iam = boto3.client(
            "iam",
            region_name="us-east-1",
            endpoint_url=first.api_url,
            aws_access_key_id=account,
            aws_secret_access_key="x",
        )
        _, role = github_setup(iam, account)
        keys = requests.get(f"{first.api_url}/_ec2sim/oidc/jwks.json", timeout=10).json()
        token = github_token(first)
    with Server(config) as second:
        assert requests.get(f"{second.api_url}/_ec2sim/oidc/jwks.json", timeout=10).json() == keys
        result = unsigned_sts(second).assume_role_with_web_identity(
            RoleArn=role, RoleSessionName="after", WebIdentityToken=token
        )
        assert result["SubjectFromWebIdentityToken"] == REPO_SUB


def test_provider_keys_control_errors(server: Server, iam: Any, account_id: str) -> None:
    url = f"{server.api_url}/_ec2sim/oidc/provider-keys"
    missing = provider_arn_of(account_id, "https://nobody.example.com")
    assert requests.post(url, json={"provider_arn": missing, "jwks": None}, timeout=10).status_code == 404
    provider = iam.create_open_id_connect_provider(Url=GITHUB, ClientIDList=["a"])["OpenIDConnectProviderArn"]
    for body in (
        {"provider_arn": provider},
        {"provider_arn": provider, "jwks": {"keys": []}},
        {"provider_arn": provider, "jwks": {"keys": [{"kty": "RSA"}]}},
        {"provider_arn": provider, "jwks": {"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}},  # no shared secrets
    ):
        assert requests.post(url, json=body, timeout=10).status_code == 400
    # null: back to the built-in issuer's keys
    assert requests.post(url, json={"provider_arn": provider, "jwks": None}, timeout=10).status_code == 200


def test_journal_replay_and_codec_keep_providers_keys_and_sessions(server: Server) -> None:
    """Providers, keys given directly, and federated sessions are journaled changes: replaying the
    journal rebuilds the same IAM state, and each change survives the durable-state codec."""
    with Server(Config(port=0, imds_port=0)) as private:
        account = "210987654321"
        iam = boto3.client(
            "iam",
            region_name="us-east-1",
            endpoint_url=private.api_url,
            aws_access_key_id=account,
            aws_secret_access_key="x",
        )
        provider, role = github_setup(iam, account)
        iam.tag_open_id_connect_provider(OpenIDConnectProviderArn=provider, Tags=[{"Key": "k", "Value": "v"}])
        iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=provider, ClientID="second")
        other = iam.create_open_id_connect_provider(Url="https://gone.example.com", ClientIDList=["a"])
        iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=other["OpenIDConnectProviderArn"])
        key = ec.generate_private_key(ec.SECP256R1())
        public = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
        requests.post(
            f"{private.api_url}/_ec2sim/oidc/provider-keys",
            json={"provider_arn": provider, "jwks": {"keys": [public]}},
            timeout=10,
        ).raise_for_status()
        claims = {
            "iss": GITHUB,
            "aud": "sts.amazonaws.com",
            "sub": REPO_SUB,
            "amr": ["a", "b"],
            "exp": 4102444800,
        }
        unsigned_sts(private).assume_role_with_web_identity(
            RoleArn=role, RoleSessionName="s1", WebIdentityToken=jwt.encode(claims, key, algorithm="ES256")
        )
        store = private.store
        with store.lock:
            journal, state = list(store.journal), iam_state(store)
        for change in journal:
            assert CODEC.decode(CODEC.encode(change)) == change
        replayed = Store()
        replayed.iam.replay(journal)
        assert iam_state(replayed) == state
        session = next(c for c in replayed.iam.credentials.values() if c.role_session is not None)
        assert session.role_session is not None
        assert dict(session.role_session.web_identity)[f"{GITHUB_HOST}:amr"] == ("a", "b")
