"""The AWS API as one WSGI app: one pass per request.

control routes (/_ec2sim/*, /moto-api/*) → their own small app
service: SigV4 credential scope, else the Action (or Version) → service model
params: decoded by the operation's input shape
signature checked (no lock) → principal (store lock) → context → under the store lock: resolve (the plan) → authorize → handler
the result → rendered by the output shape, answered straight to the WSGI server (`api.wire`)
any AwsError on the way → the protocol's error envelope
"""

from __future__ import annotations

import io
import logging
import sys
import time
from datetime import datetime
from typing import Any

from ec2sim.access_log import log_request
from ec2sim.api import endpoint_access, registry
from ec2sim.api.authorization import authorize
from ec2sim.api.context import RequestContext
from ec2sim.api.control import ControlApi
from ec2sim.api.errors import AwsError, auth_error, dry_run_ok, internal_error
from ec2sim.api.foreign import unsupported_service
from ec2sim.api.json_protocol import json_error, parse_json
from ec2sim.api.json_protocol import target as json_target
from ec2sim.api.models import SERVICE_INFO, SERVICES, ServiceInfo
from ec2sim.api.parsing import parse_request
from ec2sim.api.rendering import renderer_for
from ec2sim.api.wire import Answer, WireRequest, form_pairs
from ec2sim.config import Config
from ec2sim.iam.authn import AuthenticationError, check_signature, principal_for, record_use
from ec2sim.iam.principals import Principal
from ec2sim.iam.sigv4 import CredentialScope, credential_scope
from ec2sim.store import Store
from ec2sim.store.ec2.geography import is_valid_region
from ec2sim.store.trail import CallRecord, caller_of

log = logging.getLogger("ec2sim.api")
_VERSIONS = {version: name for name, version in SERVICES.items()}
_LARGE = 1 << 18  # bytes: answers from this size on go to the server as a file (`_answer`)
_MAX_AGENT = 1024  # characters of a User-Agent header kept in the trail
# Actions that change no resource they name (durable state; CloudTrail's readOnly).
_READS = ("Describe", "Get", "List", "Lookup")
# The WSGI environ key of the request's RequestContext, once it has one: the access log reads its decision.
CONTEXT_KEY = "ec2sim.context"


