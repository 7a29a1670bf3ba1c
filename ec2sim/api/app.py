"""The AWS API as one WSGI app: one pass per request.

    control routes (/_ec2sim/*, /moto-api/*) → their own small app
    service: SigV4 credential scope, else the Action (or Version) → service model
    params: decoded by the operation's input shape
    principal → context → handler (under the store lock) → rendered by the output shape
    any AwsError on the way → the protocol's error envelope
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable
from typing import Any

from werkzeug.wrappers import Request, Response

import ec2sim.api.ec2  # noqa: F401 - registers the handlers
import ec2sim.api.iam  # noqa: F401
import ec2sim.api.sts  # noqa: F401
from ec2sim.api.context import RequestContext
from ec2sim.api.control import ControlApi
from ec2sim.api.errors import AwsError, dry_run_ok, internal_error
from ec2sim.api.models import SERVICE_INFO, SERVICES, ServiceInfo
from ec2sim.api.parsing import parse_request
from ec2sim.api.registry import HANDLERS
from ec2sim.api.rendering import renderer_for
from ec2sim.config import Config
from ec2sim.iam.principals import Principal
from ec2sim.iam.sigv4 import CredentialScope, credential_scope
from ec2sim.store import Store

log = logging.getLogger("ec2sim.api")
_ACCOUNT_KEY = re.compile(r"\d{12}")
_VERSIONS = {version: name for name, version in SERVICES.items()}


class ApiApp:
    def __init__(self, store: Store, config: Config) -> None:
        self.store = store
        self.config = config
        self.control = ControlApi(store, config)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        if self.control.handles(request.path):
            response = self.control.dispatch(request)
        else:
            response = self.handle(request)
        return response(environ, start_response)

    def handle(self, request: Request) -> Response:
        started = time.perf_counter()
        request_id = self.store.ids.request_id()
        info, action = SERVICE_INFO["ec2"], "-"
        try:
            params = request.args.to_dict()
            if request.method == "POST":
                params.update(request.form.to_dict())
            action = params.get("Action", "-")
            scope = credential_scope(request.headers, request.args)
            info = self._service(scope, params)
            result = self._call(info, action, params, scope, request, request_id)
            renderer = renderer_for(info)
            body = renderer.body(info.operation(action), info.namespace, request_id, result or {})
            status = 200
        except AwsError as error:
            body, status = renderer_for(info).error_body(error, info.namespace, request_id), error.status
        except Exception:
            log.exception("internal error in %s", action)
            error = internal_error()
            body, status = renderer_for(info).error_body(error, info.namespace, request_id), error.status
        log.info("%s %s %s %d %.1fms", request.method, info.name, action, status,
                 (time.perf_counter() - started) * 1000)
        response = Response(body, status, content_type=renderer_for(info).content_type)
        response.headers["x-amzn-RequestId"] = request_id
        return response

    def _service(self, scope: CredentialScope | None, params: dict[str, str]) -> ServiceInfo:
        """The service by credential scope, else by Version, else by which model has the Action."""
        if scope is not None and scope.service in SERVICE_INFO:
            return SERVICE_INFO[scope.service]
        by_version = _VERSIONS.get(params.get("Version", ""))
        if by_version:
            return SERVICE_INFO[by_version]
        action = params.get("Action", "")
        return next((i for i in SERVICE_INFO.values() if action in i.operation_names), SERVICE_INFO["ec2"])

    def _call(
        self, info: ServiceInfo, action: str, params: dict[str, str], scope: CredentialScope | None,
        request: Request, request_id: str,
    ) -> dict[str, Any] | None:
        if action == "-":
            raise AwsError("MissingAction", "The request must contain the parameter Action")
        if action not in info.operation_names:
            raise AwsError("InvalidAction", f"The action {action} is not valid for this web service.")
        handler = HANDLERS.get((info.name, action))
        if handler is None:
            raise AwsError("Unsupported", f"The action {action} is not yet supported by ec2sim.")
        req = parse_request(info.name, action, params)
        ctx = RequestContext(
            request_id=request_id,
            service=info.name,
            action=action,
            region=scope.region if scope else self.config.region,
            principal=self._principal(scope),
            source_ip=request.remote_addr or "127.0.0.1",
            user_agent=request.headers.get("User-Agent", ""),
            now=self.store.clock.now(),
            store=self.store,
            config=self.config,
        )
        with self.store.lock:
            self.store.run_due(ctx.now)
            if req.get("DryRun"):
                raise dry_run_ok()
            return handler(ctx, req)

    def _principal(self, scope: CredentialScope | None) -> Principal:
        """Until IAM lands: a 12-digit key is that account's root, any other the default's."""
        key = scope.access_key_id if scope else ""
        account = key if _ACCOUNT_KEY.fullmatch(key) else self.config.account_id
        return Principal.root(account, key)
