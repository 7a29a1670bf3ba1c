"""ec2sim's own OpenID Connect issuer: one RS256 signing key per server, its JWKS, and minted tokens.

No real issuer is reachable from an emulator, so ec2sim signs ID tokens itself (control API:
``POST /_ec2sim/oidc/token``) and `ec2sim.iam.web_identity` verifies tokens with this key for every
IAM OIDC provider that was not given keys of its own. Its identifier is the fixed ``ISSUER``
(``https://oidc.ec2sim.local``), not the server's own ``http://host:port`` URL: IAM only accepts
``https://`` provider URLs, and a fixed name keeps providers and tokens valid whatever port a
server listens on. A token may name any other issuer (``iss``: a GitHub-Actions- or EKS-like URL):
it is signed with the same key, and verifies against an IAM provider registered for that URL.

The private key lives in the store (`Store.oidc_signing_key`, PKCS#8 PEM), made on first use and
kept across resets, so durable state can keep it across restarts. PyJWT and cryptography are imported
on first use: the server starts without them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from ec2sim.store import Store

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import rsa

ISSUER = "https://oidc.ec2sim.local"
ALGORITHM = "RS256"
CONTROL_PATH = "/_ec2sim/oidc"  # the discovery document and JWKS, under the server's own URL


def _generate() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@cache
def _load(pem: str) -> rsa.RSAPrivateKey:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = serialization.load_pem_private_key(pem.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def _private_key(store: Store) -> rsa.RSAPrivateKey:
    if store.oidc_signing_key is None:
        with store.lock:  # one key per store, even when two first requests race
            if store.oidc_signing_key is None:
                store.oidc_signing_key = _generate()
                store.commit()  # a durable store saves it now (`Store.SERVER_KEYS`)
    return _load(store.oidc_signing_key)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


@cache
def _public_jwk(pem: str) -> dict[str, str]:
    numbers = _load(pem).public_key().public_numbers()
    n = _b64(numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big"))
    e = _b64(numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big"))
    # RFC 7638 thumbprint as the key id: members in lexicographic order, no whitespace.
    thumbprint = _b64(
        hashlib.sha256(json.dumps({"e": e, "kty": "RSA", "n": n}, separators=(",", ":")).encode()).digest()
    )
    return {"kty": "RSA", "use": "sig", "alg": ALGORITHM, "kid": thumbprint, "n": n, "e": e}


def jwks(store: Store) -> dict[str, Any]:
    """The issuer's public keys as a JSON Web Key Set."""
    _private_key(store)
    assert store.oidc_signing_key is not None
    return {"keys": [_public_jwk(store.oidc_signing_key)]}


def discovery(base_url: str) -> dict[str, Any]:
    """The OpenID Provider metadata (``/.well-known/openid-configuration``); `base_url`: the
    server's own URL, where the JWKS is served."""
    root = base_url.rstrip("/") + CONTROL_PATH
    return {
        "issuer": ISSUER,
        "jwks_uri": f"{root}/jwks.json",
        "token_endpoint": f"{root}/token",
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [ALGORITHM],
        "claims_supported": ["sub", "aud", "exp", "iat", "iss", "nbf", "jti", "amr", "azp"],
    }


def mint(store: Store, claims: dict[str, Any], now: datetime, expires_in: int) -> str:
    """A signed ID token: ``iss`` (default `ISSUER`), ``iat`` (now), ``exp`` (now + `expires_in`) and a
    random ``jti``, each replaced by `claims` where it has them, with `claims` besides."""
    import jwt

    issued = int(now.timestamp())
    payload = {
        "iss": ISSUER,
        "iat": issued,
        "exp": issued + expires_in,
        "jti": secrets.token_hex(16),
        **claims,
    }
    key = _private_key(store)
    assert store.oidc_signing_key is not None
    kid = _public_jwk(store.oidc_signing_key)["kid"]
    return jwt.encode(payload, key, algorithm=ALGORITHM, headers={"kid": kid, "typ": "JWT"})
