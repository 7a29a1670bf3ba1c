"""The authorization matrix's requests for MFA devices, SSH keys, server and signing certificates and
service-specific credentials, with the resources the Service Authorization Reference gives them:
a user's credentials on the user, a virtual MFA device on its ``mfa`` ARN (its serial number), a
server certificate on its ``server-certificate`` ARN (renaming one: on the new ARN too), and the
account-wide listings (ListVirtualMFADevices, ListServerCertificates) on ``*``."""

from __future__ import annotations

from typing import Any

from tests.authz_cases import Builder, Ref, attr, case, iam_arn
from tests.authz_env import TAGS
from tests.credential_helpers import (
    certificate,
    ec_key,
    ed25519_ssh,
    env_device,
    env_device_seed,
    env_enabled_device,
    env_resync_codes,
    env_server_certificate,
    env_service_credential,
    env_signing_certificate,
    env_ssh_key,
    private_pem,
    rsa_key,
)

USER = attr("user")
USER_ARN = iam_arn("user", USER)
CERTIFICATE_ARN = iam_arn("server-certificate", env_server_certificate)


def _user(**params: Any) -> Builder:
    return case({"UserName": USER, **params}, USER_ARN)


def _device(**params: Any) -> Builder:
    return case({"SerialNumber": env_device, **params}, env_device)


def _certificate(**params: Any) -> Builder:
    return case({"ServerCertificateName": env_server_certificate, **params}, CERTIFICATE_ARN)


def _field(make: Any, name: str) -> Ref:
    return lambda env: make(env)[name]


def _new_certificate(env: Any) -> dict[str, str]:
    key = rsa_key()
    return {"CertificateBody": certificate(key, "new.example.com")[0], "PrivateKey": private_pem(key)}


CREDENTIAL_CASES: dict[str, Builder] = {
    # MFA
    "CreateVirtualMFADevice": case({"VirtualMFADeviceName": "new-device"}, iam_arn("mfa", "new-device")),
    "EnableMFADevice": _user(
        SerialNumber=_field(env_device_seed, "serial"),
        AuthenticationCode1=_field(env_device_seed, "first"),
        AuthenticationCode2=_field(env_device_seed, "second"),
    ),
    "ResyncMFADevice": _user(
        SerialNumber=_field(env_resync_codes, "serial"),
        AuthenticationCode1=_field(env_resync_codes, "first"),
        AuthenticationCode2=_field(env_resync_codes, "second"),
    ),
    "DeactivateMFADevice": _user(SerialNumber=env_enabled_device),
    "GetMFADevice": _user(SerialNumber=env_enabled_device),
    "ListMFADevices": _user(),
    "ListVirtualMFADevices": case({}),
    "DeleteVirtualMFADevice": _device(),
    "TagMFADevice": _device(Tags=TAGS),
    "UntagMFADevice": _device(TagKeys=["team"]),
    "ListMFADeviceTags": _device(),
    # SSH public keys
    "UploadSSHPublicKey": _user(SSHPublicKeyBody=lambda env: ed25519_ssh()),
    "GetSSHPublicKey": _user(SSHPublicKeyId=env_ssh_key, Encoding="SSH"),
    "ListSSHPublicKeys": _user(),
    "UpdateSSHPublicKey": _user(SSHPublicKeyId=env_ssh_key, Status="Inactive"),
    "DeleteSSHPublicKey": _user(SSHPublicKeyId=env_ssh_key),
    # Server certificates
    "UploadServerCertificate": case(
        {
            "ServerCertificateName": "new-cert",
            "CertificateBody": _field(_new_certificate, "CertificateBody"),
            "PrivateKey": _field(_new_certificate, "PrivateKey"),
        },
        iam_arn("server-certificate", "new-cert"),
    ),
    "GetServerCertificate": _certificate(),
    "ListServerCertificates": case({}),
    "UpdateServerCertificate": case(
        {"ServerCertificateName": env_server_certificate, "NewServerCertificateName": "renamed-cert"},
        CERTIFICATE_ARN,
        iam_arn("server-certificate", "renamed-cert"),
    ),
    "DeleteServerCertificate": _certificate(),
    "TagServerCertificate": _certificate(Tags=TAGS),
    "UntagServerCertificate": _certificate(TagKeys=["team"]),
    "ListServerCertificateTags": _certificate(),
    # Signing certificates
    "UploadSigningCertificate": _user(CertificateBody=lambda env: certificate(ec_key())[0]),
    "ListSigningCertificates": _user(),
    "UpdateSigningCertificate": _user(CertificateId=env_signing_certificate, Status="Inactive"),
    "DeleteSigningCertificate": _user(CertificateId=env_signing_certificate),
    # Service-specific credentials
    "CreateServiceSpecificCredential": _user(ServiceName="codecommit.amazonaws.com"),
    "ListServiceSpecificCredentials": _user(),
    "UpdateServiceSpecificCredential": _user(
        ServiceSpecificCredentialId=env_service_credential, Status="Inactive"
    ),
    "ResetServiceSpecificCredential": _user(ServiceSpecificCredentialId=env_service_credential),
    "DeleteServiceSpecificCredential": _user(ServiceSpecificCredentialId=env_service_credential),
}