class ApiApp:
    def __init__(self, store: Store, config: Config) -> None:
        self.store = store
        self.config = config
        self.control = ControlApi(store, config)

    def handle(self, request: WireRequest) -> Answer:
        started = time.perf_counter()
        request_id = self.store.ids.request_id()
        info, action = SERVICE_INFO["ec2"], "-"
        principal: Principal | None = None
        scope: CredentialScope | None = None
        result: dict[str, Any] | None = None
        failure: AwsError | None = None
        try:
            body = request.body
            query = form_pairs(request.query_string)
            params = dict(query)
            headers = request.headers
            json_call = json_target(headers)  # the JSON protocol: the operation is in a header
            if json_call is None and request.method == "POST" and body:
                params.update(form_pairs(body.decode("utf-8", "replace")))
            action = json_call[1] if json_call is not None else params.get("Action", "-")
            scope = credential_scope(headers, params)
            if (
                json_call is None
                and scope is not None
                and scope.service not in SERVICE_INFO
                and _VERSIONS.get(params.get("Version", "")) is None
            ):
                return self._foreign(request, scope.service, headers, params, request_id, started)
            info = json_call[0] if json_call is not None else self._service(scope, params)
            _check_scope(info, scope)
            region = scope.region if scope else self.config.region
            if _unsigned(info, action):
                principal = Principal.anonymous(self.config.account_id)
            else:
                principal = self._authenticate(info, action, region, request, headers, query, body)
            result = self._call(info, action, params, body, region, principal, request, request_id)
            renderer = renderer_for(info)
            text = renderer.body(info.operation(action), info.namespace, request_id, result or {})
            status = 200
        except AwsError as error:
            failure = error
        except Exception:
            log.exception("internal error in %s", action)
            failure = internal_error()
        if failure is not None:
            if info.protocol == "json":
                failure = json_error(failure)
            text, status = (
                renderer_for(info).error_body(failure, info.namespace, request_id),
                failure.status_for(info.name),
            )
        context = request.environ.get(CONTEXT_KEY)
        if not isinstance(context, RequestContext):
            context = None
        self.store.trail.add(
            call_record(
                request,
                request_id,
                context.now if context is not None else self.store.clock.now(),
                info.name,
                action,
                scope,
                principal,
                context,
                result,
                failure,
                status,
            )
        )
        log_request(
            log,
            request.method,
            info.name,
            action,
            status,
            started,
            request_id=request_id,
            principal=principal.arn if principal is not None else "-",
            decision=context.decision if context is not None else "-",
        )
        return _answer(request.environ, text, status, renderer_for(info).content_type, request_id)

    def _foreign(
        self,
        request: WireRequest,
        service: str,
        headers: dict[str, str],
        params: dict[str, str],
        request_id: str,
        started: float,
    ) -> Answer:
        """A request signed for a service ec2sim does not serve (S3, say): 400, in its own protocol.
        (A request that names a served API version but is signed for another service is an STS, IAM or
        EC2 request with a wrong signature, answered as such by `_check_scope`.)"""
        body, response_headers = unsupported_service(service, sorted(SERVICES), headers, params, request_id)
        log_request(
            log, request.method, service, params.get("Action", "-"), 400, started, request_id=request_id
        )
        data = body.encode() if isinstance(body, str) else body
        answer_headers = [*response_headers.items(), ("Content-Length", str(len(data)))]
        return Answer(400, [*answer_headers, ("x-amzn-RequestId", request_id)], [data])

    def _authenticate(
        self,
        info: ServiceInfo,
        action: str,
        region: str,
        request: WireRequest,
        headers: dict[str, str],
        query: list[tuple[str, str]],
        body: bytes,
    ) -> Principal:
        strict = self.config.strict_credentials
        try:
            signature = check_signature(
                self.store, strict, request.method, request.path, query, headers, body
            )
            with self.store.lock:
                now = self.store.clock.now()
                principal = principal_for(self.store, self.config.account_id, strict, now, signature)
                record_use(
                    self.store, principal, info.name, registry.tracked_action(info.name, action), region, now
                )
                self.store.commit(changed=False)  # an account that appeared on first use: no resources
                return principal
        except AuthenticationError as error:
            raise auth_error(info.name, error) from None

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
        self,
        info: ServiceInfo,
        action: str,
        params: dict[str, str],
        body: bytes,
        region: str,
        principal: Principal,
        request: WireRequest,
        request_id: str,
    ) -> dict[str, Any] | None:
        if action == "-":
            raise AwsError("MissingAction", "The request must contain the parameter Action")
        if action not in info.operation_names:
            raise AwsError("InvalidAction", f"The action {action} is not valid for this web service.")
        operation = registry.operation(info.name, action)  # its module loads on first call
        if operation is None:
            raise AwsError("Unsupported", f"The action {action} is not yet supported by ec2sim.")
        if info.protocol == "json":
            req = parse_json(info.name, action, body)
        else:
            req = parse_request(info.name, action, params)
        ctx = RequestContext(
            request_id=request_id,
            service=info.name,
            action=action,
            region=region,
            principal=principal,
            source_ip=request.remote_addr or "127.0.0.1",
            user_agent=request.headers.get("user-agent", ""),
            now=self.store.clock.now(),
            store=self.store,
            config=self.config,
            secure=request.scheme == "https",
            params=req,
        )
        request.environ[CONTEXT_KEY] = ctx
        via = request.headers.get(endpoint_access.HEADER.lower())
        if via and not endpoint_access.trusted(request.remote_addr):
            via = None  # believed only from this machine
        with self.store.lock:
            try:
                self.store.run_due(ctx.now)
                if via:
                    ctx.via_endpoint = endpoint_access.resolve(ctx, via)
                plan = operation.plan(ctx, req)  # resolve once; its errors wait for authorization
                authorize(ctx, plan)
                if req.get("DryRun"):
                    raise dry_run_ok()
                if plan.error is not None:
                    raise plan.error
                result = operation.handler(ctx, req, plan)
                if not action.startswith(_READS):
                    self.store.changed_within(plan)  # tags, rules, grants edited in place on its resources
                return result
            finally:
                # durable state: saved before the answer (nothing changed: no-op); reads leave
                # the generation (and so DescribeInstances' rendered instances) alone
                self.store.commit(changed=not action.startswith(_READS))


