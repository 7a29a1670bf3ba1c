"""The control API beside the AWS API: health, reset and the emulated clock.

``/moto-api/reset`` is an alias of reset so suites written for moto's server
mode run unchanged.
"""

from __future__ import annotations

import json
import time
from typing import Any

from werkzeug.wrappers import Request, Response

import ec2sim
from ec2sim import jsonsafe
from ec2sim.api.models import SERVICES
from ec2sim.config import Config
from ec2sim.metadata.identity import signer_for
from ec2sim.store import Store

PREFIXES = ("/_ec2sim/", "/moto-api/")


def _json(data: dict[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(data), status, content_type="application/json")


class ControlApi:
    def __init__(self, store: Store, config: Config) -> None:
        self.store = store
        self.config = config
        self.started = time.monotonic()
        self.routes = {
            ("GET", "/_ec2sim/health"): self.health,
            ("POST", "/_ec2sim/reset"): self.reset,
            ("POST", "/moto-api/reset"): self.reset,
            ("GET", "/_ec2sim/clock"): self.get_clock,
            ("POST", "/_ec2sim/clock"): self.set_clock,
            ("GET", "/_ec2sim/identity-certificate"): self.identity_certificate,
        }

    def handles(self, path: str) -> bool:
        return path.startswith(PREFIXES)

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
        return Response(signer_for(self.store).certificate_pem(), 200, content_type="application/x-pem-file")

    def reset(self, request: Request) -> Response:
        self.store.reset()
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
        return self.get_clock(request)


def _json_body(request: Request) -> Any:
    """The request's JSON body, or None when it is not JSON (never an exception)."""
    try:
        return jsonsafe.loads(request.get_data(cache=False))
    except jsonsafe.JsonError:
        return None


def _field_error(name: str, problem: str) -> Response:
    return _json({"error": f"{name} {problem}", "field": name}, 400)
