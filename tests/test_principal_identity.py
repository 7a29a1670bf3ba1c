"""Credentials belong to their user's or role's unique id, not its name: once the user or role is
deleted they are refused, and a new user or role of the same name does not revive them."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from ec2sim.server import Server
from tests.helpers import aws_error
from tests.test_metadata import OPTIONAL, Imds, launch, make_role

INVALID = "The security token included in the request is invalid."
READ = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["ec2:Describe*", "iam:List*"], "Resource": "*"}],
    }
)


def _client(server: Server, service: str, creds: dict[str, str]) -> Any:
    return boto3.client(
        service,
        region_name="us-east-1",
        endpoint_url=server.api_url,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds.get("SessionToken") or creds.get("Token"),
    )


def _refused(server: Server, creds: dict[str, str], iam_too: bool = True) -> None:
    """Refused as an unknown token: STS and IAM say InvalidClientTokenId, EC2 AuthFailure."""
    with aws_error("InvalidClientTokenId", 403, INVALID):
        _client(server, "sts", creds).get_caller_identity()
    if iam_too:
        with aws_error("InvalidClientTokenId", 403, INVALID):
            _client(server, "iam", creds).list_users()
    with aws_error("AuthFailure", 401):
        _client(server, "ec2", creds).describe_vpcs()


def _works(server: Server, creds: dict[str, str], iam_too: bool = True) -> str:
    """The caller's ARN, after an IAM and an EC2 call its policies allow."""
    if iam_too:
        _client(server, "iam", creds).list_users()
    _client(server, "ec2", creds).describe_vpcs()
    return str(_client(server, "sts", creds).get_caller_identity()["Arn"])


def _create_user(iam: Any, name: str) -> dict[str, str]:
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="read", PolicyDocument=READ)
    return dict(iam.create_access_key(UserName=name)["AccessKey"])


def _delete_user(iam: Any, name: str, key_id: str) -> None:
    iam.delete_access_key(UserName=name, AccessKeyId=key_id)
    iam.delete_user_policy(UserName=name, PolicyName="read")
    iam.delete_user(UserName=name)


def test_a_users_session_dies_with_the_user_and_stays_dead(server: Server, iam: Any) -> None:
    key = _create_user(iam, "bob")
    session = _client(server, "sts", key).get_session_token()["Credentials"]
    # GetSessionToken credentials without MFA can't call IAM at all; STS and EC2 show the user.
    assert _works(server, session, iam_too=False).endswith(":user/bob")
    _delete_user(iam, "bob", key["AccessKeyId"])
    _refused(server, session, iam_too=False)
    new_key = _create_user(iam, "bob")
    _refused(server, session, iam_too=False)
    _refused(server, key, iam_too=False)
    assert _works(server, new_key).endswith(":user/bob")


def test_a_long_term_key_belongs_to_its_user_not_its_name(server: Server, iam: Any, account_id: str) -> None:
    """Even a key the store still knows (here its user is dropped without DeleteAccessKey, as IAM
    itself never allows) is not inherited by a new user of the same name."""
    key = _create_user(iam, "kim")
    _works(server, key)
    with server.store.lock:
        server.store.account(account_id).iam.users.remove("kim")
    _create_user(iam, "kim")
    _refused(server, key)


def _trusting_role(iam: Any, account_id: str, name: str) -> str:
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": account_id}, "Action": "sts:AssumeRole"}],
    }
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName="read", PolicyDocument=READ)
    return str(arn)


def test_an_assumed_role_session_dies_with_the_role_and_stays_dead(
    server: Server, iam: Any, account_id: str
) -> None:
    caller = _client(server, "sts", _create_user(iam, "assumer"))
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
    arn = _trusting_role(iam, account_id, "deployer")
    creds = caller.assume_role(RoleArn=arn, RoleSessionName="s1")["Credentials"]
    assert _works(server, creds).endswith(":assumed-role/deployer/s1")
    iam.delete_role_policy(RoleName="deployer", PolicyName="read")
    iam.delete_role(RoleName="deployer")
    _refused(server, creds)
    _trusting_role(iam, account_id, "deployer")
    iam.attach_role_policy(RoleName="deployer", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    _refused(server, creds)
    fresh = caller.assume_role(RoleArn=arn, RoleSessionName="s1")["Credentials"]
    assert _works(server, fresh).endswith(":assumed-role/deployer/s1")


@pytest.fixture
def imds(server: Server) -> Callable[[str], Imds]:
    return lambda instance_id: Imds(f"{server.imds_url}/{instance_id}/")


def _instance_credentials(md: Imds) -> dict[str, str]:
    return dict(json.loads(md.text("latest/meta-data/iam/security-credentials/app-role")))


def test_instance_role_credentials_die_with_the_role_and_stay_dead(
    server: Server, ec2: Any, iam: Any, imds: Callable[[str], Imds]
) -> None:
    md = imds(launch(ec2, iam, **OPTIONAL)["InstanceId"])
    iam.put_role_policy(RoleName="app-role", PolicyName="read", PolicyDocument=READ)
    old = _instance_credentials(md)
    _works(server, old)
    iam.remove_role_from_instance_profile(InstanceProfileName="app-role", RoleName="app-role")
    iam.delete_role_policy(RoleName="app-role", PolicyName="read")
    iam.delete_role(RoleName="app-role")
    _refused(server, old)
    iam.delete_instance_profile(InstanceProfileName="app-role")
    make_role(iam)  # the same role and profile names again
    iam.put_role_policy(RoleName="app-role", PolicyName="read", PolicyDocument=READ)
    _refused(server, old)
    new = _instance_credentials(md)
    assert new["AccessKeyId"] != old["AccessKeyId"]
    _works(server, new)


def test_instance_identity_credentials_are_no_iam_roles_and_still_authenticate(
    server: Server, ec2: Any, imds: Callable[[str], Imds], account_id: str
) -> None:
    instance_id = launch(ec2, **OPTIONAL)["InstanceId"]
    path = "latest/meta-data/identity-credentials/ec2/security-credentials/ec2-instance"
    creds = json.loads(imds(instance_id).text(path))
    identity = _client(server, "sts", creds).get_caller_identity()
    assert identity["Arn"] == f"arn:aws:sts::{account_id}:assumed-role/aws:ec2-instance/{instance_id}"
