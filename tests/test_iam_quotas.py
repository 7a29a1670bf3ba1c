"""IAM's per-account entity quotas (IAM and AWS STS quotas: default values), each met exactly at
its default: the account is filled to one below the quota in process (cheap), then boto3 creates
the last one allowed and is refused the next with IAM's LimitExceeded (409)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from ec2sim.api.iam.quotas import ACCOUNT_QUOTAS, Kind
from ec2sim.server import Server
from ec2sim.store.iam.account import IamAccount
from ec2sim.store.iam.user_credentials import ServerCertificate
from tests.credential_helpers import certificate, private_pem, rsa_key
from tests.helpers import aws_error

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)
DOCUMENT = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
)

# kind → (seed one in the store, create one through boto3)
SEED: dict[Kind, Callable[[IamAccount, Any, str], Any]] = {
    "user": lambda iam, now, n: iam.create_user(now, n, "/", f"AIDA{n.upper()}", {}, None),
    "group": lambda iam, now, n: iam.create_group(now, n, "/", f"AGPA{n.upper()}"),
    "role": lambda iam, now, n: iam.create_role(now, n, "/", f"AROA{n.upper()}", TRUST, None, 3600, {}, None),
    "instance-profile": lambda iam, now, n: iam.create_instance_profile(now, n, "/", f"AIPA{n.upper()}", {}),
    "policy": lambda iam, now, n: iam.create_policy(now, n, "/", f"ANPA{n.upper()}", None, DOCUMENT, {}),
}
CREATE: dict[Kind, Callable[[Any, str], Any]] = {
    "user": lambda c, n: c.create_user(UserName=n),
    "group": lambda c, n: c.create_group(GroupName=n),
    "role": lambda c, n: c.create_role(RoleName=n, AssumeRolePolicyDocument=TRUST),
    "instance-profile": lambda c, n: c.create_instance_profile(InstanceProfileName=n),
    "policy": lambda c, n: c.create_policy(PolicyName=n, PolicyDocument=DOCUMENT),
}


def _fill(server: Server, account_id: str, kind: Kind, count: int) -> None:
    """`count` entities of `kind` in the account, made directly in its IAM store."""
    store = server.store
    with store.lock:
        iam = store.account(account_id).iam
        now = store.clock.now()
        for i in range(count):
            SEED[kind](iam, now, f"seeded{i:05d}")


@pytest.mark.parametrize("kind", sorted(ACCOUNT_QUOTAS))
def test_account_quota(server: Server, account_id: str, iam: Any, kind: Kind) -> None:
    name, limit = ACCOUNT_QUOTAS[kind]
    _fill(server, account_id, kind, limit - 1)
    CREATE[kind](iam, "last")
    with aws_error("LimitExceeded", 409) as error:
        CREATE[kind](iam, "one-too-many")
    assert error()["Message"] == f"Cannot exceed quota for {name}: {limit}"
    assert (name, limit) == {
        "user": ("UsersPerAccount", 5000),
        "group": ("GroupsPerAccount", 300),
        "role": ("RolesPerAccount", 1000),
        "instance-profile": ("InstanceProfilesPerAccount", 1000),
        "policy": ("PoliciesPerAccount", 1500),
    }[kind]


def test_service_linked_roles_count_towards_the_roles_quota(
    server: Server, account_id: str, iam: Any
) -> None:
    _fill(server, account_id, "role", 1000)
    with aws_error("LimitExceeded", 409, "Cannot exceed quota for RolesPerAccount: 1000"):
        iam.create_service_linked_role(AWSServiceName="autoscaling.amazonaws.com")


# Per-user and per-account credential quotas not met elsewhere in the suite ------------------------


def test_mfa_devices_per_user(server: Server, account_id: str, iam: Any) -> None:
    iam.create_user(UserName="u")
    with server.store.lock:
        account = server.store.account(account_id).iam
        now = server.store.clock.now()
        for i in range(8):
            serial = f"arn:aws:iam::{account_id}:mfa/seeded{i}"
            account.create_virtual_mfa_device(now, serial, "JBSWY3DPEHPK3PXP", {})
            account.enable_mfa_device(now, "u", serial, 0)
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="ninth")["VirtualMFADevice"]["SerialNumber"]
    with aws_error("LimitExceeded", 409) as error:
        iam.enable_mfa_device(
            UserName="u", SerialNumber=serial, AuthenticationCode1="123456", AuthenticationCode2="654321"
        )
    assert error()["Message"] == "Cannot exceed quota for MFADevicesPerUser: 8"


def test_server_certificates_per_account(server: Server, account_id: str, iam: Any) -> None:
    key = rsa_key()
    (body, expiry), pem = certificate(key), private_pem(key)
    with server.store.lock:
        account = server.store.account(account_id).iam
        now = server.store.clock.now()
        for i in range(19):
            seeded = ServerCertificate(f"seeded{i}", "/", f"ASCASEEDED{i}", "", body, None, pem, now, expiry)
            account.upload_server_certificate(now, seeded)
    iam.upload_server_certificate(ServerCertificateName="last", CertificateBody=body, PrivateKey=pem)
    with aws_error("LimitExceeded", 409) as error:
        iam.upload_server_certificate(
            ServerCertificateName="one-too-many", CertificateBody=body, PrivateKey=pem
        )
    assert error()["Message"] == "Cannot exceed quota for ServerCertificatesPerAccount: 20"


def test_service_specific_credentials_per_service(iam: Any) -> None:
    iam.create_user(UserName="dev")
    for _ in range(2):
        iam.create_service_specific_credential(UserName="dev", ServiceName="codecommit.amazonaws.com")
    with aws_error("LimitExceeded", 409) as error:
        iam.create_service_specific_credential(UserName="dev", ServiceName="codecommit.amazonaws.com")
    assert error()["Message"] == "Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: 2"
