"""What the tests of MFA and the other user credentials share: TOTP codes on the emulated clock,
test certificates and keys, and the credentials themselves made for an `Env`'s user."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import cache
from typing import Any

import pyotp
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID

STEP = 30


def emulated_now(client: Any) -> datetime:
    """The server's emulated time (its control API), which TOTP codes are checked against."""
    body = requests.get(f"{client.meta.endpoint_url}/_ec2sim/clock", timeout=10).json()
    return datetime.fromisoformat(body["now"].replace("Z", "+00:00"))


def seed_of(device: dict[str, Any]) -> str:
    seed = device["Base32StringSeed"]
    return seed.decode() if isinstance(seed, bytes) else str(seed)


def code_at(seed: str, when: datetime) -> str:
    return pyotp.TOTP(seed).at(when)


def pair(client: Any, seed: str) -> tuple[str, str]:
    """Two consecutive codes: the previous step's and the current one's."""
    now = emulated_now(client)
    return code_at(seed, now - timedelta(seconds=STEP)), code_at(seed, now)


def current_code(client: Any, seed: str) -> str:
    return code_at(seed, emulated_now(client))


def enabled_device(iam: Any, user: str, name: str | None = None) -> tuple[str, str]:
    """A virtual MFA device enabled for `user`: (serial number, seed)."""
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=name or user)["VirtualMFADevice"]
    seed = seed_of(device)
    first, second = pair(iam, seed)
    iam.enable_mfa_device(
        UserName=user,
        SerialNumber=device["SerialNumber"],
        AuthenticationCode1=first,
        AuthenticationCode2=second,
    )
    return device["SerialNumber"], seed


# Keys and certificates --------------------------------------------------------------------------


@cache
def rsa_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def ssh_public(key: Any) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        .decode()
    )


def ed25519_ssh() -> str:
    return ssh_public(ed25519.Ed25519PrivateKey.generate())


def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def private_pem(key: Any) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def certificate(key: Any, common_name: str = "example.com", days: int = 365) -> tuple[str, datetime]:
    """A self-signed certificate for `key` (PEM) and its expiry."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    end = start + timedelta(days=days)
    built = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .sign(key, hashes.SHA256())
    )
    return built.public_bytes(serialization.Encoding.PEM).decode(), end


# For the authorization matrix: made once per Env, as its root -----------------------------------


def _once(env: Any, name: str, make: Any) -> Any:
    if name not in env.__dict__:
        env.__dict__[name] = make()
    return env.__dict__[name]


def env_device(env: Any) -> str:
    """An unassigned virtual MFA device, tagged."""
    return str(
        _once(
            env,
            "_mfa_device",
            lambda: env.iam.create_virtual_mfa_device(
                VirtualMFADeviceName="spare", Tags=[{"Key": "team", "Value": "a"}]
            )["VirtualMFADevice"]["SerialNumber"],
        )
    )


def env_enabled_device(env: Any) -> str:
    """A virtual MFA device enabled for the Env's user."""
    return str(_once(env, "_enabled_device", lambda: enabled_device(env.iam, env.user, "target-mfa")[0]))


def env_device_seed(env: Any) -> dict[str, str]:
    """A new unassigned device and two consecutive codes for it (EnableMFADevice's parameters)."""

    def make() -> dict[str, str]:
        device = env.iam.create_virtual_mfa_device(VirtualMFADeviceName="to-enable")["VirtualMFADevice"]
        first, second = pair(env.iam, seed_of(device))
        return {"serial": device["SerialNumber"], "first": first, "second": second, "seed": seed_of(device)}

    made: dict[str, str] = _once(env, "_to_enable", make)
    return made


def env_resync_codes(env: Any) -> dict[str, str]:
    def make() -> dict[str, str]:
        serial, seed = enabled_device(env.iam, env.user, "resync-mfa")
        first, second = pair(env.iam, seed)
        return {"serial": serial, "first": first, "second": second}

    made: dict[str, str] = _once(env, "_resync", make)
    return made


def env_server_certificate(env: Any) -> str:
    def make() -> str:
        key = rsa_key()
        body, _ = certificate(key)
        env.iam.upload_server_certificate(
            ServerCertificateName="web",
            CertificateBody=body,
            PrivateKey=private_pem(key),
            Tags=[{"Key": "team", "Value": "a"}],
        )
        return "web"

    return str(_once(env, "_server_certificate", make))


def env_ssh_key(env: Any) -> str:
    return str(
        _once(
            env,
            "_ssh_key",
            lambda: env.iam.upload_ssh_public_key(UserName=env.user, SSHPublicKeyBody=ed25519_ssh())[
                "SSHPublicKey"
            ]["SSHPublicKeyId"],
        )
    )


def env_signing_certificate(env: Any) -> str:
    return str(
        _once(
            env,
            "_signing_certificate",
            lambda: env.iam.upload_signing_certificate(
                UserName=env.user, CertificateBody=certificate(ec_key())[0]
            )["Certificate"]["CertificateId"],
        )
    )


def env_service_credential(env: Any) -> str:
    return str(
        _once(
            env,
            "_service_credential",
            lambda: env.iam.create_service_specific_credential(
                UserName=env.user, ServiceName="codecommit.amazonaws.com"
            )["ServiceSpecificCredential"]["ServiceSpecificCredentialId"],
        )
    )
