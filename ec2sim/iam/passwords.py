"""Console passwords: salted PBKDF2-SHA256 hashes, and the account password policy's rules.

Plain-text passwords are never stored; a hash reads
``pbkdf2_sha256$<iterations>$<salt, base64>$<digest, base64>``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from typing import Any

_SCHEME = "pbkdf2_sha256"
_ITERATIONS = 100_000
_SALT_BYTES = 16

# The symbols IAM counts for RequireSymbols: ! @ # $ % ^ & * ( ) _ + - = [ ] { } | '
SYMBOLS = frozenset("!@#$%^&*()_+-=[]{}|'")

# What applies when the account has no custom policy (IAM User Guide, "Default password policy"):
# at least 8 characters and at least three of the four character classes.
DEFAULT_MINIMUM_LENGTH = 8
DEFAULT_MINIMUM_CLASSES = 3

# UpdateAccountPasswordPolicy: every parameter left out reverts to its default.
POLICY_DEFAULTS: dict[str, Any] = {
    "MinimumPasswordLength": 6,
    "RequireSymbols": False,
    "RequireNumbers": False,
    "RequireUppercaseCharacters": False,
    "RequireLowercaseCharacters": False,
    "AllowUsersToChangePassword": False,
}


def _digest(password: str, salt: bytes, iterations: int) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(_SALT_BYTES)
    digest = _digest(password, salt, _ITERATIONS)
    return "$".join(
        (_SCHEME, str(_ITERATIONS), base64.b64encode(salt).decode(), base64.b64encode(digest).decode())
    )


def verify_password(password: str, encoded: str) -> bool:
    """Whether `password` is the one `encoded` was made from (constant-time comparison)."""
    try:
        scheme, iterations, salt, digest = encoded.split("$")
        if scheme != _SCHEME:
            return False
        expected = base64.b64decode(digest)
        actual = _digest(password, base64.b64decode(salt), int(iterations))
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


def _classes(password: str) -> dict[str, bool]:
    return {
        "RequireUppercaseCharacters": any("A" <= c <= "Z" for c in password),
        "RequireLowercaseCharacters": any("a" <= c <= "z" for c in password),
        "RequireNumbers": any("0" <= c <= "9" for c in password),
        "RequireSymbols": any(c in SYMBOLS for c in password),
    }


def conforms(password: str, policy: Mapping[str, Any] | None) -> bool:
    """Whether `password` meets the account's custom policy, or IAM's default one if there is none."""
    present = _classes(password)
    if policy is None:
        return len(password) >= DEFAULT_MINIMUM_LENGTH and sum(present.values()) >= DEFAULT_MINIMUM_CLASSES
    if len(password) < policy["MinimumPasswordLength"]:
        return False
    return all(present[rule] for rule in present if policy.get(rule))


def reused(password: str, history: list[str], policy: Mapping[str, Any] | None) -> bool:
    """Whether `password` is one of the last PasswordReusePrevention passwords (`history`, newest last)."""
    keep = (policy or {}).get("PasswordReusePrevention")
    if not keep:
        return False
    return any(verify_password(password, old) for old in history[-keep:])
