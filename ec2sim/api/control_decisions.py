"""``GET /_ec2sim/decisions``: why a request was allowed or denied (`ec2sim.api.decisions`).

- ``?request_id=ID``: that request's decision trace; 404 when the trail has no such request
  (never made, or dropped as the trail's oldest);
- ``?principal=ARN``, ``?decision=allow|deny``, ``?limit=N`` (any of them): the most recent calls
  that match, newest first, in short (`event_view`), at most ``limit`` (default 100, at most 1,000).

Without any of these parameters, 400: there is nothing to answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Request, Response

from ec2sim.api.decisions import decision_view, event_view, principal_matches
from ec2sim.store import Store

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
_DECISIONS = ("allow", "deny")

Route = Callable[[Request], Response]


def _json(data: dict[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(data), status, content_type="application/json")


def _error(message: str, status: int = 400) -> Response:
    return _json({"error": message}, status)


class DecisionsControl:
    def __init__(self, store: Store) -> None:
        self.store = store

    def routes(self) -> dict[tuple[str, str], Route]:
        return {("GET", "/_ec2sim/decisions"): self.decisions}

    def decisions(self, request: Request) -> Response:
        args = request.args
        if "request_id" in args:
            request_id = args["request_id"]
            record = self.store.trail.get(request_id) if request_id else None
            if record is None:
                return _error(f"no decision recorded for request {request_id!r}", 404)
            return _json(decision_view(self.store, record))
        if not any(name in args for name in ("principal", "decision", "limit")):
            return _error("request_id is required (or principal, decision, limit to list recent decisions)")
        decision = args.get("decision")
        if decision is not None and decision not in _DECISIONS:
            return _error("decision must be allow or deny")
        limit = _limit(args.get("limit"))
        if limit is None:
            return _error(f"limit must be a whole number from 1 to {MAX_LIMIT}")
        principal = args.get("principal")
        found: list[dict[str, Any]] = []
        for record in reversed(self.store.trail.records()):
            if len(found) >= limit:
                break
            if (decision is None or record.decision == decision) and (
                principal is None or principal_matches(record, principal)
            ):
                found.append(event_view(record))
        return _json({"decisions": found})


def _limit(text: str | None) -> int | None:
    """The limit asked for (default when none); None for one that isn't a positive whole number.
    Beyond the maximum it is lowered to it."""
    if text is None:
        return DEFAULT_LIMIT
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        return None
    return min(int(text), MAX_LIMIT)
