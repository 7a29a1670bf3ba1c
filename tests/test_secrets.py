"""Secrets never reach a log line or an error message.

A full scenario runs with the server's loggers ("ec2sim", "waitress") at DEBUG:
an IAM user's access key and console password (changed, and refused for the
wrong old password or a weak new one), GetSessionToken, AssumeRole, CreateKeyPair,
instance metadata tokens and role credentials, and signatures made with a wrong
secret or a wrong token. Every log record (with its traceback) and every error
body the server sent must be free of every secret the scenario saw.
"""

from __future__ import annotations

import html
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError

from ec2sim.server import Server
from tests.helpers import allow_self_service
from tests.test_metadata import TOKEN, TTL, launch

PASSWORD, NEW_PASSWORD, WEAK_PASSWORD = "Corr3ct-Horse!", "B4ttery-Staple!", "weakling"
WRONG_SECRET = "wR0ng/Secret+Key0000000000000000000000000"


class Records(logging.Handler):
    """Every record of the server's loggers, formatted with its traceback."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


class Seen:
    """The secrets handed out, and everything the server said where a secret must not be."""

    def __init__(self) -> None:
        self.secrets: set[str] = {PASSWORD, NEW_PASSWORD, WEAK_PASSWORD, WRONG_SECRET}
        self.error_bodies: list[str] = []

    def record_errors(self, client: Any) -> Any:
        """Keep the raw body of every error answer `client` receives."""

        def after_call(http_response: Any, **kwargs: Any) -> None:
            if http_response.status_code >= 400:  # as UTF-8 whatever the header says, entities resolved
                self.error_bodies.append(html.unescape(http_response.content.decode("utf-8", "replace")))

        client.meta.events.register("after-call.*.*", after_call)
        return client

    def leaks(self, texts: list[str]) -> list[tuple[str, str]]:
        return [(secret, text) for text in texts for secret in self.secrets if secret in text]


@pytest.fixture
def captured() -> Iterator[Records]:
    handler = Records()
    loggers = [logging.getLogger(name) for name in ("ec2sim", "waitress")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    yield handler
    for logger, level in zip(loggers, levels, strict=True):
        logger.removeHandler(handler)
        logger.setLevel(level)


@pytest.fixture
def seen() -> Seen:
    return Seen()


@pytest.fixture
def connect(server: Server, seen: Seen) -> Callable[..., Any]:
    """``connect(service, key, secret, token)``: a client whose error bodies are kept."""

    def make(service: str, key: str, secret: str, token: str | None = None) -> Any:
        client = boto3.client(
            service,
            region_name="us-east-1",
            endpoint_url=server.api_url,
            aws_access_key_id=key,
            aws_secret_access_key=secret,
            aws_session_token=token,
            config=BotoConfig(retries={"max_attempts": 1}),
        )
        return seen.record_errors(client)

    return make


def _fails(call: Callable[..., Any], **kwargs: Any) -> str:
    """The error code of a call that must fail."""
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    return str(info.value.response["Error"]["Code"])


def _temporary(seen: Seen, credentials: dict[str, Any]) -> tuple[str, str, str]:
    seen.secrets |= {credentials["SecretAccessKey"], credentials["SessionToken"]}
    return credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"]


def _user_with_password(root_iam: Any, connect: Callable[..., Any], seen: Seen) -> Any:
    """alice, with an access key and a console password she changes herself; her IAM client."""
    root_iam.create_user(UserName="alice")
    key = root_iam.create_access_key(UserName="alice")["AccessKey"]
    seen.secrets.add(key["SecretAccessKey"])
    root_iam.create_login_profile(UserName="alice", Password=PASSWORD)
    allow_self_service(root_iam, "alice")
    alice = connect("iam", key["AccessKeyId"], key["SecretAccessKey"])
    assert _fails(alice.change_password, OldPassword=WEAK_PASSWORD, NewPassword=NEW_PASSWORD)
    assert _fails(alice.change_password, OldPassword=PASSWORD, NewPassword=WEAK_PASSWORD)
    alice.change_password(OldPassword=PASSWORD, NewPassword=NEW_PASSWORD)
    assert _fails(root_iam.update_login_profile, UserName="alice", Password=WEAK_PASSWORD)
    wrong = connect("iam", key["AccessKeyId"], WRONG_SECRET)
    assert _fails(wrong.get_user) == "SignatureDoesNotMatch"
    return key


def _sessions(
    root_iam: Any, key: dict[str, Any], connect: Callable[..., Any], seen: Seen, account: str
) -> None:
    """GetSessionToken and AssumeRole, each used, then misused (wrong token, wrong secret)."""
    sts = connect("sts", key["AccessKeyId"], key["SecretAccessKey"])
    session_key, session_secret, session_token = _temporary(seen, sts.get_session_token()["Credentials"])
    assert connect("sts", session_key, session_secret, session_token).get_caller_identity()
    assert _fails(connect("sts", session_key, session_secret, "bogus-token" * 4).get_caller_identity)
    assert _fails(connect("sts", session_key, WRONG_SECRET, session_token).get_caller_identity)
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": account}, "Action": "sts:AssumeRole"}],
    }
    role = root_iam.create_role(RoleName="deployer", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    root_iam.put_user_policy(
        UserName="alice",
        PolicyName="assume",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:*", "Resource": "*"}]}
        ),
    )
    assumed = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="deploy")["Credentials"]
    role_key, role_secret, role_token = _temporary(seen, assumed)
    assert connect("sts", role_key, role_secret, role_token).get_caller_identity()
    assert _fails(connect("ec2", role_key, WRONG_SECRET, role_token).describe_regions) == "AuthFailure"


def _instance_secrets(server: Server, root_ec2: Any, root_iam: Any, seen: Seen) -> None:
    """A key pair's private key, an IMDSv2 token and the instance role's credentials."""
    material = root_ec2.create_key_pair(KeyName="deploy")["KeyMaterial"]
    seen.secrets |= {material} | {line for line in material.splitlines() if len(line) >= 40}
    instance = launch(root_ec2, root_iam, KeyName="deploy")["InstanceId"]
    base = f"{server.imds_url}/{instance}/latest/"
    token = requests.put(base + "api/token", headers={TTL: "300"}).text
    seen.secrets.add(token)
    path = base + "meta-data/iam/security-credentials/app-role"
    credentials = requests.get(path, headers={TOKEN: token}).json()
    _temporary(seen, {**credentials, "SessionToken": credentials["Token"]})
    for bad in (token[:-2] + "AA", token + "x"):  # edited tokens are refused: their bodies must not echo them
        refused = requests.get(path, headers={TOKEN: bad})
        assert refused.status_code == 401
        seen.error_bodies.append(refused.text)


def test_no_secret_in_logs_or_error_messages(
    server: Server, captured: Records, seen: Seen, connect: Callable[..., Any], account_id: str
) -> None:
    root_iam = connect("iam", account_id, "secret")
    key = _user_with_password(root_iam, connect, seen)
    _sessions(root_iam, key, connect, seen, account_id)
    _instance_secrets(server, connect("ec2", account_id, "secret"), root_iam, seen)
    assert len(seen.error_bodies) >= 8 and captured.lines  # the scenario did fail where it meant to
    assert not seen.leaks(captured.lines)
    assert not seen.leaks(seen.error_bodies)


@pytest.mark.parametrize(
    "password", ["Pässwörd-€uro-1", "Aa1!" * 40], ids=["outside-the-pattern", "too-long"]
)
def test_refused_password_is_not_echoed(
    captured: Records, seen: Seen, connect: Callable[..., Any], account_id: str, password: str
) -> None:
    root_iam = connect("iam", account_id, "secret")
    root_iam.create_user(UserName="bob")
    seen.secrets.add(password)
    assert _fails(root_iam.create_login_profile, UserName="bob", Password=password) == "ValidationError"
    assert not seen.leaks(captured.lines)
    assert not seen.leaks(seen.error_bodies)
