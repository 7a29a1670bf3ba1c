"""``ec2sim explain REQUEST_ID``, run as a command against the test server: the deciding statement
of an explicit deny, a boundary denial and a missing trust, and an unknown request's error."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from ec2sim.server import Server
from tests.test_decisions import ALL, DESCRIBE, NO_TERMINATE, _policy, client_for, make_user, user_client

ROOT = Path(__file__).resolve().parent.parent


def explain(server: Server, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("AWS_ENDPOINT_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "ec2sim", "explain", *args, "--endpoint", server.api_url],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )


def request_id(call: Any, **kwargs: Any) -> str:
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    found: str = raised.value.response["ResponseMetadata"]["RequestId"]
    return found


def test_explain_prints_the_deciding_statements(server: Server, iam: Any, account_id: str) -> None:
    key = make_user(iam, _policy(ALL, NO_TERMINATE))
    denied = request_id(
        client_for(server, "ec2", key).terminate_instances, InstanceIds=["i-0123456789abcdef0"]
    )
    trust = _policy(
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
    )
    role = iam.create_role(RoleName="target", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    untrusted = request_id(client_for(server, "sts", key).assume_role, RoleArn=role, RoleSessionName="try")

    shown = explain(server, denied)
    assert shown.returncode == 0, shown.stderr
    text = shown.stdout
    instance = f"arn:aws:ec2:us-east-1:{account_id}:instance/i-0123456789abcdef0"
    assert f"Request {denied} at " in text
    assert f"caller:   arn:aws:iam::{account_id}:user/app (user, account {account_id})" in text
    assert "call:     ec2:TerminateInstances in us-east-1 -> 403 UnauthorizedOperation" in text
    assert f"Check 1 of 1: ec2:TerminateInstances on {instance}: EXPLICIT DENY" in text
    assert 'identity-based policy app-policy (user), Sid "NoTerminate" (statement 1), Deny' in text
    assert '"Action": "ec2:TerminateInstances",' in text

    shown = explain(server, untrusted)
    assert shown.returncode == 0, shown.stderr
    assert f"sts:AssumeRole on {role}: IMPLICIT DENY" in shown.stdout
    assert f"the trust policy of {role} has no statement allowing" in shown.stdout
    assert "the role's trust policy:" in shown.stdout and '"Service": "ec2.amazonaws.com"' in shown.stdout

    as_json = explain(server, untrusted, "--json")
    assert json.loads(as_json.stdout)["checks"][0]["decision"] == "implicitDeny"


def test_explain_boundary_denial_and_unknown_request(server: Server, iam: Any, account_id: str) -> None:
    boundary = iam.create_policy(PolicyName="bound", PolicyDocument=_policy(DESCRIBE))["Policy"]["Arn"]
    ec2 = user_client(server, iam, "ec2", _policy(ALL), boundary)
    denied = request_id(ec2.create_vpc, CidrBlock="10.0.0.0/16")
    shown = explain(server, denied)
    assert shown.returncode == 0, shown.stderr
    vpcs = f"arn:aws:ec2:us-east-1:{account_id}:vpc/*"
    assert f"no statement of the permissions boundary allowed ec2:CreateVpc on {vpcs}" in shown.stdout
    assert "allowed only by (every policy that applies must allow):" in shown.stdout
    assert 'identity-based policy app-policy (user), Sid "Everything" (statement 0), Allow' in shown.stdout

    unknown = explain(server, "no-such-request")
    assert unknown.returncode == 1
    assert unknown.stderr == "ec2sim: no decision recorded for request 'no-such-request'\n"
