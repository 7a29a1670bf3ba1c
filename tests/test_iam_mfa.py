"""Virtual MFA devices, and MFA in STS sessions (GetSessionToken, AssumeRole) end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pyotp
import pytest

from tests.credential_helpers import current_code, emulated_now, enabled_device, pair, seed_of
from tests.helpers import aws_error

PNG = b"\x89PNG\r\n\x1a\n"
MFA_GUARDED = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "ec2:DescribeRegions",
                "Resource": "*",
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
            }
        ],
    }
)


def _wrong(iam: Any, seed: str) -> str:
    """A code no step near now gives."""
    now, totp = emulated_now(iam), pyotp.TOTP(seed)
    near = {totp.at(now.timestamp() + 30 * k) for k in range(-3, 4)}
    return next(c for c in (f"{n:06d}" for n in range(1000000)) if c not in near)


def _user_with_key(iam: Any, name: str = "alice") -> tuple[str, str]:
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def test_create_virtual_mfa_device(iam: Any, account_id: str) -> None:
    device = iam.create_virtual_mfa_device(
        Path="/team/", VirtualMFADeviceName="phone", Tags=[{"Key": "k", "Value": "v"}]
    )["VirtualMFADevice"]
    assert device["SerialNumber"] == f"arn:aws:iam::{account_id}:mfa/team/phone"
    seed = seed_of(device)
    assert len(seed) == 64 and set(seed) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    assert device["QRCodePNG"].startswith(PNG)
    assert device["Tags"] == [{"Key": "k", "Value": "v"}]
    with aws_error("EntityAlreadyExists", 409, "MFADevice entity at the same path and name already exists."):
        iam.create_virtual_mfa_device(Path="/team/", VirtualMFADeviceName="PHONE")
    listed = iam.list_virtual_mfa_devices()["VirtualMFADevices"]
    assert [d["SerialNumber"] for d in listed] == [device["SerialNumber"]]
    assert "Base32StringSeed" not in listed[0] and "User" not in listed[0]


def test_enable_with_two_consecutive_codes(iam: Any, account_id: str) -> None:
    iam.create_user(UserName="bob")
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="bob")["VirtualMFADevice"]
    serial, seed = device["SerialNumber"], seed_of(device)
    now = emulated_now(iam)
    same = pyotp.TOTP(seed).at(now)
    with aws_error("InvalidAuthenticationCode", 403, "Authentication code for device is not valid."):
        iam.enable_mfa_device(
            UserName="bob", SerialNumber=serial, AuthenticationCode1=same, AuthenticationCode2=same
        )
    with aws_error("NoSuchEntity", 404):
        iam.enable_mfa_device(
            UserName="bob",
            SerialNumber=serial + "x",
            AuthenticationCode1="123456",
            AuthenticationCode2="654321",
        )
    first, second = pair(iam, seed)
    iam.enable_mfa_device(
        UserName="bob", SerialNumber=serial, AuthenticationCode1=first, AuthenticationCode2=second
    )
    devices = iam.list_mfa_devices(UserName="bob")["MFADevices"]
    assert [(d["UserName"], d["SerialNumber"]) for d in devices] == [("bob", serial)]
    got = iam.get_mfa_device(UserName="bob", SerialNumber=serial)
    assert got["SerialNumber"] == serial and got["UserName"] == "bob" and got["EnableDate"]
    with aws_error("EntityAlreadyExists", 409):
        iam.enable_mfa_device(
            UserName="bob", SerialNumber=serial, AuthenticationCode1=first, AuthenticationCode2=second
        )
    assigned = iam.list_virtual_mfa_devices(AssignmentStatus="Assigned")["VirtualMFADevices"]
    assert assigned[0]["User"]["UserName"] == "bob" and assigned[0]["EnableDate"]
    assert iam.list_virtual_mfa_devices(AssignmentStatus="Unassigned")["VirtualMFADevices"] == []
    summary = iam.get_account_summary()["SummaryMap"]
    assert (summary["MFADevices"], summary["MFADevicesInUse"]) == (1, 1)
    # A user holding a device can't be deleted, nor the device while it is enabled.
    with aws_error("DeleteConflict", 409, "Cannot delete entity, must delete MFA device first."):
        iam.delete_user(UserName="bob")
    with aws_error("DeleteConflict", 409):
        iam.delete_virtual_mfa_device(SerialNumber=serial)
    iam.deactivate_mfa_device(UserName="bob", SerialNumber=serial)
    assert iam.list_mfa_devices(UserName="bob")["MFADevices"] == []
    with aws_error("NoSuchEntity", 404):
        iam.deactivate_mfa_device(UserName="bob", SerialNumber=serial)
    iam.delete_virtual_mfa_device(SerialNumber=serial)
    with aws_error("NoSuchEntity", 404, f"VirtualMFADevice with serial number {serial} doesn't exist."):
        iam.delete_virtual_mfa_device(SerialNumber=serial)
    iam.delete_user(UserName="bob")


def test_resync_learns_the_drift(iam: Any, server: Any) -> None:
    iam.create_user(UserName="carol")
    serial, seed = enabled_device(iam, "carol")
    ahead = emulated_now(iam).timestamp() + 4 * 30  # the device's clock runs two minutes fast
    totp = pyotp.TOTP(seed)
    first, second = totp.at(ahead - 30), totp.at(ahead)
    with aws_error("InvalidAuthenticationCode", 403):
        iam.resync_mfa_device(
            UserName="carol", SerialNumber=serial, AuthenticationCode1=second, AuthenticationCode2=first
        )
    iam.resync_mfa_device(
        UserName="carol", SerialNumber=serial, AuthenticationCode1=first, AuthenticationCode2=second
    )
    device = server.store.account(iam.get_user(UserName="carol")["User"]["Arn"].split(":")[4]).iam
    assert device.user_credentials.mfa_devices[serial].drift in (4, 5)


def test_mfa_device_tags_and_paging(iam: Any) -> None:
    serials = [
        iam.create_virtual_mfa_device(VirtualMFADeviceName=f"d{i}")["VirtualMFADevice"]["SerialNumber"]
        for i in range(3)
    ]
    iam.tag_mfa_device(SerialNumber=serials[0], Tags=[{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "1"}])
    assert iam.list_mfa_device_tags(SerialNumber=serials[0])["Tags"] == [
        {"Key": "a", "Value": "1"},
        {"Key": "b", "Value": "2"},
    ]
    iam.untag_mfa_device(SerialNumber=serials[0], TagKeys=["a"])
    assert iam.list_mfa_device_tags(SerialNumber=serials[0])["Tags"] == [{"Key": "b", "Value": "2"}]
    with aws_error("NoSuchEntity", 404):
        iam.tag_mfa_device(SerialNumber=serials[0] + "zz", Tags=[{"Key": "a", "Value": "1"}])
    first = iam.list_virtual_mfa_devices(MaxItems=2)
    assert first["IsTruncated"] and len(first["VirtualMFADevices"]) == 2
    rest = iam.list_virtual_mfa_devices(MaxItems=2, Marker=first["Marker"])
    assert not rest["IsTruncated"]
    assert [d["SerialNumber"] for d in first["VirtualMFADevices"] + rest["VirtualMFADevices"]] == sorted(
        serials
    )


def test_get_session_token_with_mfa_unlocks_mfa_policies(iam: Any, make_client: Any, server: Any) -> None:
    key_id, secret = _user_with_key(iam)
    iam.put_user_policy(UserName="alice", PolicyName="mfa", PolicyDocument=MFA_GUARDED)
    serial, seed = enabled_device(iam, "alice")
    sts = make_client("sts", key_id, secret=secret)
    with aws_error("UnauthorizedOperation", 403):  # long-term keys: no MFA
        make_client("ec2", key_id, secret=secret).describe_regions()
    plain = sts.get_session_token()["Credentials"]
    with aws_error("UnauthorizedOperation", 403):
        _session(server, "ec2", plain).describe_regions()
    wrong = _wrong(iam, seed)
    with aws_error(
        "AccessDenied", 403, "MultiFactorAuthentication failed with invalid MFA one time pass code."
    ):
        sts.get_session_token(SerialNumber=serial, TokenCode=wrong)
    with aws_error(
        "AccessDenied", 403, "Please verify your MFA serial number is valid and associated with this user."
    ):
        sts.get_session_token(SerialNumber=serial + "x", TokenCode="123456")
    mfa = sts.get_session_token(SerialNumber=serial, TokenCode=current_code(iam, seed))["Credentials"]
    assert _session(server, "ec2", mfa).describe_regions()["Regions"]
    # MFA sessions may call IAM (authenticated, then authorized); plain GetSessionToken sessions may not.
    with aws_error("AccessDenied", 403, "iam:GetUser"):
        _session(server, "iam", mfa).get_user()
    with aws_error("InvalidClientTokenId", 403):
        _session(server, "iam", plain).get_user()


def _session(server: Any, service: str, credentials: dict[str, Any]) -> Any:
    return boto3.client(
        service,
        region_name="us-east-1",
        endpoint_url=server.api_url,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


def test_mfa_age_on_the_emulated_clock(iam: Any, make_client: Any, server: Any) -> None:
    key_id, secret = _user_with_key(iam)
    young = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "ec2:DescribeRegions",
                    "Resource": "*",
                    "Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}},
                }
            ],
        }
    )
    iam.put_user_policy(UserName="alice", PolicyName="young", PolicyDocument=young)
    serial, seed = enabled_device(iam, "alice")
    sts = make_client("sts", key_id, secret=secret)
    mfa = sts.get_session_token(SerialNumber=serial, TokenCode=current_code(iam, seed), DurationSeconds=14400)
    ec2 = _session(server, "ec2", mfa["Credentials"])
    assert ec2.describe_regions()["Regions"]
    server.store.clock.advance(2 * 3600)
    with aws_error("UnauthorizedOperation", 403):
        ec2.describe_regions()


def test_assume_role_with_mfa(iam: Any, make_client: Any, account_id: str, server: Any) -> None:
    key_id, secret = _user_with_key(iam)
    iam.put_user_policy(
        UserName="alice",
        PolicyName="assume",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
            }
        ),
    )
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
                "Action": "sts:AssumeRole",
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
            }
        ],
    }
    role = iam.create_role(RoleName="admin", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.put_role_policy(RoleName="admin", PolicyName="mfa", PolicyDocument=MFA_GUARDED)
    serial, seed = enabled_device(iam, "alice")
    sts = make_client("sts", key_id, secret=secret)
    with aws_error("AccessDenied", 403):
        sts.assume_role(RoleArn=role, RoleSessionName="sess")
    with aws_error(
        "AccessDenied", 403, "MultiFactorAuthentication failed with invalid MFA one time pass code."
    ):
        sts.assume_role(
            RoleArn=role, RoleSessionName="sess", SerialNumber=serial, TokenCode=_wrong(iam, seed)
        )
    creds = sts.assume_role(
        RoleArn=role, RoleSessionName="sess", SerialNumber=serial, TokenCode=current_code(iam, seed)
    )
    assert _session(server, "ec2", creds["Credentials"]).describe_regions()["Regions"]


def test_cli_virtual_mfa_and_session_token(iam: Any, account_id: str, server: Any, tmp_path: Path) -> None:
    """The AWS CLI: create-virtual-mfa-device (seed to a file), enable-mfa-device, get-session-token."""
    key_id, secret = _user_with_key(iam)
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": key_id,
        "AWS_SECRET_ACCESS_KEY": secret,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
    }
    root_env = {**env, "AWS_ACCESS_KEY_ID": account_id, "AWS_SECRET_ACCESS_KEY": "secret"}
    aws = [str(Path(sys.executable).parent / "aws"), "--endpoint-url", server.api_url, "--output", "json"]

    def run(*args: str, as_root: bool = True) -> Any:
        done = subprocess.run(
            [*aws, *args], env=root_env if as_root else env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout) if done.stdout.strip() else None

    seed_file = tmp_path / "seed.txt"
    made = run(
        "iam",
        "create-virtual-mfa-device",
        "--virtual-mfa-device-name",
        "cli",
        "--outfile",
        str(seed_file),
        "--bootstrap-method",
        "Base32StringSeed",
    )
    serial = made["VirtualMFADevice"]["SerialNumber"]
    seed = seed_file.read_text().strip()
    first, second = pair(iam, seed)
    run(
        "iam",
        "enable-mfa-device",
        "--user-name",
        "alice",
        "--serial-number",
        serial,
        "--authentication-code1",
        first,
        "--authentication-code2",
        second,
    )
    session = run(
        "sts",
        "get-session-token",
        "--serial-number",
        serial,
        "--token-code",
        current_code(iam, seed),
        as_root=False,
    )
    assert session["Credentials"]["AccessKeyId"].startswith("ASIA")


@pytest.mark.parametrize("status", ["Assigned", "Unassigned", "Any"])
def test_list_virtual_by_assignment(iam: Any, status: str) -> None:
    iam.create_user(UserName="dan")
    serial, _ = enabled_device(iam, "dan")
    spare = iam.create_virtual_mfa_device(VirtualMFADeviceName="spare")["VirtualMFADevice"]["SerialNumber"]
    listed = [
        d["SerialNumber"] for d in iam.list_virtual_mfa_devices(AssignmentStatus=status)["VirtualMFADevices"]
    ]
    expected = {"Assigned": [serial], "Unassigned": [spare], "Any": sorted([serial, spare])}[status]
    assert listed == expected


def test_a_name_too_long_for_a_qr_code_is_refused_and_creates_nothing(iam: Any) -> None:
    with aws_error("ValidationError", 400):
        iam.create_virtual_mfa_device(VirtualMFADeviceName="n" * 5000)
    assert not [d for d in iam.list_virtual_mfa_devices()["VirtualMFADevices"] if "nnnn" in d["SerialNumber"]]
