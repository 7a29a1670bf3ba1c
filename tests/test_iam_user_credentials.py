"""SSH public keys, server and signing certificates, service-specific credentials, and what they
do to DeleteUser, GetAccountSummary and the credential report."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import boto3

from ec2sim.config import Config
from ec2sim.server import Server
from ec2sim.store import Store
from tests.credential_helpers import (
    certificate,
    current_code,
    ec_key,
    ed25519_ssh,
    enabled_device,
    pair,
    private_pem,
    rsa_key,
    ssh_public,
)
from tests.helpers import aws_error
from tests.test_iam_journal import ACCOUNT, iam_state


def _md5(ssh_line: str) -> str:
    digest = hashlib.md5(base64.b64decode(ssh_line.split()[1])).digest()
    return ":".join(f"{b:02x}" for b in digest)


def test_ssh_public_keys(iam: Any) -> None:
    iam.create_user(UserName="git")
    body = ssh_public(rsa_key())
    key = iam.upload_ssh_public_key(UserName="git", SSHPublicKeyBody=body)["SSHPublicKey"]
    assert key["SSHPublicKeyId"].startswith("APKA") and key["Status"] == "Active"
    assert key["Fingerprint"] == _md5(body)
    pem = iam.get_ssh_public_key(UserName="git", SSHPublicKeyId=key["SSHPublicKeyId"], Encoding="PEM")
    assert pem["SSHPublicKey"]["SSHPublicKeyBody"].startswith("-----BEGIN PUBLIC KEY-----")
    ssh = iam.get_ssh_public_key(UserName="git", SSHPublicKeyId=key["SSHPublicKeyId"], Encoding="SSH")
    assert ssh["SSHPublicKey"]["SSHPublicKeyBody"] == body
    with aws_error("DuplicateSSHPublicKey", 400):
        iam.upload_ssh_public_key(UserName="git", SSHPublicKeyBody=body)
    with aws_error("UnrecognizedPublicKeyEncoding", 400):
        iam.upload_ssh_public_key(UserName="git", SSHPublicKeyBody="not a key")
    with aws_error("InvalidPublicKey", 400):
        iam.upload_ssh_public_key(UserName="git", SSHPublicKeyBody="ssh-rsa AAAAB3NzaC1yc2E= x")
    with aws_error("InvalidPublicKey", 400):  # under 2,048 bits
        iam.upload_ssh_public_key(UserName="git", SSHPublicKeyBody=ssh_public(rsa_key(1024)))
    for _ in range(4):
        iam.upload_ssh_public_key(UserName="git", SSHPublicKeyBody=ed25519_ssh())
    with aws_error("LimitExceeded", 409, "Cannot exceed quota for PublicKeysPerUser: 5"):
        iam.upload_ssh_public_key(UserName="git", SSHPublicKeyBody=ed25519_ssh())
    page = iam.list_ssh_public_keys(UserName="git", MaxItems=3)
    assert page["IsTruncated"] and len(page["SSHPublicKeys"]) == 3
    rest = iam.list_ssh_public_keys(UserName="git", Marker=page["Marker"])["SSHPublicKeys"]
    assert len(rest) == 2
    iam.update_ssh_public_key(UserName="git", SSHPublicKeyId=key["SSHPublicKeyId"], Status="Inactive")
    assert iam.list_ssh_public_keys(UserName="git")["SSHPublicKeys"][0]["Status"] == "Inactive"
    with aws_error("DeleteConflict", 409, "Cannot delete entity, must remove referenced objects first."):
        iam.delete_user(UserName="git")
    for listed in iam.list_ssh_public_keys(UserName="git")["SSHPublicKeys"]:
        iam.delete_ssh_public_key(UserName="git", SSHPublicKeyId=listed["SSHPublicKeyId"])
    with aws_error("NoSuchEntity", 404):
        iam.delete_ssh_public_key(UserName="git", SSHPublicKeyId=key["SSHPublicKeyId"])
    iam.delete_user(UserName="git")


def test_server_certificates(iam: Any, account_id: str) -> None:
    key = rsa_key()
    body, expiry = certificate(key)
    chain, _ = certificate(ec_key(), "ca.example.com")
    made = iam.upload_server_certificate(
        Path="/cloudfront/",
        ServerCertificateName="web",
        CertificateBody=body,
        PrivateKey=private_pem(key),
        CertificateChain=chain,
        Tags=[{"Key": "env", "Value": "prod"}],
    )
    meta = made["ServerCertificateMetadata"]
    assert meta["Arn"] == f"arn:aws:iam::{account_id}:server-certificate/cloudfront/web"
    assert meta["ServerCertificateId"].startswith("ASCA") and meta["Expiration"] == expiry
    got = iam.get_server_certificate(ServerCertificateName="web")["ServerCertificate"]
    assert got["CertificateBody"] == body.strip() and got["CertificateChain"] == chain.strip()
    assert got["Tags"] == [{"Key": "env", "Value": "prod"}]
    with aws_error("EntityAlreadyExists", 409):
        iam.upload_server_certificate(
            ServerCertificateName="WEB", CertificateBody=body, PrivateKey=private_pem(key)
        )
    with aws_error("KeyPairMismatch", 400):
        iam.upload_server_certificate(
            ServerCertificateName="x", CertificateBody=body, PrivateKey=private_pem(ec_key())
        )
    with aws_error("MalformedCertificate", 400):
        iam.upload_server_certificate(
            ServerCertificateName="x", CertificateBody="junk", PrivateKey=private_pem(key)
        )
    with aws_error("MalformedCertificate", 400):
        iam.upload_server_certificate(ServerCertificateName="x", CertificateBody=body, PrivateKey="junk")
    iam.update_server_certificate(ServerCertificateName="web", NewServerCertificateName="site", NewPath="/")
    listed = iam.list_server_certificates()["ServerCertificateMetadataList"]
    assert [(m["ServerCertificateName"], m["Path"]) for m in listed] == [("site", "/")]
    assert iam.list_server_certificates(PathPrefix="/cloudfront/")["ServerCertificateMetadataList"] == []
    iam.tag_server_certificate(ServerCertificateName="site", Tags=[{"Key": "a", "Value": "1"}])
    iam.untag_server_certificate(ServerCertificateName="site", TagKeys=["env"])
    assert iam.list_server_certificate_tags(ServerCertificateName="site")["Tags"] == [
        {"Key": "a", "Value": "1"}
    ]
    assert iam.get_account_summary()["SummaryMap"]["ServerCertificates"] == 1
    iam.delete_server_certificate(ServerCertificateName="site")
    with aws_error("NoSuchEntity", 404, "The Server Certificate with name site cannot be found."):
        iam.get_server_certificate(ServerCertificateName="site")


def test_signing_certificates_and_report(iam: Any) -> None:
    iam.create_user(UserName="signer")
    first = iam.upload_signing_certificate(UserName="signer", CertificateBody=certificate(ec_key())[0])
    cert_id = first["Certificate"]["CertificateId"]
    assert len(cert_id) >= 24 and first["Certificate"]["Status"] == "Active"
    iam.upload_signing_certificate(UserName="signer", CertificateBody=certificate(ec_key())[0])
    with aws_error("LimitExceeded", 409, "Cannot exceed quota for SigningCertificatesPerUser: 2"):
        iam.upload_signing_certificate(UserName="signer", CertificateBody=certificate(ec_key())[0])
    with aws_error("MalformedCertificate", 400):
        iam.upload_signing_certificate(UserName="signer", CertificateBody="junk")
    iam.update_signing_certificate(UserName="signer", CertificateId=cert_id, Status="Inactive")
    certs = iam.list_signing_certificates(UserName="signer")["Certificates"]
    assert [c["Status"] for c in certs] == ["Inactive", "Active"]
    iam.generate_credential_report()
    report = iam.get_credential_report()["Content"].decode().splitlines()
    header, row = report[0].split(","), next(r for r in report if r.startswith("signer,")).split(",")
    assert row[header.index("cert_1_active")] == "false" and row[header.index("cert_2_active")] == "true"
    with aws_error("DeleteConflict", 409, "Cannot delete entity, must delete certificates first."):
        iam.delete_user(UserName="signer")
    for cert in certs:
        iam.delete_signing_certificate(UserName="signer", CertificateId=cert["CertificateId"])
    with aws_error("NoSuchEntity", 404):
        iam.delete_signing_certificate(UserName="signer", CertificateId=cert_id)
    iam.delete_user(UserName="signer")


def test_service_specific_credentials(iam: Any, account_id: str) -> None:
    iam.create_user(UserName="dev")
    made = iam.create_service_specific_credential(UserName="dev", ServiceName="codecommit.amazonaws.com")
    credential = made["ServiceSpecificCredential"]
    assert credential["ServiceUserName"] == f"dev-at-{account_id}"
    assert len(credential["ServicePassword"]) == 44 and credential["Status"] == "Active"
    cred_id = credential["ServiceSpecificCredentialId"]
    iam.create_service_specific_credential(UserName="dev", ServiceName="codecommit.amazonaws.com")
    with aws_error("LimitExceeded", 409):
        iam.create_service_specific_credential(UserName="dev", ServiceName="codecommit.amazonaws.com")
    iam.create_service_specific_credential(UserName="dev", ServiceName="cassandra.amazonaws.com")
    with aws_error("ServiceNotSupported", 400):
        iam.create_service_specific_credential(UserName="dev", ServiceName="s3.amazonaws.com")
    listed = iam.list_service_specific_credentials(UserName="dev", ServiceName="cassandra.amazonaws.com")
    assert [c["ServiceName"] for c in listed["ServiceSpecificCredentials"]] == ["cassandra.amazonaws.com"]
    assert "ServicePassword" not in listed["ServiceSpecificCredentials"][0]
    reset = iam.reset_service_specific_credential(UserName="dev", ServiceSpecificCredentialId=cred_id)
    assert reset["ServiceSpecificCredential"]["ServicePassword"] != credential["ServicePassword"]
    iam.update_service_specific_credential(
        UserName="dev", ServiceSpecificCredentialId=cred_id, Status="Inactive"
    )
    with aws_error(
        "DeleteConflict", 409, "Cannot delete entity, must delete service specific credentials first."
    ):
        iam.delete_user(UserName="dev")
    for c in iam.list_service_specific_credentials(UserName="dev")["ServiceSpecificCredentials"]:
        iam.delete_service_specific_credential(
            UserName="dev", ServiceSpecificCredentialId=c["ServiceSpecificCredentialId"]
        )
    with aws_error("NoSuchEntity", 404):
        iam.delete_service_specific_credential(UserName="dev", ServiceSpecificCredentialId=cred_id)
    iam.delete_user(UserName="dev")


def test_replaying_the_journal_rebuilds_user_credentials() -> None:
    """Every change these credentials make is journaled: a replay rebuilds equal IAM state (MFA
    sessions included)."""
    with Server(Config(port=0, imds_port=0)) as private:
        iam = _client(private, "iam", ACCOUNT, "secret")
        iam.create_user(UserName="eve")
        serial, seed = enabled_device(iam, "eve")
        iam.resync_mfa_device(UserName="eve", SerialNumber=serial, **_codes(pair(iam, seed)))
        spare = iam.create_virtual_mfa_device(VirtualMFADeviceName="spare")["VirtualMFADevice"][
            "SerialNumber"
        ]
        iam.tag_mfa_device(SerialNumber=spare, Tags=[{"Key": "a", "Value": "1"}])
        key = iam.create_access_key(UserName="eve")["AccessKey"]
        sts = _client(private, "sts", key["AccessKeyId"], key["SecretAccessKey"])
        sts.get_session_token(SerialNumber=serial, TokenCode=current_code(iam, seed))
        ssh = iam.upload_ssh_public_key(UserName="eve", SSHPublicKeyBody=ed25519_ssh())["SSHPublicKey"]
        iam.update_ssh_public_key(UserName="eve", SSHPublicKeyId=ssh["SSHPublicKeyId"], Status="Inactive")
        iam.upload_signing_certificate(UserName="eve", CertificateBody=certificate(ec_key())[0])
        made = iam.create_service_specific_credential(UserName="eve", ServiceName="codecommit.amazonaws.com")
        cred_id = made["ServiceSpecificCredential"]["ServiceSpecificCredentialId"]
        iam.reset_service_specific_credential(UserName="eve", ServiceSpecificCredentialId=cred_id)
        rsa = rsa_key()
        iam.upload_server_certificate(
            ServerCertificateName="web", CertificateBody=certificate(rsa)[0], PrivateKey=private_pem(rsa)
        )
        iam.update_server_certificate(ServerCertificateName="web", NewServerCertificateName="site")
        iam.tag_server_certificate(ServerCertificateName="site", Tags=[{"Key": "a", "Value": "1"}])
        iam.update_user(UserName="eve", NewUserName="eva")
        iam.deactivate_mfa_device(UserName="eva", SerialNumber=serial)
        with private.store.lock:
            journal = list(private.store.journal)
            state = iam_state(private.store)
    replayed = Store()
    replayed.iam.replay(journal)
    assert iam_state(replayed) == state
    tables = replayed.iam.accounts[ACCOUNT].user_credentials
    assert len(tables.mfa_devices) == 2 and "site" in tables.server_certificates


def _codes(codes: tuple[str, str]) -> dict[str, str]:
    return {"AuthenticationCode1": codes[0], "AuthenticationCode2": codes[1]}


def _client(server: Server, service: str, key: str, secret: str) -> Any:
    return boto3.client(
        service,
        region_name="us-east-1",
        endpoint_url=server.api_url,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
    )
