"""IAM SAML providers as plain data (changed by `ec2sim.store.iam.saml_changes`), and `IdpKeys`,
the built-in test IdP's key pair, held by the store (`Store.saml_idp`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class IdpKeys:
    """The built-in SAML IdP's signing key and self-signed certificate (PEM), made once per server."""

    key_pem: str
    certificate_pem: str


@dataclass(frozen=True)
class SamlPrivateKey:
    """A private key for decrypting the provider's assertions (PEM), by its id."""

    key_id: str
    pem: str
    added: datetime


@dataclass(eq=False)
class SamlProvider:
    name: str
    arn: str
    uuid: str  # SAMLProviderUUID
    metadata: str
    create_date: datetime
    valid_until: datetime
    tags: dict[str, str] = field(default_factory=dict)
    encryption_mode: str | None = None  # AssertionEncryptionMode: "Required" | "Allowed"
    private_keys: tuple[SamlPrivateKey, ...] = ()
