"""The journal's records for `ec2sim.store.iam.user_credentials` (MFA devices, SSH keys, server and
signing certificates, service-specific credentials), and `UserCredentialOps`, the `IamAccount`
operations that record them. Handlers validate first, so applying never fails.

Users are named as they are when the change is made (replay applies changes in order); what a user
holds is kept by the user's unique id.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from ec2sim.store.iam.changes import Change, IamState, Tags, found
from ec2sim.store.iam.entities import NamedTable, User
from ec2sim.store.iam.tables import IamTables
from ec2sim.store.iam.user_credentials import (
    ServerCertificate,
    ServiceCredential,
    SigningCertificate,
    SshPublicKey,
    UserCredentials,
    VirtualMfaDevice,
)

PerUserKind = Literal["ssh_keys", "signing_certificates", "service_credentials"]


def _user(tables: IamTables, name: str) -> User:
    return found(tables.users.get(name))


def _creds(state: IamState, account_id: str) -> UserCredentials:
    return state.tables(account_id).user_credentials


def _holder(state: IamState, account_id: str, kind: PerUserKind, user: str) -> dict[str, object]:
    """The user's credentials of `kind`, created on first use."""
    tables = state.tables(account_id)
    per_user: dict[str, dict[str, object]] = getattr(tables.user_credentials, kind)
    return per_user.setdefault(_user(tables, user).id, {})


# MFA --------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CreateVirtualMfaDevice(Change):
    serial: str
    seed: str
    tags: Tags = ()

    def apply(self, state: IamState) -> None:
        device = VirtualMfaDevice(self.serial, self.seed, self.at, dict(self.tags))
        _creds(state, self.account_id).mfa_devices[self.serial] = device


@dataclass(frozen=True, kw_only=True)
class DeleteVirtualMfaDevice(Change):
    serial: str

    def apply(self, state: IamState) -> None:
        del _creds(state, self.account_id).mfa_devices[self.serial]


@dataclass(frozen=True, kw_only=True)
class SetMfaDeviceTags(Change):
    serial: str
    tags: Tags

    def apply(self, state: IamState) -> None:
        _creds(state, self.account_id).mfa_devices[self.serial].tags = dict(self.tags)


@dataclass(frozen=True, kw_only=True)
class SetMfaDeviceUser(Change):
    """EnableMFADevice (``user``: the user it is enabled for) or DeactivateMFADevice (None, from
    ``previous``); ``drift``: the device's clock offset in time steps (Enable, Resync)."""

    serial: str
    user: str | None
    previous: str | None = None
    drift: int = 0

    def apply(self, state: IamState) -> None:
        tables = state.tables(self.account_id)
        device = tables.user_credentials.mfa_devices.get(self.serial)
        if self.user is not None:
            user = _user(tables, self.user)
            user.mfa_devices.append(self.serial)
            if device is not None:
                device.user_id, device.enable_date, device.drift = user.id, self.at, self.drift
        elif self.previous is not None:
            _user(tables, self.previous).mfa_devices.remove(self.serial)
            if device is not None:
                device.user_id, device.enable_date, device.drift = None, None, 0


@dataclass(frozen=True, kw_only=True)
class ResyncMfaDevice(Change):
    serial: str
    drift: int

    def apply(self, state: IamState) -> None:
        _creds(state, self.account_id).mfa_devices[self.serial].drift = self.drift


# SSH keys, signing certificates, service-specific credentials -----------------------------------


@dataclass(frozen=True, kw_only=True)
class UploadSshPublicKey(Change):
    user: str
    key_id: str
    body: str
    fingerprint: str

    def apply(self, state: IamState) -> None:
        holder = _holder(state, self.account_id, "ssh_keys", self.user)
        holder[self.key_id] = SshPublicKey(self.key_id, self.body, self.fingerprint, self.at)


@dataclass(frozen=True, kw_only=True)
class UploadSigningCertificate(Change):
    user: str
    certificate_id: str
    body: str

    def apply(self, state: IamState) -> None:
        holder = _holder(state, self.account_id, "signing_certificates", self.user)
        holder[self.certificate_id] = SigningCertificate(self.certificate_id, self.body, self.at)


