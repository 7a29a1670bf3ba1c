"""Authorizing each request: which IAM actions on which resources, decided by the policy engine.

Each AWS operation is authorized as one or more `Check`s (IAM action, resource
ARN, the condition keys that resource and request carry), which come from the
operation's `Plan`: the operation's resolver (registered beside its handler, see
`registry`) finds every resource the request names, once, and the plan yields the
checks on them; the handler then applies the same plan. An operation without
resource-level permissions says so (`NO_RESOURCES`: ``service:Operation`` on ``*``).

A check may carry a resource-based policy that must allow whatever the
identity-based policies say (a role's trust policy, for sts:AssumeRole). Every
decision is taken here, in `authorize`, the same way for every action:

- ``on``: identity-based policies (within the permissions boundary and session
  policies) and the check's resource-based policy decide together;
- ``audit``: the same evaluation, but a denial is only logged, unless ``off``
  would refuse the request too;
- ``off``: identity-based policies are not evaluated; a resource-based policy
  that must allow still decides, alone (signatures are verified in every mode).

The account root is never limited by identity policies: it is decided as in ``off``; so is the
sender of an unsigned AssumeRoleWithWebIdentity, who has none (its plan decides the trust policy).

The policy engine and the principals' policies load with the first request that evaluates a policy
(`_decide`, `first_denial`): the root's requests and unenforced ones never need them.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import logging
import zlib
from collections import ChainMap
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from ec2sim.api.context import RequestContext
from ec2sim.api.errors import AwsError
from ec2sim.iam.context_keys import lowered
from ec2sim.iam.owners import principal_role
from ec2sim.iam.policy.outcomes import EXPLICIT_DENY
from ec2sim.iam.policy.variables import ContextValue
from ec2sim.store.resources import parse_arn
from ec2sim.store.trail import CheckTrace, StatementRef

if TYPE_CHECKING:
    from ec2sim.iam.policy.document import PolicyDocument
    from ec2sim.iam.policy.engine import Decision, MatchedStatement
    from ec2sim.iam.policy.matching import PrincipalFacts
    from ec2sim.iam.principal_policies import ApplicablePolicies

log = logging.getLogger("ec2sim.authz")


@dataclass(frozen=True)
class Check:
    """One authorization AWS makes for a request. ``resource_policy``: a resource-based policy that
    must allow the caller (a role's trust policy), owned by ``resource_account``; when it isn't the
    caller's account, the caller's identity-based policies must allow too (cross-account)."""

    action: str  # "ec2:RunInstances"
    resource: str = "*"
    context: Mapping[str, ContextValue] = field(default_factory=dict)  # keys as AWS spells them
    resource_policy: PolicyDocument | None = None
    resource_account: str = ""


class Plan:
    """What a request resolves to: its checks, and the first error (lookup, validation) the
    handler must raise, in AWS's order, once the caller is authorized. Families subclass it to
    carry what they resolved; `checks` is only called when a decision needs it."""

    error: AwsError | None = None
    # Its checks may carry a resource-based policy that must allow: decided in every mode, for
    # the root user too (see `authorize`).
    resource_policies: bool = False
    # Checks the resolver decided itself (the trust policy of the unsigned AssumeRoleWith* calls),
    # for the request's record: see `plan_decided`.
    traces: tuple[CheckTrace, ...] = ()

    def checks(self, ctx: RequestContext) -> Iterable[Check]:
        return ()

    def fail(self, error: AwsError) -> None:
        """Record `error` unless an earlier one is (the first in AWS's order wins)."""
        if self.error is None:
            self.error = error


# `req` is the operation's request TypedDict (types_boto3_*), which `dict[str, Any]` would refuse.
Resolver = Callable[[RequestContext, Any], Plan]


class _Unscoped(Plan):
    def checks(self, ctx: RequestContext) -> Iterable[Check]:
        return (Check(f"{ctx.service}:{ctx.action}"),)


_UNSCOPED = _Unscoped()


def NO_RESOURCES(ctx: RequestContext, req: dict[str, Any]) -> Plan:  # noqa: N802 - reads as a constant
    """The resolver of an operation without resource-level permissions: ``service:Operation`` on ``*``."""
    return _UNSCOPED


_NO_CHECKS = Plan()


def NO_PERMISSION(ctx: RequestContext, req: dict[str, Any]) -> Plan:  # noqa: N802 - reads as a constant
    """The resolver of an operation that needs no permission and that no policy can deny
    (sts:GetCallerIdentity, sts:GetSessionToken): its plan has no checks."""
    return _NO_CHECKS


def checks_for(ctx: RequestContext, plan: Plan) -> list[Check]:
    return list(plan.checks(ctx))


@dataclass(frozen=True)
class Denial:
    check: Check
    decision: Decision
    context: dict[str, ContextValue]


def _caller(ctx: RequestContext) -> PrincipalFacts:
    """The caller as resource-based policies see it (a role session also by its role's ARN)."""
    from ec2sim.iam.policy.matching import PrincipalFacts

    principal = ctx.principal
    role = principal_role(ctx.iam, principal)
    return PrincipalFacts(principal.account_id, principal.arn, role.arn if role else "")


def _decide(
    ctx: RequestContext,
    check: Check,
    policies: ApplicablePolicies | None,
    context: Mapping[str, ContextValue],
) -> Decision:
    """One check; ``policies`` None: identity-based policies are not evaluated (they don't limit)."""
    from ec2sim.iam.policy.engine import AuthRequest, PolicySource, evaluate
    from ec2sim.iam.principal_policies import ApplicablePolicies

    mine = policies if policies is not None else ApplicablePolicies()
    if check.resource_policy is None:
        request = AuthRequest(check.action, check.resource, context)
        one = partial(evaluate, request, mine.identity, boundary=mine.boundary)
    else:
        caller = _caller(ctx)
        request = AuthRequest(check.action, check.resource, context, caller, check.resource_account)
        one = partial(
            evaluate,
            request,
            mine.identity,
            boundary=mine.boundary,
            resource_policies=(PolicySource("trust-policy", "resource", check.resource_policy),),
            is_root=policies is None or caller.is_root,
            require_resource_allow=True,
        )
    decision = one(session=mine.session)
    for layer in mine.scopes:  # each scope-down layer as the session's policies: all must allow
        if not decision.allowed:
            break
        before = decision.stage_allows
        decision = one(session=layer)
        if decision.allowed:  # every layer's Allows took part (for the request's record)
            added = tuple(m for m in decision.stage_allows if m not in before)
            decision = dataclasses.replace(decision, stage_allows=before + added)
    return decision


def _context(ctx: RequestContext, check: Check) -> Mapping[str, ContextValue]:
    """The condition keys `check` is decided with: its own over the request's global keys."""
    base = ctx.global_keys
    # ChainMap only reads `base` (typed Mapping), so no MutableMapping is needed.
    return ChainMap(lowered(check.context), base) if check.context else base  # type: ignore[arg-type]


def first_denial(
    ctx: RequestContext, checks: Iterable[Check], identity: bool = True, trace: list[CheckTrace] | None = None
) -> Denial | None:
    """The first check the caller's policies don't allow, if any. Without ``identity``, only the
    checks carrying a resource-based policy are decided, by that policy alone. ``trace`` gets each
    check with its decision (the checks after a denial, and those not decided, unevaluated)."""
    from ec2sim.iam.principal_policies import applicable_policies, cached_entry

    entry = cached_entry(ctx.store, ctx.principal) if identity else None
    policies = entry.policies if entry is not None else None
    if identity and entry is None:
        policies = applicable_policies(ctx.store, ctx.principal)
    denial: Denial | None = None
    for check in checks:
        if denial is not None or (policies is None and check.resource_policy is None):
            if trace is not None:
                trace.append(traced(check))
            continue
        context = partial(_context, ctx, check)
        if entry is not None and check.resource_policy is None:
            # The same policies, action and resource decide the same while the keys read hold.
            decide = partial(_decide, ctx, check, policies)
            decision = entry.decide(check.action, check.resource, context, decide)
        else:
            decision = _decide(ctx, check, policies, context())
        if trace is not None:
            trace.append(traced(check, decision, context))
        if not decision.allowed:
            denial = Denial(check, decision, {**ctx.condition_keys(), **check.context})
            if trace is None:
                break
    return denial


def traced(
    check: Check,
    decision: Decision | None = None,
    context: Callable[[], Mapping[str, ContextValue]] | None = None,
) -> CheckTrace:
    """The record of one check (`ec2sim.store.trail`): unevaluated without a decision. The values of
    the condition keys the deciding statements test are kept beside the check's own keys (``context``
    is called only then: a cached decision needs no condition keys built)."""
    if decision is None:
        return CheckTrace(
            check.action, check.resource, check.context, resource_policy=check.resource_policy is not None
        )
    keys: Mapping[str, ContextValue] = check.context
    deciding = decision.matched_statements
    if decision.allowed:
        deciding += decision.stage_allows
    partly = () if decision.allowed else decision.stage_allows
    conditions = [c for m in deciding + partly for c in m.statement.conditions]
    if context is not None and conditions:
        values = context()
        found = {c.key: values[c.key.lower()] for c in conditions if values.get(c.key.lower()) is not None}
        keys = {**found, **check.context}  # the check's own keys win
    return CheckTrace(
        check.action,
        check.resource,
        keys,
        decision.decision,
        decision.reason,
        decision.policy_kind,
        tuple(_ref(m) for m in deciding),
        check.resource_policy is not None,
        tuple(_ref(m) for m in partly),
    )


def _ref(matched: MatchedStatement) -> StatementRef:
    statement = matched.statement
    return StatementRef(
        matched.policy_kind,
        matched.source_policy_type,
        matched.source_policy_id,
        matched.index,
        statement.sid or "",
        statement.effect,
    )


def plan_decided(
    plan: Plan, check: Check, decision: Decision, context: Mapping[str, ContextValue]
) -> Decision:
    """Keep in ``plan`` a check its resolver decided (the record shows it as `authorize` would)."""
    plan.traces = (*plan.traces, traced(check, decision, lambda: context))
    return decision


def endpoint_denial(ctx: RequestContext, checks: Iterable[Check]) -> Denial | None:
    """For a request that came through a VPC endpoint (`ec2sim.api.endpoint_access`): the first
    check the endpoint's policy doesn't allow. It limits every caller, the root included, and
    must allow on its own, as AWS evaluates VPC endpoint policies."""
    via = ctx.via_endpoint
    if via is None:
        return None
    from ec2sim.iam.policy.engine import AuthRequest, PolicySource, evaluate

    caller = _caller(ctx)
    policy = (PolicySource(via.endpoint_id, "resource", via.policy),)
    for check in checks:
        request = AuthRequest(check.action, check.resource, _context(ctx, check), caller, ctx.account_id)
        decision = evaluate(request, (), resource_policies=policy, is_root=True, require_resource_allow=True)
        if not decision.allowed:
            named = dataclasses.replace(decision, policy_kind="VPC endpoint policy")  # AWS's wording
            return Denial(check, named, {**ctx.condition_keys(), **check.context})
    return None


def authorize(ctx: RequestContext, plan: Plan) -> None:
    """Raise the service's access-denied error unless the caller may make this request (in the
    enforcement mode configured: see the module's docstring). ``ctx.checks`` keeps what was checked
    and decided, for the request's record."""
    mode = ctx.config.iam_enforcement
    identity = mode != "off" and ctx.principal.kind not in ("root", "anonymous")
    if not identity and not plan.resource_policies and ctx.via_endpoint is None:
        # What it would need (policies generated from a run; the resources of CloudTrail's events).
        ctx.checks = list(plan.traces) or [traced(check) for check in checks_for(ctx, plan)]
        ctx.decision = "allow"
        return
    checks = checks_for(ctx, plan)
    trace = ctx.checks = []
    denial = first_denial(ctx, checks, identity, trace)
    if denial is not None and identity and mode == "audit":
        refused = first_denial(ctx, checks, identity=False) or endpoint_denial(ctx, checks)
        if refused is None:
            _log_denial(ctx, denial, "(audit: allowed)")
            ctx.decision = "allow"
            return
        denial = refused
    if denial is None:
        denial = endpoint_denial(ctx, checks)
        if denial is not None:  # the endpoint's policy decided that check
            at = checks.index(denial.check)
            trace[at] = traced(denial.check, denial.decision)
    if denial is not None:
        _log_denial(ctx, denial)
        ctx.decision = "deny"
        raise denied_error(ctx, denial)
    ctx.decision = "allow"


def _log_denial(ctx: RequestContext, denial: Denial, note: str = "") -> None:
    log.info(
        "denied: principal=%s action=%s resource=%s reason=%s%s",
        ctx.principal.arn,
        denial.check.action,
        denial.check.resource,
        denial.decision.explanation(denial.check.action),
        f" {note}" if note else "",
    )


def denied_error(ctx: RequestContext, denial: Denial) -> AwsError:
    """Service-worded denial. EC2 names no resource and encodes no message for actions on ``*``
    (every Describe*); IAM and STS always name the resource, ``*`` included, and the reason."""
    principal, check = ctx.principal, denial.check
    reason = denial.decision.explanation(check.action)
    if ctx.service != "ec2":
        # A check a resource-based policy must allow is sts:AssumeRole or sts:TagSession, whose
        # denial AWS words without a reason.
        tail = "" if check.resource_policy is not None else f" {reason}"
        return AwsError(
            "AccessDenied",
            f"User: {principal.arn} is not authorized to perform: {check.action} on resource: {check.resource}{tail}",
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
    arn = parse_arn(resource)
    if arn is not None:
        keys.update(
            {
                "aws:Resource": arn.resource,
                "aws:Account": arn.account,
                "aws:Type": arn.resource_type,
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
