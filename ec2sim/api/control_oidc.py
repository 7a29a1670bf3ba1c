"""The built-in OIDC issuer's control routes (`ec2sim.iam.oidc_issuer`), beside the AWS API.

- ``GET /_ec2sim/oidc/.well-known/openid-configuration``: the discovery document;
- ``GET /_ec2sim/oidc/jwks.json``: the issuer's public keys;
- ``POST /_ec2sim/oidc/token``: a signed ID token. The body is a JSON object of claims (``sub``,
  ``aud``, any others; ``iss`` defaults to ``https://oidc.ec2sim.local``, ``iat`` to now on the
  emulated clock) and ``expires_in`` (seconds, default 3600; ``exp`` = ``iat`` + it). Answers
  ``{"token", "issuer", "expires_at"}``;
- ``POST /_ec2sim/oidc/provider-keys``: ``{"provider_arn": ARN, "jwks": {"keys": [...]}}`` gives an
  IAM OIDC provider keys of its own (a test signing tokens with its own key); ``"jwks": null``
  returns it to the built-in issuer's keys.
Bad input answers 400 (404 for a provider that doesn't exist) with ``{"error": ...}``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from werkzeug.wrappers import Request, Response

from ec2sim import jsonsafe
from ec2sim.iam import oidc_issuer
from ec2sim.store import Store
from ec2sim.store.resources import OIDC_PROVIDER, parse_arn

Route = Callable[[Request], Response]
MAX_EXPIRES_IN = 10 * 365 * 24 * 3600  # ten years either way: any lifetime a test wants


def _json(data: dict[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(data), status, content_type="application/json")


def _error(message: str, status: int = 400) -> Response:
    return _json({"error": message}, status)


def _body(request: Request) -> dict[str, Any] | None:
    try:
        body = jsonsafe.loads(request.get_data(cache=False))
    except jsonsafe.JsonError:
        return None
    return body if isinstance(body, dict) else None


class OidcControl:
    def __init__(self, store: Store) -> None:
        self.store = store

    def routes(self) -> dict[tuple[str, str], Route]:
        root = oidc_issuer.CONTROL_PATH
        return {
            ("GET", f"{root}/.well-known/openid-configuration"): self.discovery,
            ("GET", f"{root}/jwks.json"): self.jwks,
            ("POST", f"{root}/token"): self.token,
            ("POST", f"{root}/provider-keys"): self.provider_keys,
        }

    def discovery(self, request: Request) -> Response:
        return _json(oidc_issuer.discovery(request.host_url))

    def jwks(self, request: Request) -> Response:
        return _json(oidc_issuer.jwks(self.store))

    def token(self, request: Request) -> Response:
        claims = _body(request)
        if claims is None:
            return _error("the body must be a JSON object of claims")
        expires_in = claims.pop("expires_in", 3600)
        if (
            not isinstance(expires_in, int)
            or isinstance(expires_in, bool)
            or abs(expires_in) > MAX_EXPIRES_IN
        ):
            return _error(
                f"expires_in must be an integer number of seconds, at most {MAX_EXPIRES_IN} either way"
            )
        now = self.store.clock.now()
        token = oidc_issuer.mint(self.store, claims, now, expires_in)
        return _json(
            {
                "token": token,
                "issuer": claims.get("iss", oidc_issuer.ISSUER),
                "expires_at": (now + timedelta(seconds=expires_in)).isoformat().replace("+00:00", "Z"),
            }
        )

    def provider_keys(self, request: Request) -> Response:
        body = _body(request)
        arn = body.get("provider_arn") if body is not None else None
        if body is None or not isinstance(arn, str) or "jwks" not in body:
            return _error('the body must be {"provider_arn": ARN, "jwks": {"keys": [...]} or null}')
        jwks = body["jwks"]
        text = None
        if jwks is not None:
            from ec2sim.iam.web_identity import parse_jwks  # with the providers' records: on first use

            text = json.dumps(jwks)
            try:
                parse_jwks(text)
            except ValueError as error:
                return _error(str(error))
        parsed = parse_arn(arn)
        with self.store.lock:
            iam = self.store.iam.accounts.get(parsed.account) if parsed is not None else None
            provider = iam.oidc_providers.get(arn) if iam is not None else None
            if iam is None or provider is None:
                return _error(OIDC_PROVIDER.not_found_message(arn)[1], 404)
            iam.set_oidc_provider(self.store.clock.now(), provider, jwks=text)
            self.store.commit()
        return _json({"status": "ok", "provider_arn": arn})
