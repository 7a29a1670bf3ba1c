"""IAM's other credentials as plain data: virtual MFA devices, SSH public keys, server and signing
certificates, and service-specific credentials.

`UserCredentials` is one account's collection of them (`IamTables.user_credentials`). A user's
credentials are kept by the user's unique id, so renaming a user carries them along and a user
created again under the same name starts with none. Only `ec2sim.store.iam.credential_changes`
writes here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar


@dataclass(eq=False)
class VirtualMfaDevice:
    serial: str  # its ARN: arn:aws:iam::ACCOUNT:mfa/PATH/NAME
    seed: str  # Base32 TOTP secret
    create_date: datetime
    tags: dict[str, str] = field(default_factory=dict)
    user_id: str | None = None  # the user it is enabled for (also in `User.mfa_devices`)
    enable_date: datetime | None = None
    drift: int = 0  # time steps the device runs ahead (negative: behind), measured at Enable/Resync


@dataclass(eq=False)
class SshPublicKey:
    id: str  # APKA...
    body: str  # as uploaded (OpenSSH one-line format)
    fingerprint: str  # MD5 of the key blob, colon-separated hex (IAM's)
    upload_date: datetime
    status: str = "Active"


@dataclass(eq=False)
class SigningCertificate:
    id: str
    body: str  # PEM
    upload_date: datetime
    status: str = "Active"


@dataclass(eq=False)
class ServiceCredential:
    id: str  # ACCA...
    service_name: str
    service_user_name: str
    password: str
    create_date: datetime
    status: str = "Active"
    expiration: datetime | None = None


@dataclass(eq=False)
class ServerCertificate:
    name: str
    path: str
    id: str  # ASCA...
    arn: str
    body: str
    chain: str | None
    private_key: str
    upload_date: datetime
    expiration: datetime
    tags: dict[str, str] = field(default_factory=dict)


T = TypeVar("T")
PerUser = dict[str, dict[str, T]]  # user id → credential id → credential, in upload order


@dataclass(eq=False)
class UserCredentials:
    mfa_devices: dict[str, VirtualMfaDevice] = field(default_factory=dict)  # by serial number
    server_certificates: dict[str, ServerCertificate] = field(default_factory=dict)  # by lower-cased name
    ssh_keys: PerUser[SshPublicKey] = field(default_factory=dict)
    signing_certificates: PerUser[SigningCertificate] = field(default_factory=dict)
    service_credentials: PerUser[ServiceCredential] = field(default_factory=dict)

    def of(self, kind: str, user_id: str) -> dict[str, object]:
        """A user's credentials of `kind` ("ssh_keys", "signing_certificates", "service_credentials")."""
        per_user: PerUser[object] = getattr(self, kind)
        return per_user.get(user_id, {})
