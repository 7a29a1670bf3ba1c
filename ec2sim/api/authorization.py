"""Authorizing each request: which IAM actions on which resources, decided by the policy engine.

Each AWS operation is authorized as one or more `Check`s (IAM action, resource
ARN, the condition keys that resource and request carry). Operations without a
rule are checked as ``service:Operation`` on ``*``, which is what AWS does for
actions without resource-level permissions (every EC2 Describe, for example).
Rules live next to their handlers, registered with `@authorizes`.

The account root is never limited by identity policies; sts:GetCallerIdentity and
sts:GetSessionToken need no permission (AWS documents both). sts:AssumeRole is decided by its handler, which evaluates the
caller's identity policies together with the role's trust policy (a trust policy
naming the caller grants without an identity policy). ``--iam-enforcement audit`` logs would-be denials and lets the
request through; ``off`` skips evaluation (signatures are still verified).
"""

from __future__ import annotations

import base64
import json
import logging
import zlib
from collections import ChainMap
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ec2sim.api.context import RequestContext
from ec2sim.api.errors import AwsError
from ec2sim.iam.context_keys import lowered
from ec2sim.iam.policy.engine import EXPLICIT_DENY, AuthRequest, Decision, evaluate
from ec2sim.iam.policy.variables import ContextValue
from ec2sim.iam.principal_policies import applicable_policies

log = logging.getLogger("ec2sim.authz")

DECIDED_ELSEWHERE = frozenset(
    {("sts", "GetCallerIdentity"), ("sts", "GetSessionToken"), ("sts", "AssumeRole")}
)


@dataclass(frozen=True)
class Check:
    """One authorization AWS makes for a request."""

    action: str  # "ec2:RunInstances"
    resource: str = "*"
    context: Mapping[str, ContextValue] = field(default_factory=dict)  # keys as AWS spells them


Rule = Callable[[RequestContext, dict[str, Any]], Iterable[Check]]
_RULES: dict[tuple[str, str], Rule] = {}
_SERVICE_RULES: dict[str, Rule] = {}  # a service's rule for operations without their own


def authorizes(service: str, *operations: str) -> Callable[[Rule], Rule]:
    """Register the checks of `operations` (the function sees the parsed request, under the store lock)."""

    def register(rule: Rule) -> Rule:
        for operation in operations:
            _RULES[(service, operation)] = rule
        return rule

    return register


def authorizes_service(service: str) -> Callable[[Rule], Rule]:
    """Register the rule of every `service` operation that has none of its own."""

    def register(rule: Rule) -> Rule:
        _SERVICE_RULES[service] = rule
        return rule

    return register


def checks_for(ctx: RequestContext, req: dict[str, Any]) -> list[Check]:
    rule = _RULES.get((ctx.service, ctx.action)) or _SERVICE_RULES.get(ctx.service)
    if rule is None:
        return [Check(f"{ctx.service}:{ctx.action}")]
    return list(rule(ctx, req))


@dataclass(frozen=True)
class Denial:
    check: Check
    decision: Decision
    context: dict[str, ContextValue]


def first_denial(ctx: RequestContext, checks: Iterable[Check]) -> Denial | None:
    """The first check the caller's policies don't allow, if any."""
    policies = applicable_policies(ctx.store, ctx.principal)
    base = ctx.global_keys
    for check in checks:
        context = ChainMap(lowered(check.context), base) if check.context else base
        request = AuthRequest(check.action, check.resource, context)
        decision = evaluate(request, policies.identity, boundary=policies.boundary, session=policies.session)
        if not decision.allowed:
            return Denial(check, decision, {**ctx.condition_keys(), **check.context})
    return None


def authorize(ctx: RequestContext, req: dict[str, Any]) -> None:
    """Raise the service's access-denied error unless the caller may make this request."""
    mode = ctx.config.iam_enforcement
    if mode == "off" or ctx.principal.kind == "root" or (ctx.service, ctx.action) in DECIDED_ELSEWHERE:
        return
    denial = first_denial(ctx, checks_for(ctx, req))
    if denial is None:
        return
    reason = denial.decision.explanation(denial.check.action)
    log.info(
        "denied: principal=%s action=%s resource=%s reason=%s%s",
        ctx.principal.arn,
        denial.check.action,
        denial.check.resource,
        reason,
        " (audit: allowed)" if mode == "audit" else "",
    )
    if mode != "audit":
        raise denied_error(ctx, denial)