def call_record(
    request: WireRequest,
    request_id: str,
    now: datetime,
    service: str,
    action: str,
    scope: CredentialScope | None,
    principal: Principal | None,
    ctx: RequestContext | None,
    result: dict[str, Any] | None,
    failure: AwsError | None,
    status: int,
) -> CallRecord:
    """The trail's record of one answered request (`ec2sim.store.trail`)."""
    secure = request.scheme == "https"
    return CallRecord(
        request_id=request_id,
        event_id=None,  # drawn from the request id (`CallRecord.event_id`)
        time=now,
        service=service,
        action=action,
        region=ctx.region if ctx is not None else scope.region if scope is not None else "",
        # Interned: a client sends the same few of these on every call, and the trail keeps 100,000.
        source_ip=sys.intern(request.remote_addr or "127.0.0.1"),
        user_agent=sys.intern(request.headers.get("user-agent", "")[:_MAX_AGENT]),
        status=status,
        access_key_id=principal.access_key_id
        if principal is not None and principal.access_key_id
        else scope.access_key_id
        if scope is not None
        else "",
        read_only=action.startswith(_READS),
        params=ctx.params if ctx is not None else None,
        # A read answers what is already stored; CloudTrail records no responseElements for it.
        result=result if failure is None and not action.startswith(_READS) else None,
        error_code=failure.code if failure is not None else "",
        error_message=failure.message if failure is not None else "",
        decision=ctx.decision if ctx is not None else "-",
        checks=tuple(ctx.checks) if ctx is not None else (),
        via_endpoint=ctx.via_endpoint.endpoint_id if ctx is not None and ctx.via_endpoint else "",
        secure=secure,
        host=request.host if secure else "",  # shown only in an HTTPS call's tlsDetails
        caller=None
        if principal is None
        else caller_of(
            principal.account_id,
            principal.kind,
            principal.arn,
            principal.user_id,
            principal.name,
            principal.credential,
        ),
    )


def _unsigned(info: ServiceInfo, action: str) -> bool:
    """An operation AWS serves without credentials (the model's ``authtype: none``:
    AssumeRoleWithWebIdentity, AssumeRoleWithSAML): the token or assertion it carries is the
    authentication, and a signature sent anyway is not looked at."""
    return action in info.operation_names and info.operation(action).auth_type == "none"


def _check_scope(info: ServiceInfo, scope: CredentialScope | None) -> None:
    """A signature must be scoped to a real region and to the service that answers."""
    if scope is None:
        return
    if scope.service != info.name:
        problem = f"Credential should be scoped to correct service: '{info.name}'. "
    elif not is_valid_region(scope.region):
        problem = "Credential should be scoped to a valid region. "
    else:
        return
    raise auth_error(info.name, AuthenticationError("mismatch", problem))


def _answer(
    environ: dict[str, Any], text: str | bytes, status: int, content_type: str, request_id: str
) -> Answer:
    """The answer; a large one (DescribeInstances of 1,000 instances: 4 MB) handed to the server
    as a file (``wsgi.file_wrapper``), which it sends from without first copying it into its
    own buffer (waitress writes an answer past 1 MB to a temporary file and reads it back)."""
    data = text if isinstance(text, bytes) else text.encode()
    headers = [
        ("Content-Type", content_type),
        ("Content-Length", str(len(data))),
        ("x-amzn-RequestId", request_id),
    ]
    wrapper = environ.get("wsgi.file_wrapper")
    if wrapper is None or len(data) < _LARGE:
        return Answer(status, headers, [data])
    return Answer(status, headers, wrapper(io.BytesIO(data)))
