"""The IMDS: its routes, instance addressing, IMDSv2 token checks (`ec2sim.web.create_metadata_app`
serves them as a Flask application).

Every path exists twice: at the root (the instance `InstanceLocator.root` picks)
and under ``/i-…/`` for any instance. Statuses as IMDS gives them: 400 for a
token PUT without a valid TTL, 401 for a missing (when tokens are required),
invalid or expired token, 403 for a PUT through a proxy (X-Forwarded-For) and
for everything while HttpEndpoint is disabled, 404 for what does not exist.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from werkzeug.routing import BaseConverter, Rule
from werkzeug.wrappers import Request, Response

from ec2sim.access_log import log_request
from ec2sim.config import Config
from ec2sim.metadata.addressing import InstanceLocator
from ec2sim.metadata.credentials import RoleCredentialCache
from ec2sim.metadata.identity import signer_for
from ec2sim.metadata.tokens import TOKEN_HEADER, TTL_HEADER, TokenIssuer, parse_ttl
from ec2sim.metadata.versions import VERSIONS
from ec2sim.store import Store

_ERROR_PAGE = (
    '<?xml version="1.0" encoding="iso-8859-1"?>\n'
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"\n'
    '\t"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
    '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">\n'
    " <head>\n  <title>{0}</title>\n </head>\n <body>\n  <h1>{0}</h1>\n </body>\n</html>\n"
)
_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
}

log = logging.getLogger("ec2sim.imds")
# The WSGI environ key of the instance a request reached: the access log's principal.
INSTANCE_KEY = "ec2sim.instance_id"


class _InstanceId(BaseConverter):
    regex = r"i-[0-9a-f]{8,17}"


class _Version(BaseConverter):
    regex = "|".join(v.replace(".", r"\.") for v in VERSIONS)


def _rules() -> list[Rule]:
    """Each route at the root and under an instance id."""
    rules = []
    for prefix in ("", "/<instance:instance_id>"):
        rules += [
            Rule(prefix + "/", endpoint="versions", methods=["GET"]),
            Rule(prefix + "/latest/api/token", endpoint="token", methods=["PUT"]),
            Rule(prefix + "/<version:version>/", endpoint="metadata", methods=["GET"], defaults={"path": ""}),
            Rule(prefix + "/<version:version>/<path:path>", endpoint="metadata", methods=["GET"]),
        ]
    return rules


RULES = _rules()
CONVERTERS: dict[str, type[BaseConverter]] = {"instance": _InstanceId, "version": _Version}


def error_page(status: int) -> Response:
    """IMDS's own error page (its 404 for a path no rule takes too)."""
    status = status if status in _REASONS else 404
    title = f"{status} - {_REASONS[status]}"
    return Response(_ERROR_PAGE.format(title), status, content_type="text/html")


class TextAnswer:
    """A 200 answer of text (or bytes) as a WSGI application: the status line and headers werkzeug's
    `Response` would send, without building one (that was most of a credential fetch's time)."""

    __slots__ = ("_body", "_headers")
    status_code = 200

    def __init__(self, body: str | bytes, headers: dict[str, str] | None = None) -> None:
        kind = "application/octet-stream" if isinstance(body, bytes) else "text/plain"
        self._body = body if isinstance(body, bytes) else body.encode()
        self._headers = [
            *(headers or {}).items(),
            ("Content-Type", kind),
            ("Content-Length", str(len(self._body))),
        ]

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", list(self._headers))
        return [self._body]


Answer = Response | TextAnswer


class MetadataApp:
    def __init__(self, store: Store, config: Config) -> None:
        self.store = store
        self.config = config
        self.locator = InstanceLocator(store, config)
        self.tokens = TokenIssuer()
        self.credentials = RoleCredentialCache(store, config.role_credential_seconds)
        self.signer = signer_for(store)

    def serve(self, request: Request, endpoint: str, args: Mapping[str, Any]) -> Answer:
        """The answer to a request a rule of `RULES` matched (`endpoint`, its `args`)."""
        with self.store.lock:
            try:
                return self._dispatch(request, endpoint, args)
            finally:
                # Credentials issued, events run (which move the generation themselves): saved before
                # the answer; no EC2 resource changed here, so cached DescribeInstances items stay.
                self.store.commit(changed=False)

    def log(self, request: Request, response: Answer, started: float) -> None:
        instance_id = request.environ.get(INSTANCE_KEY, "-")
        log_request(
            log, request.method, "imds", request.path, response.status_code, started, principal=instance_id
        )

    def _dispatch(self, request: Request, endpoint: str, args: Mapping[str, Any]) -> Answer:
        now = self.store.clock.now()
        self.store.run_due(now)
        located = (
            self.locator.find(args["instance_id"])
            if "instance_id" in args
            else self.locator.root(self._base_url(request))
        )
        if located is None:
            return error_page(404)
        if isinstance(located, str):
            return Response(located, 404, content_type="text/plain")
        region, instance = located
        request.environ[INSTANCE_KEY] = instance.id
        options = instance.metadata_options
        if options.get("HttpEndpoint") == "disabled":
            return error_page(403)
        if endpoint == "token":
            return self._token(request, instance.id, now)
        token = request.headers.get(TOKEN_HEADER)
        remaining = self.tokens.remaining(token, instance.id, now) if token is not None else None
        if remaining is None and (token is not None or options.get("HttpTokens") == "required"):
            return error_page(401)
        ttl_header = None if remaining is None else {TTL_HEADER: str(remaining)}
        if endpoint == "versions":
            return TextAnswer("\n".join(VERSIONS), ttl_header)
        from ec2sim.metadata.tree import VERSION, Context, resolve  # with the store's record types

        ctx = Context(
            region,
            instance,
            self.store.account(instance.owner_id).iam,
            now,
            "1.0" if remaining is None else "2.0",
            self.credentials,
            self.signer,
        )
        body = resolve(VERSION, [s for s in args["path"].split("/") if s], ctx)
        if body is None:
            return error_page(404)
        return TextAnswer(body, ttl_header)

    def _base_url(self, request: Request) -> str:
        """How the client reached us, for the root's hint: its Host, or (when that is not a valid
        host, which Werkzeug reads as empty) this listener's own address."""
        if request.host:
            return request.host_url.rstrip("/")
        return f"http://{self.config.imds_host}:{request.environ.get('SERVER_PORT', self.config.imds_port)}"

    def _token(self, request: Request, instance_id: str, now: datetime) -> Answer:
        if "X-Forwarded-For" in request.headers:
            return error_page(403)
        ttl = parse_ttl(request.headers.get(TTL_HEADER))
        if ttl is None:
            return error_page(400)
        token = self.tokens.issue(instance_id, now, ttl)
        return TextAnswer(token, {TTL_HEADER: str(ttl)})
