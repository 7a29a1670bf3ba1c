"""The control API beside the AWS API: health, reset and the emulated clock.

``/moto-api/reset`` is an alias of reset so suites written for moto's server
mode run unchanged.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Request, Response

import ec2sim
from ec2sim import jsonsafe
from ec2sim.api.control_decisions import DecisionsControl
from ec2sim.api.control_events import EventStreams
from ec2sim.api.control_oidc import OidcControl
from ec2sim.api.control_policy import PolicyControl
from ec2sim.api.control_saml import SamlControl
from ec2sim.api.models import SERVICES
from ec2sim.config import Config
from ec2sim.store import Store

PREFIXES = ("/_ec2sim/", "/moto-api/")
HEALTH_PATH = "/_ec2sim/health"


def _json(data: dict[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(data), status, content_type="application/json")


class ControlApi:
    def __init__(self, store: Store, config: Config) -> None:
        self.store = store
        self.config = config
        self.reseed: Callable[[Store], None] | None = None  # the seed's, applied again after a reset
        self.started = time.monotonic()
        self.events = EventStreams(store.trail)  # the live event stream; `close` ends its streams
        self.routes = {
            ("GET", HEALTH_PATH): self.health,
            ("POST", "/_ec2sim/reset"): self.reset,
            ("POST", "/moto-api/reset"): self.reset,
            ("GET", "/_ec2sim/clock"): self.get_clock,
            ("POST", "/_ec2sim/clock"): self.set_clock,
            ("GET", "/_ec2sim/identity-certificate"): self.identity_certificate,
            ("GET", "/_ec2sim/state"): self.get_state,
            ("POST", "/_ec2sim/state"): self.set_state,
            **OidcControl(store).routes(),  # the built-in OIDC issuer
            **SamlControl(store).routes(),  # the built-in SAML IdP
            **DecisionsControl(store).routes(),  # why each request was allowed or denied
            **self.events.routes(),
            **PolicyControl(store, config.max_request_bytes).routes(),  # least privilege from the trail
        }

    def close(self) -> None:
        """The server is stopping: end the open event streams (which would hold it up)."""
        self.events.close()

    def dispatch(self, request: Request) -> Response:
        route = self.routes.get((request.method, request.path))
        if route is None:
            known = any(path == request.path for _, path in self.routes)
            return _json({"error": "method not allowed" if known else "not found"}, 405 if known else 404)
        return route(request)

    def health(self, request: Request) -> Response:
        return _json(
            {
                "status": "running",
                "version": ec2sim.__version__,
                "services": sorted(SERVICES),
                "uptime_seconds": round(time.monotonic() - self.started, 3),
            }
        )

    def identity_certificate(self, request: Request) -> Response:
        """The certificate that verifies instance identity documents' signatures (PEM)."""
        from ec2sim.metadata.identity import signer_for

        return Response(signer_for(self.store).certificate_pem(), 200, content_type="application/x-pem-file")

    def reset(self, request: Request) -> Response:
        """Back to the start: the seeded state when the server has a seed (`--config`)."""
        with self.store.lock:
            self.store.reset()
            if self.reseed is not None:
                self.reseed(self.store)
            self.store.commit()
        return _json({"status": "ok"})

    def get_clock(self, request: Request) -> Response:
        clock = self.store.clock
        return _json(
            {"now": clock.now().isoformat().replace("+00:00", "Z"), "offset_seconds": clock.offset_seconds}
        )

    def set_clock(self, request: Request) -> Response:
        """Advance emulated time by ``advance_seconds`` (a finite number >= 0); 400 and no change
        for anything else."""
        body = _json_body(request)
        seconds = body.get("advance_seconds") if isinstance(body, dict) else None
        if not isinstance(seconds, (int, float)) or isinstance(seconds, bool):
            return _field_error("advance_seconds", "must be a number >= 0")
        try:
            self.store.clock.advance(float(seconds))
        except (ValueError, OverflowError) as error:  # NaN, infinities, past the clock's range
            return _field_error("advance_seconds", f"is out of range: {error}")
        with self.store.lock:
            self.store.run_due(self.store.clock.now())
            self.store.commit()
        return self.get_clock(request)

    def get_state(self, request: Request) -> Response:
        """The whole state as one JSON document (`ec2sim.store.persistence`)."""
        from ec2sim.store.persistence import export_state  # with every record class: on first use

        with self.store.lock:
            return _json(export_state(self.store))

    def set_state(self, request: Request) -> Response:
        """Replace the whole state by a document `get_state` gave: all or nothing, 400 naming the
        problem (and no change) for one that isn't. Bodies may be as large as any request's."""
        from ec2sim.store.persistence import StateError, import_state

        try:
            doc = jsonsafe.loads(request.get_data(cache=False), max_size=self.config.max_request_bytes)
        except jsonsafe.JsonError as error:
            return _json({"error": f"the state is not JSON: {error}"}, 400)
        try:
            import_state(self.store, doc)
        except StateError as error:
            return _json({"error": f"invalid state: {error}"}, 400)
        return _json({"status": "ok"})


def _json_body(request: Request) -> Any:
    """The request's JSON body, or None when it is not JSON (never an exception)."""
    try:
        return jsonsafe.loads(request.get_data(cache=False))
    except jsonsafe.JsonError:
        return None


def _field_error(name: str, problem: str) -> Response:
    return _json({"error": f"{name} {problem}", "field": name}, 400)
