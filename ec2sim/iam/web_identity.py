"""Verifying an OIDC web identity token as STS AssumeRoleWithWebIdentity does (PyJWT does the JOSE).

In order: the token must be a JWT whose ``iss`` names an IAM OIDC provider of the role's account
(`unverified_issuer`, then the caller looks the provider up); its signature (RS256/384/512,
ES256/384/512) must verify with the provider's keys: those given to the provider directly
(`OidcProvider.jwks`) or else the built-in issuer's (`ec2sim.iam.oidc_issuer`); ``exp``, ``nbf`` and
``iat`` are checked on the emulated clock with IAM's five minutes of clock skew; ``aud`` must hold
one of the provider's client ids. Failures raise `TokenRejected` with STS's code and message.

`WebIdentity.condition_keys` gives the keys a trust policy (and the session's later requests)
see: ``<provider URL>:aud``, ``:sub``, ``:amr``, ``:oaud`` (IAM User Guide, "Available keys for
AWS OIDC federation"), the documented issuer-specific claims, and ``aws:FederatedProvider``.

PyJWT (and with it cryptography) is imported where it is used: the server starts without either.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from ec2sim import jsonsafe
from ec2sim.iam.policy.variables import ContextValue
from ec2sim.store.iam.oidc import OidcProvider

if TYPE_CHECKING:
    import jwt

ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "ES256", "ES384", "ES512"})
CLOCK_SKEW_SECONDS = 300  # "IAM provides five minutes beyond the expiration time" (IAM User Guide, OIDC)
MAX_JWKS_KEYS = 100

# STS's messages. The first three are AWS's own (seen in real responses); for the others AWS's
# wording is not documented and these are assumed (the codes are the model's).
NOT_A_JWT = "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)"
NO_KEY = (
    "Couldn't retrieve verification key from your identity provider,  "
    "please reference AssumeRoleWithWebIdentity documentation for requirements"
)
WRONG_AUDIENCE = "Incorrect token audience"
BAD_SIGNATURE = (
    "The web identity token that was passed could not be validated by AWS. "
    "Get a new identity token from the identity provider and then retry the request."
)
NOT_YET_VALID = "Token is not yet valid: its nbf or iat claim is in the future"
BAD_TAGS = "The session tags in the token are not valid"
# The claim passing session tags (IAM User Guide, "Passing session tags using AssumeRoleWithWebIdentity").
TAGS_CLAIM = "https://aws.amazon.com/tags"


class TokenRejected(Exception):
    """STS's error for a token that can't be accepted: `code` and `message`."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _invalid(message: str = NOT_A_JWT) -> TokenRejected:
    return TokenRejected("InvalidIdentityToken", message)


def no_provider(issuer: str) -> TokenRejected:
    return _invalid(f"No OpenIDConnect provider found in your account for {issuer}")


def unverified_issuer(token: str) -> str:
    """The ``iss`` of a token that is a JWT of a supported algorithm (not yet verified)."""
    import jwt

    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except (jwt.PyJWTError, ValueError, TypeError, KeyError):
        raise _invalid() from None
    issuer = claims.get("iss")
    if header.get("alg") not in ALGORITHMS or not isinstance(issuer, str) or not issuer:
        raise _invalid()
    return issuer


def issuer_url(issuer: str) -> str | None:
    """The provider URL (scheme stripped) an ``iss`` names, None if it isn't an https URL."""
    return issuer[len("https://") :] if issuer[:8].lower() == "https://" and len(issuer) > 8 else None


def parse_jwks(text: str | bytes) -> list[dict[str, Any]]:
    """The keys of a JWKS document (JSON), each one PyJWT can use; ValueError saying what is wrong."""
    import jwt

    try:
        document = jsonsafe.loads(text)
    except jsonsafe.JsonError as error:
        raise ValueError(f"the JWKS is not JSON: {error}") from None
    keys = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(keys, list) or not keys or len(keys) > MAX_JWKS_KEYS:
        raise ValueError(f'a JWKS is an object with "keys": a list of 1 to {MAX_JWKS_KEYS} keys')
    for i, key in enumerate(keys):
        try:
            jwt.PyJWK(key)
        except (jwt.PyJWTError, ValueError, TypeError, KeyError, AttributeError) as error:
            raise ValueError(f"keys[{i}] is not a usable public key: {error}") from None
        if not isinstance(key, dict) or key.get("kty") not in ("RSA", "EC") or "d" in key:
            raise ValueError(f"keys[{i}] must be an RSA or EC public key (no private members)")
    return keys


def _candidates(keys: list[dict[str, Any]], header: Mapping[str, Any]) -> list[jwt.PyJWK]:
    """The keys that may have signed the token: by ``kid`` when it names one, else by key type."""
    import jwt

    alg = header["alg"]
    kty = "RSA" if alg.startswith("RS") else "EC"
    kid = header.get("kid")
    chosen = [k for k in keys if kid is not None and k.get("kid") == kid]
    if not chosen:
        chosen = [k for k in keys if k.get("kty") == kty and (kid is None or "kid" not in k)]
    found = []
    for key in chosen:
        if key.get("kty") != kty or key.get("alg", alg) != alg:
            continue
        try:
            found.append(jwt.PyJWK(key, algorithm=alg))
        except (jwt.PyJWTError, ValueError, TypeError, KeyError):
            continue
    return found