def denied_error(ctx: RequestContext, denial: Denial) -> AwsError:
    """Service-worded denial. EC2 names no resource and encodes no message for actions on ``*``
    (every Describe*); IAM and STS always name the resource, ``*`` included."""
    principal, check = ctx.principal, denial.check
    reason = denial.decision.explanation(check.action)
    if ctx.service != "ec2":
        return AwsError(
            "AccessDenied",
            f"User: {principal.arn} is not authorized to perform: {check.action} on resource: {check.resource} {reason}",
        )
    prefix = f"You are not authorized to perform this operation. User: {principal.arn} is not authorized to perform: {check.action}"
    if check.resource == "*":
        return AwsError("UnauthorizedOperation", f"{prefix} {reason}")
    return AwsError(
        "UnauthorizedOperation",
        f"{prefix} on resource: {check.resource} {reason}. "
        f"Encoded authorization failure message: {encode_message(ctx, denial)}",
    )


# The encoded authorization message (sts:DecodeAuthorizationMessage) -------------------------------

_MESSAGE_PREFIX = "ec2sim1."


def _items(values: Iterable[Any]) -> dict[str, Any]:
    return {"items": [{"value": v} for v in values]}


def _statement(matched: Any, principal_id: str) -> dict[str, Any]:
    """A matched statement as AWS's decoded message shows it (CLI decode-authorization-message example)."""
    statement = matched.statement
    return {
        "statementId": statement.sid or "",
        "effect": statement.effect.upper(),
        "principals": _items([principal_id]),
        "principalGroups": {"items": []},
        "actions": _items(statement.actions or ()),
        "resources": _items(statement.resources or ()),
        "conditions": {
            "items": [
                {"key": c.key, "values": _items(str(v) for v in c.values)} for c in statement.conditions
            ]
        },
    }


def _resource_keys(ctx: RequestContext, resource: str) -> dict[str, ContextValue]:
    """The aws:* keys AWS adds for the resource checked: ``aws:Resource`` is the ARN's resource part."""
    keys: dict[str, ContextValue] = {"aws:Service": ctx.service, "aws:Region": ctx.region}
    parts = resource.split(":", 5)
    if len(parts) == 6 and parts[0] == "arn":
        keys.update(
            {
                "aws:Resource": parts[5],
                "aws:Account": parts[4],
                "aws:Type": parts[5].split("/", 1)[0],
                "aws:ARN": resource,
            }
        )
    return keys


def _principal_view(principal: Any) -> dict[str, str]:
    """Assumed-role sessions show no name (their id already carries the session name)."""
    if principal.kind == "assumed-role":
        return {"id": principal.user_id, "arn": principal.arn}
    return {"id": principal.user_id, "name": principal.name or principal.account_id, "arn": principal.arn}


def authorization_document(ctx: RequestContext, denial: Denial) -> dict[str, Any]:
    """The JSON DecodeAuthorizationMessage returns, in the shape AWS documents."""
    principal, check = ctx.principal, denial.check
    principal_id = principal.user_id.split(":", 1)[0]
    keys = {**_resource_keys(ctx, check.resource), **denial.context}
    conditions = [
        {"key": key, "values": _items(value if isinstance(value, (list, tuple)) else [value])}
        for key, value in sorted(keys.items())
    ]
    return {
        "allowed": False,
        "explicitDeny": denial.decision.decision == EXPLICIT_DENY,
        "matchedStatements": {
            "items": [_statement(m, principal_id) for m in denial.decision.matched_statements]
        },
        "failures": {"items": []},
        "context": {
            "principal": _principal_view(principal),
            "action": check.action.split(":", 1)[1],
            "resource": check.resource,
            "conditions": {"items": conditions},
        },
    }


def encode_message(ctx: RequestContext, denial: Denial) -> str:
    raw = json.dumps(authorization_document(ctx, denial), separators=(",", ":")).encode()
    return _MESSAGE_PREFIX + base64.urlsafe_b64encode(zlib.compress(raw)).decode().rstrip("=")


def decode_message(message: str) -> str:
    """The JSON text of an encoded message, or STS's InvalidAuthorizationMessageException."""
    if message.startswith(_MESSAGE_PREFIX):
        body = message[len(_MESSAGE_PREFIX) :]
        try:
            return zlib.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))).decode()
        except (ValueError, zlib.error):
            pass
    raise AwsError("InvalidAuthorizationMessageException", "Invalid authorization message")
