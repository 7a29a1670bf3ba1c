"""The built-in SAML IdP's control routes (`ec2sim.iam.saml_idp`), beside the AWS API.

- ``GET /_ec2sim/saml/metadata.xml``: the IdP's SAML 2.0 metadata (with its signing certificate),
  to pass to CreateSAMLProvider as SAMLMetadataDocument;
- ``POST /_ec2sim/saml/assertion``: a signed base64 SAMLResponse, as AssumeRoleWithSAML takes it.
  The body is a JSON object: ``roles`` (a list of ``[role_arn, provider_arn]`` pairs) or
  ``role_arn`` + ``provider_arn``; ``subject`` (default ``"ec2sim-user"``), ``subject_format``
  (a NameID Format URI; persistent by default), ``session_name`` (the RoleSessionName attribute;
  ``null`` leaves it out), ``session_duration``, ``expires_in`` (seconds on the emulated clock,
  default 300), ``recipient`` and ``audience`` (default AWS's sign-in URL), and ``attributes``
  (name → value or list of values); ``encrypt: true`` encrypts the Assertion for the IAM SAML provider
  of the first role pair (with the public half of its newest private key, AddPrivateKey).
  Answers ``{"SAMLResponse", "expires_at"}``.
Bad input answers 400 with ``{"error": ...}``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from ec2sim import jsonsafe
from ec2sim.iam.saml_xml import PERSISTENT, SIGNIN_URL
from ec2sim.store import Store
from ec2sim.store.resources import parse_arn

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import rsa

    from ec2sim.store.iam.saml import IdpKeys

Route = Callable[[Request], Response]
CONTROL_PATH = "/_ec2sim/saml"
MAX_EXPIRES_IN = 10 * 365 * 24 * 3600  # ten years either way: any lifetime a test wants
_MAX_TEXT = 2048  # any one string of the request


def _json(data: dict[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(data), status, content_type="application/json")


def _error(message: str) -> Response:
    return _json({"error": message}, 400)


class BadRequest(ValueError):
    """A minting request that isn't one: its message says why."""


def _text(body: dict[str, Any], name: str, default: str | None) -> str | None:
    value = body.get(name, default)
    if value is not None and (not isinstance(value, str) or not value or len(value) > _MAX_TEXT):
        raise BadRequest(f"{name} must be a non-empty string of at most {_MAX_TEXT} characters")
    return value


def _integer(body: dict[str, Any], name: str, default: int | None, limit: int) -> int | None:
    value = body.get(name, default)
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or abs(value) > limit):
        raise BadRequest(f"{name} must be an integer, at most {limit} either way")
    return value


def _roles(body: dict[str, Any]) -> list[tuple[str, str]]:
    if "roles" in body:
        roles = body["roles"]
        if (
            not isinstance(roles, list)
            or len(roles) > 100
            or not all(
                isinstance(p, list)
                and len(p) == 2
                and all(isinstance(a, str) and len(a) <= _MAX_TEXT for a in p)
                for p in roles
            )
        ):
            raise BadRequest("roles must be a list of [role_arn, provider_arn] pairs")
        return [(role, provider) for role, provider in roles]
    role, provider = _text(body, "role_arn", None), _text(body, "provider_arn", None)
    if role is None or provider is None:
        raise BadRequest("give roles, or role_arn and provider_arn")
    return [(role, provider)]


def _attributes(body: dict[str, Any]) -> dict[str, list[str]]:
    attributes = body.get("attributes", {})
    if not isinstance(attributes, dict) or len(attributes) > 100:
        raise BadRequest("attributes must be an object of at most 100 names")
    found: dict[str, list[str]] = {}
    for name, value in attributes.items():
        values = value if isinstance(value, list) else [value]
        if not all(isinstance(v, str) and len(v) <= _MAX_TEXT for v in values) or len(values) > 100:
            raise BadRequest(f"attribute {name} must be a string or a list of strings")
        found[name] = values
    return found


class SamlControl:
    def __init__(self, store: Store) -> None:
        self.store = store

    def routes(self) -> dict[tuple[str, str], Route]:
        return {
            ("GET", f"{CONTROL_PATH}/metadata.xml"): self.metadata,
            ("POST", f"{CONTROL_PATH}/assertion"): self.assertion,
        }

    def keys(self) -> IdpKeys:
        """The IdP's key pair: made once, on first use, and kept by the store (`Store.saml_idp`)."""
        from ec2sim.iam.saml_idp import new_idp_keys  # on first use: the server starts without cryptography

        with self.store.lock:
            if self.store.saml_idp is None:
                self.store.saml_idp = new_idp_keys(self.store.clock.now())
                self.store.commit()
            return self.store.saml_idp

    def _encryption_key(self, body: dict[str, Any]) -> rsa.RSAPublicKey:
        """The public key of the newest private key of the first role pair's SAML provider."""
        from cryptography.hazmat.primitives.asymmetric import rsa
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        arns = [arn for pair in _roles(body) for arn in pair if ":saml-provider/" in arn][:1]
        parsed = parse_arn(arns[0]) if arns else None
        with self.store.lock:
            iam = self.store.iam.accounts.get(parsed.account) if parsed is not None else None
            provider = iam.saml_providers.get(arns[0]) if iam is not None else None
            if provider is None or not provider.private_keys:
                raise BadRequest("encrypt needs a SAML provider with a private key (AddPrivateKey) in roles")
            key = load_pem_private_key(provider.private_keys[-1].pem.encode("latin-1"), password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise BadRequest("the provider's newest private key is not an RSA key")
        return key.public_key()

    def metadata(self, request: Request) -> Response:
        from ec2sim.iam.saml_idp import idp_metadata

        sso = request.host_url.rstrip("/") + f"{CONTROL_PATH}/sso"
        return Response(idp_metadata(self.keys(), sso), 200, content_type="application/samlmetadata+xml")

    def assertion(self, request: Request) -> Response:
        try:
            body = jsonsafe.loads(request.get_data(cache=False))
        except jsonsafe.JsonError:
            body = None
        if not isinstance(body, dict):
            return _error("the body must be a JSON object")
        from ec2sim.iam.saml_idp import mint_response

        try:
            expires_in = _integer(body, "expires_in", 300, MAX_EXPIRES_IN)
            assert expires_in is not None
            now = self.store.clock.now()
            response = mint_response(
                self.keys(),
                now,
                roles=_roles(body),
                subject=_text(body, "subject", "ec2sim-user") or "",
                session_name=_text(body, "session_name", "ec2sim-session"),
                expires_in=expires_in,
                session_duration=_integer(body, "session_duration", None, MAX_EXPIRES_IN),
                subject_format=_text(body, "subject_format", None) or PERSISTENT,
                recipient=_text(body, "recipient", SIGNIN_URL) or SIGNIN_URL,
                audience=_text(body, "audience", SIGNIN_URL) or SIGNIN_URL,
                attributes=_attributes(body),
                encrypt_for=self._encryption_key(body) if body.get("encrypt") is True else None,
            )
        except BadRequest as error:
            return _error(str(error))
        expires_at = (now + timedelta(seconds=expires_in)).isoformat().replace("+00:00", "Z")
        return _json({"SAMLResponse": response, "expires_at": expires_at})
