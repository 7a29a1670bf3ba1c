"""The three enforcement modes mean the same for AssumeRole as for every action: ``on`` evaluates
every policy, ``audit`` logs what ``on`` would deny and lets it through, ``off`` evaluates no
identity-based policy; in every mode the role's trust policy must let the caller in."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest

from ec2sim.config import Config
from ec2sim.server import Server
from tests.helpers import aws_error

MODES = ("on", "audit", "off")


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, Server]]:
    with (
        Server(Config(port=0, imds_port=0, iam_enforcement="on")) as on,
        Server(Config(port=0, imds_port=0, iam_enforcement="audit")) as audit,
        Server(Config(port=0, imds_port=0, iam_enforcement="off")) as off,
    ):
        yield {"on": on, "audit": audit, "off": off}


Make = Callable[..., Any]


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make(servers: dict[str, Server], mode: str, account_id: str) -> Make:
    """``make("iam")``: the account root's client on the mode's server; ``make("sts", key)``: a key's."""

    def client(service: str, creds: dict[str, str] | None = None) -> Any:
        key, secret = (creds["AccessKeyId"], creds["SecretAccessKey"]) if creds else (account_id, "secret")
        return boto3.client(
            service,
            region_name="us-east-1",
            endpoint_url=servers[mode].api_url,
            aws_access_key_id=key,
            aws_secret_access_key=secret,
        )

    return client


def _trust(principal: dict[str, Any], actions: Any = "sts:AssumeRole") -> str:
    statement = {"Effect": "Allow", "Principal": principal, "Action": actions}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _user(iam: Any, name: str, policy: str | None = None) -> dict[str, str]:
    """A user (with `policy` inline, if given) and its key."""
    iam.create_user(UserName=name)
    if policy is not None:
        iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=policy)
    return dict(iam.create_access_key(UserName=name)["AccessKey"])


def _authz_log(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "ec2sim.authz"]


def _denied_message(account_id: str, user: str, action: str, role_arn: str) -> str:
    return (
        f"User: arn:aws:iam::{account_id}:user/{user} is not authorized to perform: {action} "
        f"on resource: {role_arn}"
    )


def test_trust_naming_the_account_needs_an_identity_policy_only_when_enforced(
    make: Make, mode: str, account_id: str, caplog: pytest.LogCaptureFixture
) -> None:
    iam = make("iam")
    arn = iam.create_role(RoleName="shared", AssumeRolePolicyDocument=_trust({"AWS": account_id}))["Role"][
        "Arn"
    ]
    sts = make("sts", _user(iam, "plain"))
    with caplog.at_level(logging.INFO, logger="ec2sim.authz"):
        if mode == "on":
            with aws_error("AccessDenied", 403) as error:
                sts.assume_role(RoleArn=arn, RoleSessionName="s1")
            assert error()["Message"] == _denied_message(account_id, "plain", "sts:AssumeRole", arn)
        else:
            creds = sts.assume_role(RoleArn=arn, RoleSessionName="s1")["Credentials"]
            assert creds["AccessKeyId"].startswith("ASIA")
    logged = _authz_log(caplog)
    if mode == "audit":
        assert any(
            "action=sts:AssumeRole" in m and f"resource={arn}" in m and "(audit: allowed)" in m
            for m in logged
        ), logged
    if mode == "off":
        assert logged == []


@pytest.mark.parametrize("trusted", ["another account", "a service"])
def test_trust_not_naming_the_caller_refuses_in_every_mode(
    make: Make, mode: str, account_id: str, trusted: str
) -> None:
    iam = make("iam")
    other = str(int(account_id) % (10**12 - 1) + 1).zfill(12)
    principal = {"AWS": other} if trusted == "another account" else {"Service": "ec2.amazonaws.com"}
    arn = iam.create_role(RoleName="closed", AssumeRolePolicyDocument=_trust(principal))["Role"]["Arn"]
    allowed = _policy({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"})
    sts = make("sts", _user(iam, "outsider", allowed))
    with aws_error("AccessDenied", 403) as error:
        sts.assume_role(RoleArn=arn, RoleSessionName="s1")
    assert error()["Message"] == _denied_message(account_id, "outsider", "sts:AssumeRole", arn)


def test_session_tags_need_tag_session_in_the_trust_policy_in_every_mode(
    make: Make, mode: str, account_id: str
) -> None:
    iam = make("iam")
    key = _user(iam, "tagger")
    user_arn = f"arn:aws:iam::{account_id}:user/tagger"
    arn = iam.create_role(RoleName="tagged", AssumeRolePolicyDocument=_trust({"AWS": user_arn}))["Role"][
        "Arn"
    ]
    sts = make("sts", key)
    tags = [{"Key": "team", "Value": "blue"}]
    with aws_error("AccessDenied", 403) as error:
        sts.assume_role(RoleArn=arn, RoleSessionName="s1", Tags=tags)
    assert error()["Message"] == _denied_message(account_id, "tagger", "sts:TagSession", arn)
    trust = _trust({"AWS": user_arn}, ["sts:AssumeRole", "sts:TagSession"])
    iam.update_assume_role_policy(RoleName="tagged", PolicyDocument=trust)
    assert sts.assume_role(RoleArn=arn, RoleSessionName="s1", Tags=tags)["Credentials"]


def test_what_no_policy_decides_stays_the_same_in_every_mode(make: Make, mode: str, account_id: str) -> None:
    """The root user may assume no role, a missing role is denied, and GetCallerIdentity and
    GetSessionToken need no permission even under an explicit deny of everything."""
    iam = make("iam")
    arn = iam.create_role(RoleName="any", AssumeRolePolicyDocument=_trust({"AWS": account_id}))["Role"]["Arn"]
    with aws_error("AccessDenied", 403, "Roles may not be assumed by root accounts."):
        make("sts").assume_role(RoleArn=arn, RoleSessionName="s1")
    denied = _user(iam, "denied", _policy({"Effect": "Deny", "Action": "*", "Resource": "*"}))
    sts = make("sts", denied)
    missing = f"arn:aws:iam::{account_id}:role/missing"
    with aws_error("AccessDenied", 403) as error:
        sts.assume_role(RoleArn=missing, RoleSessionName="s1")
    assert error()["Message"] == _denied_message(account_id, "denied", "sts:AssumeRole", missing)
    assert sts.get_caller_identity()["Arn"] == f"arn:aws:iam::{account_id}:user/denied"
    assert sts.get_session_token()["Credentials"]["AccessKeyId"].startswith("ASIA")


def test_an_explicit_deny_in_identity_policies_only_counts_when_enforced(
    make: Make, mode: str, account_id: str
) -> None:
    iam = make("iam")
    deny = _policy({"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*"})
    sts = make("sts", _user(iam, "blocked", deny))
    user_arn = f"arn:aws:iam::{account_id}:user/blocked"
    arn = iam.create_role(RoleName="direct", AssumeRolePolicyDocument=_trust({"AWS": user_arn}))["Role"][
        "Arn"
    ]
    if mode == "on":
        with aws_error("AccessDenied", 403):
            sts.assume_role(RoleArn=arn, RoleSessionName="s1")
    else:
        assert sts.assume_role(RoleArn=arn, RoleSessionName="s1")["Credentials"]
