"""``GET /_ec2sim/decisions``: why each request was allowed or denied, with the deciding statements,
for an explicit deny, a permissions boundary denial, a missing trust, an implicit deny and an
allowed call under a boundary and a session policy; the services' own denial messages unchanged."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
import requests
from botocore.exceptions import ClientError

from ec2sim.config import Config
from ec2sim.server import Server
from tests.helpers import key_client
from tests.oidc_helpers import github_setup, github_token, unsigned_sts
from tests.saml_helpers import federated_role
from tests.saml_helpers import mint as saml_mint
from tests.test_saml import unsigned_sts as saml_sts
from tests.test_sts_scoped import SCOPE, _client, _doc, _role_session

Json = dict[str, Any]


def _policy(*statements: Json) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


ALL = {"Sid": "Everything", "Effect": "Allow", "Action": ["ec2:*", "sts:AssumeRole"], "Resource": "*"}
NO_TERMINATE = {"Sid": "NoTerminate", "Effect": "Deny", "Action": "ec2:TerminateInstances", "Resource": "*"}
DESCRIBE = {"Sid": "OnlyDescribe", "Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}


def decisions(server: Server, **params: str) -> requests.Response:
    return requests.get(f"{server.api_url}/_ec2sim/decisions", params=params, timeout=10)


def trace_of(server: Server, response: Json) -> Json:
    found = decisions(server, request_id=response["ResponseMetadata"]["RequestId"])
    assert found.status_code == 200, found.text
    trace: Json = found.json()
    return trace


def denied(server: Server, call: Any, **kwargs: Any) -> tuple[Json, Json]:
    """The error AWS's client saw, and the request's trace."""
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    return raised.value.response["Error"], trace_of(server, raised.value.response)


def make_user(iam: Any, policy: str, boundary: str | None = None) -> Json:
    """The user "app" with that inline policy (and boundary): its access key."""
    if boundary is None:
        iam.create_user(UserName="app")
    else:
        iam.create_user(UserName="app", PermissionsBoundary=boundary)
    iam.put_user_policy(UserName="app", PolicyName="app-policy", PolicyDocument=policy)
    key: Json = iam.create_access_key(UserName="app")["AccessKey"]
    return key


def client_for(server: Server, service: str, key: Json) -> Any:
    return key_client(server.api_url, service, key)


def user_client(server: Server, iam: Any, service: str, policy: str, boundary: str | None = None) -> Any:
    return client_for(server, service, make_user(iam, policy, boundary))


def test_explicit_deny_names_the_deny_statement(server: Server, iam: Any, account_id: str) -> None:
    ec2 = user_client(server, iam, "ec2", _policy(ALL, NO_TERMINATE))
    error, trace = denied(server, ec2.terminate_instances, InstanceIds=["i-0123456789abcdef0"])
    # EC2's own message, its encoded authorization message included, as before
    assert error["Code"] == "UnauthorizedOperation"
    assert (
        "with an explicit deny in an identity-based policy. Encoded authorization failure message: "
        in (error["Message"])
    )
    app = f"arn:aws:iam::{account_id}:user/app"
    assert (trace["principal"], trace["service"], trace["action"]) == (app, "ec2", "TerminateInstances")
    assert (trace["decision"], trace["status"], trace["error_code"]) == ("deny", 403, "UnauthorizedOperation")
    assert trace["caller"]["type"] == "user" and trace["error_message"] == error["Message"]
    (check,) = trace["checks"]
    instance = f"arn:aws:ec2:us-east-1:{account_id}:instance/i-0123456789abcdef0"
    assert (check["action"], check["resource"], check["decision"]) == (
        "ec2:TerminateInstances",
        instance,
        "explicitDeny",
    )
    assert check["why"] == (
        f"explicitly denied ec2:TerminateInstances on {instance} by a Deny statement in an identity-based policy"
    )
    (statement,) = check["statements"]
    assert statement == {
        "policy_kind": "identity-based policy",
        "policy_type": "user",
        "policy": "app-policy",
        "index": 1,
        "sid": "NoTerminate",
        "effect": "Deny",
        "statement": NO_TERMINATE,
    }
    # the policy changed since: the reference stays, the text (no longer what decided) goes
    iam.put_user_policy(UserName="app", PolicyName="app-policy", PolicyDocument=_policy(ALL))
    (statement,) = trace_of(server, {"ResponseMetadata": {"RequestId": trace["request_id"]}})["checks"][0][
        "statements"
    ]
    assert statement["sid"] == "NoTerminate" and "statement" not in statement


def test_boundary_denial_shows_what_the_identity_policy_allowed(
    server: Server, iam: Any, account_id: str
) -> None:
    boundary = iam.create_policy(PolicyName="describe-only", PolicyDocument=_policy(DESCRIBE))["Policy"][
        "Arn"
    ]
    ec2 = user_client(server, iam, "ec2", _policy(ALL), boundary)
    error, trace = denied(server, ec2.create_vpc, CidrBlock="10.0.0.0/16")
    assert "because no permissions boundary allows the ec2:CreateVpc action" in error["Message"]
    (check,) = trace["checks"]
    vpcs = f"arn:aws:ec2:us-east-1:{account_id}:vpc/*"
    assert (check["decision"], check["policy_kind"], check["statements"]) == (
        "implicitDeny",
        "permissions boundary",
        [],
    )
    assert check["why"] == f"no statement of the permissions boundary allowed ec2:CreateVpc on {vpcs}"
    (allowed,) = check["partial_allows"]
    assert (allowed["policy_kind"], allowed["policy"], allowed["sid"], allowed["statement"]) == (
        "identity-based policy",
        "app-policy",
        "Everything",
        ALL,
    )


def test_implicit_deny_names_action_and_resource(server: Server, iam: Any, account_id: str) -> None:
    ec2 = user_client(server, iam, "ec2", _policy(DESCRIBE))
    error, trace = denied(
        server, ec2.run_instances, ImageId="ami-12345678", MinCount=1, MaxCount=1, InstanceType="t3.micro"
    )
    assert error["Code"] == "UnauthorizedOperation"
    first = trace["checks"][0]
    assert (first["action"], first["decision"], first["reason"]) == (
        "ec2:RunInstances",
        "implicitDeny",
        "no identity-based policy allows",
    )
    assert first["why"] == f"no statement allowed ec2:RunInstances on {first['resource']}"
    assert (first["statements"], first["partial_allows"]) == ([], [])
    later = trace["checks"][1:]  # not evaluated once one was denied
    assert later and {c["decision"] for c in later} == {"notEvaluated"}


def test_missing_trust_shows_the_trust_policy(server: Server, iam: Any, account_id: str) -> None:
    trust = _policy(
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
    )
    role = iam.create_role(RoleName="target", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    sts = user_client(server, iam, "sts", _policy(ALL))
    error, trace = denied(server, sts.assume_role, RoleArn=role, RoleSessionName="try")
    app = f"arn:aws:iam::{account_id}:user/app"
    # IAM's wording: no reason for a trust policy's denial
    assert error["Message"] == f"User: {app} is not authorized to perform: sts:AssumeRole on resource: {role}"
    (check,) = trace["checks"]
    assert (check["decision"], check["policy_kind"], check["resource_policy"]) == (
        "implicitDeny",
        "resource-based policy",
        True,
    )
    assert check["why"] == f"the trust policy of {role} has no statement allowing {app} sts:AssumeRole"
    assert check["trust_policy"] == json.loads(trust)
    assert [s["sid"] for s in check["partial_allows"]] == ["Everything"]


def test_allowed_call_under_boundary_and_session_policy(server: Server, iam: Any, account_id: str) -> None:
    boundary = iam.create_policy(PolicyName="bound", PolicyDocument=_policy(DESCRIBE))["Policy"]["Arn"]
    trust = _policy({"Effect": "Allow", "Principal": {"AWS": account_id}, "Action": "sts:AssumeRole"})
    role = iam.create_role(RoleName="worker", AssumeRolePolicyDocument=trust, PermissionsBoundary=boundary)
    iam.put_role_policy(RoleName="worker", PolicyName="worker-policy", PolicyDocument=_policy(ALL))
    session_policy = {"Sid": "SessionVpcs", "Effect": "Allow", "Action": "ec2:DescribeVpcs", "Resource": "*"}
    sts = user_client(server, iam, "sts", _policy(ALL))
    assumed = sts.assume_role(
        RoleArn=role["Role"]["Arn"], RoleSessionName="job", Policy=_policy(session_policy)
    )
    (assume,) = trace_of(server, assumed)["checks"]
    assert assume["decision"] == "allowed"
    assert [(s["policy_kind"], s["policy"]) for s in assume["statements"]] == [
        ("identity-based policy", "app-policy"),
        ("resource-based policy", "trust-policy"),
    ]
    assert assume["statements"][1]["statement"]["Principal"] == {"AWS": account_id}
    credentials = assumed["Credentials"]
    ec2 = boto3.client(
        "ec2",
        region_name="us-east-1",
        endpoint_url=server.api_url,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    trace = trace_of(server, ec2.describe_vpcs())
    assert trace["caller"]["type"] == "assumed-role"
    (check,) = trace["checks"]
    assert check["decision"] == "allowed"
    assert check["why"] == (
        "allowed ec2:DescribeVpcs on *: Allow statements in the identity-based policy and the "
        "permissions boundary and the session policy"
    )
    assert [
        (s["policy_kind"], s["policy_type"], s["policy"], s["statement"]) for s in check["statements"]
    ] == [
        ("identity-based policy", "role", "worker-policy", ALL),
        ("permissions boundary", "user-managed", boundary, DESCRIBE),
        ("session policy", "none", "session-policy", session_policy),
    ]
    # the session policy denies what it doesn't allow
    _, refused = denied(server, ec2.describe_subnets)
    assert refused["checks"][0]["policy_kind"] == "session policy"
    assert (
        refused["checks"][0]["why"] == "no statement of the session policies allowed ec2:DescribeSubnets on *"
    )


def test_web_identity_trust_decision_is_traced(server: Server, iam: Any, account_id: str) -> None:
    _, role = github_setup(iam, account_id)
    sts = unsigned_sts(server)
    _, trace = denied(
        server,
        sts.assume_role_with_web_identity,
        RoleArn=role,
        RoleSessionName="ci",
        WebIdentityToken=github_token(server, sub="repo:other/repo:ref:refs/heads/main"),
    )
    (check,) = trace["checks"]
    assert (check["action"], check["resource"], check["decision"]) == (
        "sts:AssumeRoleWithWebIdentity",
        role,
        "implicitDeny",
    )
    assert "trust_policy" in check and trace["caller"]["type"] == "anonymous"
    allowed = sts.assume_role_with_web_identity(
        RoleArn=role, RoleSessionName="ci", WebIdentityToken=github_token(server)
    )
    (check,) = trace_of(server, allowed)["checks"]
    assert check["decision"] == "allowed"
    (statement,) = check["statements"]
    assert (statement["policy"], statement["statement"]["Action"]) == (
        "trust-policy",
        "sts:AssumeRoleWithWebIdentity",
    )


def test_errors_and_recent_decisions(server: Server, iam: Any, account_id: str) -> None:
    missing = decisions(server)
    assert missing.status_code == 400 and "request_id" in missing.json()["error"]
    unknown = decisions(server, request_id="no-such-request")
    assert unknown.status_code == 404 and unknown.headers["Content-Type"] == "application/json"
    assert unknown.json() == {"error": "no decision recorded for request 'no-such-request'"}
    assert decisions(server, request_id="").status_code == 404
    for bad in ({"decision": "maybe"}, {"limit": "0"}, {"limit": "ten"}, {"limit": "-3"}):
        assert decisions(server, **bad).status_code == 400, bad
    post = requests.post(f"{server.api_url}/_ec2sim/decisions", timeout=10)
    assert post.status_code == 405

    ec2 = user_client(server, iam, "ec2", _policy(DESCRIBE))
    ec2.describe_vpcs()
    with pytest.raises(ClientError):
        ec2.create_vpc(CidrBlock="10.0.0.0/16")
    app = f"arn:aws:iam::{account_id}:user/app"
    mine = decisions(server, principal=app).json()["decisions"]
    assert [(d["action"], d["decision"]) for d in mine] == [("CreateVpc", "deny"), ("DescribeVpcs", "allow")]
    denials = decisions(server, principal=app, decision="deny", limit="5000").json()["decisions"]
    assert [d["action"] for d in denials] == ["CreateVpc"]
    assert len(decisions(server, limit="1").json()["decisions"]) == 1


@pytest.mark.parametrize(
    ("mode", "why"),
    [
        (
            "audit",
            "no statement allowed ec2:CreateVpc on arn:aws:ec2:us-east-1:{account}:vpc/* (audit: not enforced)",
        ),
        (
            "off",
            "not evaluated: identity-based policies are not enforced (--iam-enforcement off, or an unsigned call)",
        ),
    ],
)
def test_enforcement_modes_say_what_was_not_enforced(mode: str, why: str) -> None:
    account = "310987654321"
    with Server(Config(port=0, imds_port=0, iam_enforcement=mode)) as running:
        iam = boto3.client(
            "iam",
            region_name="us-east-1",
            endpoint_url=running.api_url,
            aws_access_key_id=account,
            aws_secret_access_key="secret",
        )
        ec2 = user_client(running, iam, "ec2", _policy(DESCRIBE))
        trace = trace_of(running, ec2.create_vpc(CidrBlock="10.0.0.0/16"))
        assert trace["decision"] == "allow"
        (check,) = trace["checks"]
        assert check["why"] == why.format(account=account)


def test_every_scope_down_layer_that_allowed_is_shown(server: Server, iam: Any, account_id: str) -> None:
    _, session = _role_session(iam, account_id)
    layers = [
        {"Sid": "First", "Effect": "Allow", "Action": ["iam:ListUsers", SCOPE], "Resource": "*"},
        {"Sid": "Second", "Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"},
    ]
    credentials = session
    for layer in layers:
        sts = _client(server.api_url, "sts", credentials)
        credentials = sts.get_scoped_credentials(Policy=_policy(layer))["Credentials"]
    (check,) = trace_of(server, _client(server.api_url, "iam", credentials).list_users())["checks"]
    assert [(s["policy_kind"], s["policy"], s.get("statement")) for s in check["statements"]] == [
        (
            "identity-based policy",
            "p",
            json.loads(_doc("iam:ListUsers", "iam:ListRoles", SCOPE))["Statement"][0],
        ),
        ("session policy", "scope-policy", layers[0]),
        ("session policy", "scope-policy", layers[1]),
    ]


def test_saml_trust_decision_is_traced(iam: Any, server: Server) -> None:
    url = iam.meta.endpoint_url
    role, provider = federated_role(iam, condition={"StringEquals": {"saml:sub": "alice"}})
    sts = saml_sts(url)
    _, trace = denied(
        server,
        sts.assume_role_with_saml,
        RoleArn=role,
        PrincipalArn=provider,
        SAMLAssertion=saml_mint(url, roles=[[role, provider]], subject="bob"),
    )
    (check,) = trace["checks"]
    assert (check["action"], check["decision"], check["context"]["saml:sub"]) == (
        "sts:AssumeRoleWithSAML",
        "implicitDeny",
        "bob",
    )
    assert check["trust_policy"]["Statement"][0]["Condition"]["StringEquals"]["saml:sub"] == "alice"