@dataclass(frozen=True, kw_only=True)
class CreateServiceCredential(Change):
    user: str
    credential_id: str
    service_name: str
    service_user_name: str
    password: str
    expiration: datetime | None = None

    def apply(self, state: IamState) -> None:
        holder = _holder(state, self.account_id, "service_credentials", self.user)
        holder[self.credential_id] = ServiceCredential(
            self.credential_id,
            self.service_name,
            self.service_user_name,
            self.password,
            self.at,
            expiration=self.expiration,
        )


@dataclass(frozen=True, kw_only=True)
class ResetServiceCredential(Change):
    user: str
    credential_id: str
    password: str

    def apply(self, state: IamState) -> None:
        holder = _holder(state, self.account_id, "service_credentials", self.user)
        credential = holder[self.credential_id]
        assert isinstance(credential, ServiceCredential)
        credential.password = self.password


@dataclass(frozen=True, kw_only=True)
class SetUserCredentialStatus(Change):
    kind: PerUserKind
    user: str
    credential_id: str
    status: str

    def apply(self, state: IamState) -> None:
        credential = _holder(state, self.account_id, self.kind, self.user)[self.credential_id]
        credential.status = self.status  # type: ignore[attr-defined]  # every per-user kind has one


@dataclass(frozen=True, kw_only=True)
class DeleteUserCredential(Change):
    kind: PerUserKind
    user: str
    credential_id: str

    def apply(self, state: IamState) -> None:
        tables = state.tables(self.account_id)
        per_user: dict[str, dict[str, object]] = getattr(tables.user_credentials, self.kind)
        user_id = _user(tables, self.user).id
        del per_user[user_id][self.credential_id]
        if not per_user[user_id]:
            del per_user[user_id]


# Server certificates ----------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class UploadServerCertificate(Change):
    name: str
    path: str
    id: str
    body: str
    chain: str | None
    private_key: str
    expiration: datetime
    tags: Tags = ()

    def apply(self, state: IamState) -> None:
        tables = state.tables(self.account_id)
        certificate = ServerCertificate(
            name=self.name,
            path=self.path,
            id=self.id,
            arn=tables.arn("server-certificate", self.path, self.name),
            body=self.body,
            chain=self.chain,
            private_key=self.private_key,
            upload_date=self.at,
            expiration=self.expiration,
            tags=dict(self.tags),
        )
        tables.user_credentials.server_certificates[self.name.lower()] = certificate


@dataclass(frozen=True, kw_only=True)
class UpdateServerCertificate(Change):
    name: str
    new_name: str
    new_path: str

    def apply(self, state: IamState) -> None:
        tables = state.tables(self.account_id)
        certificates = tables.user_credentials.server_certificates
        certificate = certificates.pop(self.name.lower())
        certificate.name, certificate.path = self.new_name, self.new_path
        certificate.arn = tables.arn("server-certificate", self.new_path, self.new_name)
        certificates[self.new_name.lower()] = certificate


@dataclass(frozen=True, kw_only=True)
class DeleteServerCertificate(Change):
    name: str

    def apply(self, state: IamState) -> None:
        del _creds(state, self.account_id).server_certificates[self.name.lower()]


@dataclass(frozen=True, kw_only=True)
class SetServerCertificateTags(Change):
    name: str
    tags: Tags

    def apply(self, state: IamState) -> None:
        _creds(state, self.account_id).server_certificates[self.name.lower()].tags = dict(self.tags)


# The operations -----------------------------------------------------------------------------------


