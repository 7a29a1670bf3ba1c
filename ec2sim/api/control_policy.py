"""Least-privilege control routes (`ec2sim.api.least_privilege`), beside the AWS API.

- ``GET /_ec2sim/policy?principal=ARN[&since=T][&until=T][&conditions=true]``: the policy that
  allows exactly what ``principal``'s recorded calls needed, as IAM JSON. Headers tell how it was
  made: ``X-Ec2sim-Policy-Calls`` and ``-Checks`` (what it was verified against), ``-Size`` (as IAM
  counts it) and, when there is something to know, ``-Notes`` (e.g. past the managed-policy size).
- ``POST /_ec2sim/policy/check?principal=ARN[&since=T][&until=T]``, a policy document as the body:
  a JSON list of the recorded calls it would deny, each at its first denied check (request id,
  time, operation, action, resource, decision, reason, the denying statements' Sids).
Times are ISO 8601 (UTC unless they say otherwise), on the emulated clock, inclusive. Bad input
answers 400, no recorded call 404, with ``{"error": ...}``; a generated policy that fails its
own verification (a bug) 500.

Policy generation and the engine it verifies with load on the first of these requests.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from werkzeug.wrappers import Request, Response

from ec2sim.store import Store

Route = Callable[[Request], Response]
_TRUE, _FALSE = frozenset({"true", "1", "yes"}), frozenset({"false", "0", "no", ""})


class BadRequest(ValueError):
    """Input the routes refuse: answered 400 with its message."""


def _json(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data, indent=2), status, content_type="application/json")


def _window(request: Request) -> tuple[str, datetime | None, datetime | None]:
    """The principal and the time range the request names."""
    from ec2sim.api.least_privilege import parse_time

    principal = request.args.get("principal", "").strip()
    if not principal.startswith("arn:"):
        raise BadRequest("principal must be the ARN of a user, role, role session or federated user")
    bounds: list[datetime | None] = []
    for name in ("since", "until"):
        text = request.args.get(name)
        try:
            bounds.append(parse_time(text) if text else None)
        except ValueError:
            raise BadRequest(f"{name} must be an ISO 8601 time, not {text!r}") from None
    return principal, bounds[0], bounds[1]


class PolicyControl:
    def __init__(self, store: Store, max_body: int) -> None:
        self.store = store
        self.max_body = max_body

    def routes(self) -> dict[tuple[str, str], Route]:
        return {("GET", "/_ec2sim/policy"): self.generate, ("POST", "/_ec2sim/policy/check"): self.check}

    def generate(self, request: Request) -> Response:
        from ec2sim.api.least_privilege import recorded_policy
        from ec2sim.iam.policy.generate import GenerationError, NothingRecorded

        try:
            principal, since, until = _window(request)
            flag = request.args.get("conditions", "false").lower()
            if flag not in _TRUE | _FALSE:
                raise BadRequest(f"conditions must be true or false, not {flag!r}")
            policy = recorded_policy(self.store, principal, since, until, conditions=flag in _TRUE)
        except BadRequest as error:
            return _json({"error": str(error)}, 400)
        except NothingRecorded:
            return _json({"error": f"no recorded call of {principal} needed a permission"}, 404)
        except GenerationError as error:  # the policy failed its own verification: ec2sim's bug
            return _json({"error": f"ec2sim could not generate a verified policy (a bug): {error}"}, 500)
        response = _json(policy.document)
        response.headers["X-Ec2sim-Policy-Calls"] = str(policy.calls)
        response.headers["X-Ec2sim-Policy-Checks"] = str(policy.checks)
        response.headers["X-Ec2sim-Policy-Size"] = str(policy.size)
        if policy.notes:
            response.headers["X-Ec2sim-Policy-Notes"] = "; ".join(policy.notes)
        return response

    def check(self, request: Request) -> Response:
        from ec2sim.api.least_privilege import check_policy
        from ec2sim.iam.policy.grammar import PolicyError

        try:
            principal, since, until = _window(request)
            body = request.get_data(cache=False)
            if len(body) > self.max_body:
                raise BadRequest(f"the policy is larger than {self.max_body} bytes")
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                raise BadRequest("the policy is not UTF-8") from None
            denied = check_policy(self.store, principal, text, since, until)
        except BadRequest as error:
            return _json({"error": str(error)}, 400)
        except PolicyError as error:
            return _json({"error": f"the policy is not one IAM accepts: {error}"}, 400)
        return _json([call.to_json() for call in denied])
