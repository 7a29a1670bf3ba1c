"""STS GetScopedCredentials: the caller's own session with fewer permissions (each scope-down policy
one more layer that must allow), a shorter lifetime, or both; the same identity throughout."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import boto3

from ec2sim.server import Server
from ec2sim.store import Store
from tests.helpers import aws_error
from tests.test_iam_journal import iam_state, private  # noqa: F401 - the fixture

SCOPE = "sts:GetScopedCredentials"


def _doc(*actions: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}],
        }
    )


def _client(endpoint: str, service: str, creds: dict[str, Any]) -> Any:
    return boto3.client(
        service,
        region_name="us-east-1",
        endpoint_url=endpoint,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds.get("SessionToken"),
    )


def _role_session(iam: Any, account_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A session of role ``app`` (ListUsers, ListRoles, GetScopedCredentials), assumed by a user
    (root may not assume roles)."""
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": account_id}, "Action": "sts:AssumeRole"}],
        }
    )
    role = iam.create_role(RoleName="app", AssumeRolePolicyDocument=trust)["Role"]
    iam.put_role_policy(
        RoleName="app", PolicyName="p", PolicyDocument=_doc("iam:ListUsers", "iam:ListRoles", SCOPE)
    )
    iam.create_user(UserName="assumer")
    iam.put_user_policy(UserName="assumer", PolicyName="p", PolicyDocument=_doc("sts:AssumeRole"))
    key = iam.create_access_key(UserName="assumer")["AccessKey"]
    sts = _client(iam.meta.endpoint_url, "sts", key)
    creds = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="s1", DurationSeconds=3600)["Credentials"]
    return role, creds


def test_scoped_role_session_keeps_its_identity_with_fewer_permissions(iam: Any, account_id: str) -> None:
    endpoint = iam.meta.endpoint_url
    role, session = _role_session(iam, account_id)
    arn = f"arn:aws:sts::{account_id}:assumed-role/app/s1"
    scoped = _client(endpoint, "sts", session).get_scoped_credentials(
        Policy=_doc("iam:ListUsers", SCOPE), DurationSeconds=600, ScopedSessionDescription="agent"
    )
    creds = scoped["Credentials"]
    assert scoped["SessionInfo"] == {"ScopedSessionId": f"{role['RoleId']}:s1", "Arn": arn}
    assert scoped["ScopedPoliciesCount"] == 1
    assert scoped["SessionTokenSize"] == len(creds["SessionToken"])
    assert 0 < scoped["SessionTokenUtilization"] <= 100
    assert creds["Expiration"] - session["Expiration"] < timedelta(seconds=-2999)
    assert _client(endpoint, "sts", creds).get_caller_identity()["Arn"] == arn
    narrowed = _client(endpoint, "iam", creds)
    narrowed.list_users()
    with aws_error("AccessDenied", 403, f"User: {arn} is not authorized to perform: iam:ListRoles"):
        narrowed.list_roles()
    _client(endpoint, "iam", session).list_roles()  # the calling session keeps its permissions

    # A second layer: each layer must allow (ListUsers is in the first only, ListRoles in the second only).
    second = _client(endpoint, "sts", creds).get_scoped_credentials(Policy=_doc("iam:ListRoles", SCOPE))
    assert second["ScopedPoliciesCount"] == 2
    assert second["Credentials"]["Expiration"] == creds["Expiration"]  # inherited, not extended
    both = _client(endpoint, "iam", second["Credentials"])
    for call, action in ((both.list_users, "iam:ListUsers"), (both.list_roles, "iam:ListRoles")):
        with aws_error("AccessDenied", 403, f"is not authorized to perform: {action}"):
            call()
    third = _client(endpoint, "sts", second["Credentials"]).get_scoped_credentials(Policy=_doc(SCOPE))
    assert third["ScopedPoliciesCount"] == 3
    with aws_error("ValidationError", 400, "at most 3 scope down policy layers"):
        _client(endpoint, "sts", third["Credentials"]).get_scoped_credentials(Policy=_doc(SCOPE))
    # Without a new Policy the layers carry on unchanged.
    shorter = _client(endpoint, "sts", third["Credentials"]).get_scoped_credentials(DurationSeconds=60)
    assert shorter["ScopedPoliciesCount"] == 3


def test_refusals(iam: Any, sts: Any, account_id: str) -> None:
    endpoint = iam.meta.endpoint_url
    _, session = _role_session(iam, account_id)
    client = _client(endpoint, "sts", session)
    with aws_error(
        "ValidationError", 400, "A request must provide at least one of Policy or DurationSeconds."
    ):
        client.get_scoped_credentials()
    with aws_error(
        "ValidationError", 400, "A request must provide at least one of Policy or DurationSeconds."
    ):
        client.get_scoped_credentials(ScopedSessionDescription="nothing else")
    with aws_error("MalformedPolicyDocument", 400):
        client.get_scoped_credentials(Policy="{nope")
    message = "The requested DurationSeconds exceeds the remaining lifetime of the calling session."
    with aws_error("InsufficientSessionLifetime", 400, message):
        client.get_scoped_credentials(DurationSeconds=3700)
    big = client.get_scoped_credentials(DurationSeconds=60, MinimumSessionTokenSize=4096)
    assert big["SessionTokenSize"] >= 4096 and big["SessionTokenUtilization"] == 100
    # Long-term credentials: the root user's and an IAM user's own keys.
    refused = "GetScopedCredentials can only be called with temporary security credentials."
    with aws_error("InvalidSubjectCredentials", 400, refused):
        sts.get_scoped_credentials(DurationSeconds=60)
    iam.create_user(UserName="alice")
    iam.put_user_policy(UserName="alice", PolicyName="p", PolicyDocument=_doc("ec2:DescribeVpcs", SCOPE))
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    with aws_error("InvalidSubjectCredentials", 400, refused):
        _client(endpoint, "sts", key).get_scoped_credentials(DurationSeconds=60)
    # An IAM user's session (GetSessionToken) may be scoped: alice's identity, her user id.
    user_session = _client(endpoint, "sts", key).get_session_token(DurationSeconds=900)["Credentials"]
    scoped = _client(endpoint, "sts", user_session).get_scoped_credentials(Policy=_doc("iam:GetUser"))
    user = iam.get_user(UserName="alice")["User"]
    assert scoped["SessionInfo"] == {"ScopedSessionId": user["UserId"], "Arn": user["Arn"]}
    assert _client(endpoint, "sts", scoped["Credentials"]).get_caller_identity()["Arn"] == user["Arn"]
    _client(endpoint, "ec2", user_session).describe_vpcs()
    with aws_error("UnauthorizedOperation", 403):  # alice's session may; its scoped copy may not
        _client(endpoint, "ec2", scoped["Credentials"]).describe_vpcs()


def test_scoped_credentials_replay_from_the_journal(private: Server) -> None:  # noqa: F811
    account = "210987654321"
    iam = boto3.client(
        "iam",
        region_name="us-east-1",
        endpoint_url=private.api_url,
        aws_access_key_id=account,
        aws_secret_access_key="secret",
    )
    _, session = _role_session(iam, account)
    _client(private.api_url, "sts", session).get_scoped_credentials(Policy=_doc("iam:ListUsers"))
    with private.store.lock:
        journal, state = list(private.store.journal), iam_state(private.store)
    scoped = [c for c in journal if type(c).__name__ == "IssueCredential" and c.scope_policies]  # type: ignore[attr-defined]
    assert len(scoped) == 1
    replayed = Store()
    replayed.iam.replay(journal)
    assert iam_state(replayed) == state