def _verified_claims(token: str, keys: list[dict[str, Any]]) -> dict[str, Any]:
    import jwt

    header = jwt.get_unverified_header(token)
    candidates = _candidates(keys, header)
    if not candidates:
        raise _invalid(NO_KEY)
    for key in candidates:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=[header["alg"]],
                options={
                    "verify_exp": False,  # checked below, on the emulated clock
                    "verify_nbf": False,
                    "verify_iat": False,
                    "verify_aud": False,
                    "verify_iss": False,
                },
            )
            return claims
        except jwt.InvalidSignatureError:
            continue
        except (jwt.PyJWTError, ValueError, TypeError, KeyError):
            raise _invalid() from None
    raise _invalid(BAD_SIGNATURE)


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _check_times(claims: Mapping[str, Any], now: datetime) -> None:
    current = now.timestamp()
    expires = _number(claims.get("exp"))
    if expires is None:
        raise _invalid()
    if current > expires + CLOCK_SKEW_SECONDS:
        # AWS's wording, its missing space included.
        raise TokenRejected(
            "ExpiredTokenException",
            f"Token expired: current date/time {int(current)} must be before the expiration date/time{int(expires)}",
        )
    for name in ("nbf", "iat"):
        if name in claims:
            moment = _number(claims[name])
            if moment is None:
                raise _invalid()
            if moment > current + CLOCK_SKEW_SECONDS:
                raise TokenRejected("IDPRejectedClaim", NOT_YET_VALID)


def _audiences(claims: Mapping[str, Any]) -> list[str]:
    aud = claims.get("aud")
    values = [aud] if isinstance(aud, str) else aud
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        raise _invalid()
    return values


def _session_tags(claims: Mapping[str, Any]) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    """The session tags a token passes: ``principal_tags`` (each value a string, or a list of one)
    and ``transitive_tag_keys`` (each among them)."""
    claim = claims.get(TAGS_CLAIM)
    if claim is None:
        return (), ()
    principal = claim.get("principal_tags", {}) if isinstance(claim, dict) else None
    transitive = claim.get("transitive_tag_keys", []) if isinstance(claim, dict) else None
    if not isinstance(principal, dict) or not isinstance(transitive, list):
        raise _invalid(BAD_TAGS)
    tags = []
    for key, value in principal.items():
        single = value[0] if isinstance(value, list) and len(value) == 1 else value
        if not isinstance(single, str):
            raise _invalid(BAD_TAGS)
        tags.append((key, single))
    if not all(isinstance(k, str) and k in principal for k in transitive):
        raise _invalid(BAD_TAGS)
    return tuple(tags), tuple(transitive)


@dataclass(frozen=True)
class WebIdentity:
    """A verified token: its provider, claims, the audience (client id) it was accepted for, and the
    session tags it passes (with those that are transitive)."""

    provider: OidcProvider
    claims: Mapping[str, Any]
    audience: str
    tags: tuple[tuple[str, str], ...] = ()
    transitive_tag_keys: tuple[str, ...] = ()

    @property
    def subject(self) -> str | None:
        sub = self.claims.get("sub")
        return sub if isinstance(sub, str) else None

    def condition_keys(self, documented: Iterable[str] = ()) -> dict[str, ContextValue]:
        """The keys the token gives a trust policy and the session. `documented`: condition key
        templates the SAR lists for sts:AssumeRoleWithWebIdentity (``token.actions.githubusercontent.com:ref``,
        ``gitlab.com:project_id``...): a claim whose ``<provider>:<claim>`` matches one is a key too."""
        prefix = self.provider.url
        claims = self.claims
        keys: dict[str, ContextValue] = {"aws:FederatedProvider": self.provider.arn}
        azp = claims.get("azp")
        if isinstance(azp, str):  # "aud" is then the authorized party; "oaud" the token's audiences
            keys[f"{prefix}:aud"] = azp
            auds = _audiences(claims)
            keys[f"{prefix}:oaud"] = auds[0] if len(auds) == 1 else auds
        else:
            keys[f"{prefix}:aud"] = self.audience
        if self.subject is not None:
            keys[f"{prefix}:sub"] = self.subject
        amr = claims.get("amr")
        if isinstance(amr, list) and all(isinstance(v, str) for v in amr):
            keys[f"{prefix}:amr"] = list(amr)
        elif isinstance(amr, str):
            keys[f"{prefix}:amr"] = [amr]
        patterns = _patterns(tuple(documented))
        for name, value in claims.items():
            key = f"{prefix}:{name}"
            if (
                key in keys
                or not isinstance(value, str | int | bool)
                or not any(p.fullmatch(key) for p in patterns)
            ):
                continue
            keys[key] = ("true" if value else "false") if isinstance(value, bool) else str(value)
        return keys


@cache
def _patterns(templates: tuple[str, ...]) -> list[re.Pattern[str]]:
    """Regexes of condition key templates (``${Domain}`` matches one or more characters)."""
    return [
        re.compile(
            "".join(".+" if p.startswith("${") else re.escape(p) for p in re.split(r"(\$\{[^}]+\})", t)),
            re.IGNORECASE,
        )
        for t in templates
        if not t.lower().startswith(("aws:", "sts:"))
    ]


def verify(
    token: str, provider: OidcProvider, builtin_keys: list[dict[str, Any]], now: datetime
) -> WebIdentity:
    """`token`, whose issuer is `provider`'s, verified (see the module's docstring)."""
    import jwt

    keys = parse_jwks(provider.jwks) if provider.jwks is not None else builtin_keys
    try:
        claims = _verified_claims(token, keys)
    except (jwt.PyJWTError, ValueError, TypeError, KeyError):
        raise _invalid() from None
    _check_times(claims, now)
    audience = next((a for a in _audiences(claims) if a in provider.client_ids), None)
    if audience is None:
        raise _invalid(WRONG_AUDIENCE)
    return WebIdentity(provider, claims, audience, *_session_tags(claims))