class UserCredentialOps:
    """`IamAccount`'s operations on these credentials: each records one change."""

    account_id: str
    users: NamedTable[User]
    user_credentials: UserCredentials
    record: Callable[[Change], None]

    def create_virtual_mfa_device(
        self, now: datetime, serial: str, seed: str, tags: dict[str, str]
    ) -> VirtualMfaDevice:
        self.record(
            CreateVirtualMfaDevice(
                account_id=self.account_id, at=now, serial=serial, seed=seed, tags=tuple(tags.items())
            )
        )
        return self.user_credentials.mfa_devices[serial]

    def delete_virtual_mfa_device(self, now: datetime, serial: str) -> None:
        self.record(DeleteVirtualMfaDevice(account_id=self.account_id, at=now, serial=serial))

    def set_mfa_device_tags(self, now: datetime, serial: str, tags: dict[str, str]) -> None:
        change = SetMfaDeviceTags(account_id=self.account_id, at=now, serial=serial, tags=tuple(tags.items()))
        self.record(change)

    def enable_mfa_device(self, now: datetime, user: str, serial: str, drift: int) -> None:
        self.record(
            SetMfaDeviceUser(account_id=self.account_id, at=now, serial=serial, user=user, drift=drift)
        )

    def deactivate_mfa_device(self, now: datetime, user: str, serial: str) -> None:
        change = SetMfaDeviceUser(account_id=self.account_id, at=now, serial=serial, user=None, previous=user)
        self.record(change)

    def resync_mfa_device(self, now: datetime, serial: str, drift: int) -> None:
        self.record(ResyncMfaDevice(account_id=self.account_id, at=now, serial=serial, drift=drift))

    def upload_ssh_public_key(
        self, now: datetime, user: str, key_id: str, body: str, fingerprint: str
    ) -> SshPublicKey:
        self.record(
            UploadSshPublicKey(
                account_id=self.account_id,
                at=now,
                user=user,
                key_id=key_id,
                body=body,
                fingerprint=fingerprint,
            )
        )
        return self.user_credentials.ssh_keys[found(self.users.get(user)).id][key_id]

    def upload_signing_certificate(
        self, now: datetime, user: str, certificate_id: str, body: str
    ) -> SigningCertificate:
        self.record(
            UploadSigningCertificate(
                account_id=self.account_id, at=now, user=user, certificate_id=certificate_id, body=body
            )
        )
        return self.user_credentials.signing_certificates[found(self.users.get(user)).id][certificate_id]

    def create_service_credential(
        self,
        now: datetime,
        user: str,
        credential_id: str,
        service_name: str,
        service_user_name: str,
        password: str,
        expiration: datetime | None,
    ) -> ServiceCredential:
        self.record(
            CreateServiceCredential(
                account_id=self.account_id,
                at=now,
                user=user,
                credential_id=credential_id,
                service_name=service_name,
                service_user_name=service_user_name,
                password=password,
                expiration=expiration,
            )
        )
        return self.user_credentials.service_credentials[found(self.users.get(user)).id][credential_id]

    def reset_service_credential(self, now: datetime, user: str, credential_id: str, password: str) -> None:
        self.record(
            ResetServiceCredential(
                account_id=self.account_id, at=now, user=user, credential_id=credential_id, password=password
            )
        )

    def set_user_credential_status(
        self, now: datetime, kind: PerUserKind, user: str, credential_id: str, status: str
    ) -> None:
        self.record(
            SetUserCredentialStatus(
                account_id=self.account_id,
                at=now,
                kind=kind,
                user=user,
                credential_id=credential_id,
                status=status,
            )
        )

    def delete_user_credential(self, now: datetime, kind: PerUserKind, user: str, credential_id: str) -> None:
        self.record(
            DeleteUserCredential(
                account_id=self.account_id, at=now, kind=kind, user=user, credential_id=credential_id
            )
        )

    def upload_server_certificate(self, now: datetime, certificate: ServerCertificate) -> ServerCertificate:
        """Upload `certificate` (its ARN and upload date are the store's to set)."""
        self.record(
            UploadServerCertificate(
                account_id=self.account_id,
                at=now,
                name=certificate.name,
                path=certificate.path,
                id=certificate.id,
                body=certificate.body,
                chain=certificate.chain,
                private_key=certificate.private_key,
                expiration=certificate.expiration,
                tags=tuple(certificate.tags.items()),
            )
        )
        return self.user_credentials.server_certificates[certificate.name.lower()]

    def update_server_certificate(self, now: datetime, name: str, new_name: str, new_path: str) -> None:
        self.record(
            UpdateServerCertificate(
                account_id=self.account_id, at=now, name=name, new_name=new_name, new_path=new_path
            )
        )

    def delete_server_certificate(self, now: datetime, name: str) -> None:
        self.record(DeleteServerCertificate(account_id=self.account_id, at=now, name=name))

    def set_server_certificate_tags(self, now: datetime, name: str, tags: dict[str, str]) -> None:
        self.record(
            SetServerCertificateTags(account_id=self.account_id, at=now, name=name, tags=tuple(tags.items()))
        )
