"""Why each call was allowed or denied, as JSON: the views of the trail's records
(`ec2sim.store.trail`) that ``GET /_ec2sim/decisions``, the live event stream and ``ec2sim explain``
show.

`decision_view` is one request's whole trace: who called, what, how it ended, and every check made
with its decision, a one-line reason, and the statements that decided it, each with its text when
its policy is still in the store (and unchanged at that statement: same Sid and effect). `event_view`
is the short form of a call (one line of the stream, one item of the recent-decisions list).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ec2sim.iam.owners import owning_role, owning_user
from ec2sim.iam.policy.outcomes import (
    ALLOWED,
    BOUNDARY_POLICY,
    EXPLICIT_DENY,
    IDENTITY_POLICY,
    IMPLICIT_DENY,
    RESOURCE_POLICY,
    SESSION_POLICY,
)
from ec2sim.store import Store
from ec2sim.store.resources import parse_arn
from ec2sim.store.trail import CallRecord, CheckTrace, StatementRef

if TYPE_CHECKING:
    from ec2sim.store.iam.account import IamAccount

_TRUST_POLICY = "trust-policy"  # the only resource-based policy checks carry: a role's


def _time(record: CallRecord) -> str:
    return record.time.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def event_view(record: CallRecord) -> dict[str, Any]:
    """A call in short: who, what, on which resources, and how it ended."""
    caller = record.caller
    return {
        "time": _time(record),
        "request_id": record.request_id,
        "principal": caller.arn if caller is not None else None,
        "account_id": caller.account_id if caller is not None else None,
        "service": record.service,
        "action": record.action,
        "resources": list(record.check_resources),
        "decision": record.decision,
        "status": record.status,
        "error_code": record.error_code or None,
    }


def principal_matches(record: CallRecord, principal: str) -> bool:
    """The call was made by ``principal``: that ARN, or a session of the role that an
    ``arn:aws:sts::ACCOUNT:assumed-role/ROLE`` ARN without a session name names."""
    caller = record.caller
    if caller is None:
        return False
    return caller.arn == principal or (
        ":assumed-role/" in principal and caller.arn.startswith(principal + "/")
    )


def decision_view(store: Store, record: CallRecord) -> dict[str, Any]:
    """The request's whole decision trace."""
    caller = record.caller
    view = event_view(record)
    view["caller"] = (
        None
        if caller is None
        else {
            "arn": caller.arn,
            "type": caller.kind,
            "account_id": caller.account_id,
            "principal_id": caller.principal_id,
        }
    )
    view["region"] = record.region
    view["error_message"] = record.error_message or None
    with store.lock:  # the policies' texts, read while no request changes them
        view["checks"] = [_check_view(store, record, check) for check in record.checks]
    return view


def _check_view(store: Store, record: CallRecord, check: CheckTrace) -> dict[str, Any]:
    view = {
        "action": check.action,
        "resource": check.resource,
        "context": {key: _value(value) for key, value in check.context.items()},
        "decision": check.decision or "notEvaluated",
        "reason": check.reason or None,
        "policy_kind": check.policy_kind or None,
        "resource_policy": check.resource_policy,
        "why": why(record, check),
        "statements": [_statement_view(store, record, check, ref) for ref in check.statements],
        "partial_allows": [_statement_view(store, record, check, ref) for ref in check.partial_allows],
    }
    if check.resource_policy and check.decision == IMPLICIT_DENY and check.policy_kind == RESOURCE_POLICY:
        role = _role_at(store, check.resource)  # the trust policy that allowed nothing, as it is now
        if role is not None:
            try:
                view["trust_policy"] = json.loads(role.assume_role_policy)
            except ValueError:
                pass
    return view


def _value(value: Any) -> str | list[str]:
    return [str(v) for v in value] if isinstance(value, (list, tuple, set, frozenset)) else str(value)


def why(record: CallRecord, check: CheckTrace) -> str:
    """One line: the decision and what took it."""
    on = f"{check.action} on {check.resource}"
    if check.decision == ALLOWED:
        kinds = list(dict.fromkeys(ref.policy_kind for ref in check.statements))
        if not kinds:
            return f"allowed {on}"
        return f"allowed {on}: Allow statements in the {' and the '.join(kinds)}"
    if check.decision in (EXPLICIT_DENY, IMPLICIT_DENY):
        if check.decision == EXPLICIT_DENY:
            kind = check.policy_kind or IDENTITY_POLICY
            text = (
                f"explicitly denied {on} by a Deny statement in {'an' if kind[0] in 'aeiou' else 'a'} {kind}"
            )
        else:
            text = _missing_allow(record, check)
        # --iam-enforcement audit: identity-based denials are logged, and the call goes on
        return text + " (audit: not enforced)" if record.decision == "allow" else text
    if record.caller is not None and record.caller.kind == "root":
        return "not evaluated: identity-based policies don't limit the account root"
    if record.decision == "deny":
        return "not evaluated: an earlier check of the request was denied"
    return (
        "not evaluated: identity-based policies are not enforced (--iam-enforcement off, or an unsigned call)"
    )


def _missing_allow(record: CallRecord, check: CheckTrace) -> str:
    on = f"{check.action} on {check.resource}"
    kind = check.policy_kind
    if kind == BOUNDARY_POLICY:
        return f"no statement of the permissions boundary allowed {on}"
    if kind == SESSION_POLICY:
        return f"no statement of the session policies allowed {on}"
    if check.resource_policy and kind != "VPC endpoint policy":
        caller = record.caller.arn if record.caller is not None else "the caller"
        return f"the trust policy of {check.resource} has no statement allowing {caller} {check.action}"
    if kind == IDENTITY_POLICY or not kind:
        return f"no statement allowed {on}"
    return f"no statement of the {kind} allowed {on}"


def _statement_view(store: Store, record: CallRecord, check: CheckTrace, ref: StatementRef) -> dict[str, Any]:
    view: dict[str, Any] = {
        "policy_kind": ref.policy_kind,
        "policy_type": ref.policy_type,
        "policy": ref.policy_id,
        "index": ref.index,
        "sid": ref.sid or None,
        "effect": ref.effect,
    }
    statement = next((s for s in _candidates(store, record, check, ref) if _same(s, ref)), None)
    if statement is not None:
        view["statement"] = statement
    return view


def _same(statement: Any, ref: StatementRef) -> bool:
    return (
        isinstance(statement, dict)
        and statement.get("Effect") == ref.effect
        and (statement.get("Sid") or "") == ref.sid
    )


def _candidates(store: Store, record: CallRecord, check: CheckTrace, ref: StatementRef) -> Iterator[Any]:
    """The statements at ``ref.index`` of the policies ``ref`` may name, as they are stored now."""
    for text in _policy_texts(store, record, check, ref):
        try:
            document = json.loads(text)
        except ValueError:
            continue
        statements = document.get("Statement") if isinstance(document, dict) else None
        if isinstance(statements, dict):
            statements = [statements]
        if isinstance(statements, list) and 0 <= ref.index < len(statements):
            yield statements[ref.index]


def _policy_texts(store: Store, record: CallRecord, check: CheckTrace, ref: StatementRef) -> Iterator[str]:
    """Where a policy of each type lives: managed policies by ARN, inline ones in the caller's user,
    its groups or its role, a session's policies in its credential, trust policies in the role."""
    if ref.policy_type in ("user-managed", "aws-managed"):
        from ec2sim.store.iam.managed import aws_managed_policy  # its catalogue: on first use

        arn = parse_arn(ref.policy_id)
        iam = store.iam.accounts.get(arn.account) if arn is not None else None
        policy = (iam.policies.get(ref.policy_id) if iam is not None else None) or aws_managed_policy(
            ref.policy_id
        )
        if policy is not None:
            yield policy.default_document
        return
    if ref.policy_type == "resource":
        if ref.policy_id == _TRUST_POLICY:
            role = _role_at(store, check.resource)
            if role is not None:
                yield role.assume_role_policy
        return
    caller = record.caller
    iam = store.iam.accounts.get(caller.account_id) if caller is not None else None
    if caller is None or iam is None:
        return
    credential = caller.credential
    if ref.policy_type in ("user", "group"):
        user = owning_user(iam, credential)
        if user is None:
            return
        if ref.policy_type == "user":
            yield from _inline(user.inline_policies, ref.policy_id)
        for name in user.group_names if ref.policy_type == "group" else ():
            group = iam.groups.get(name)
            if group is not None:
                yield from _inline(group.inline_policies, ref.policy_id)
    elif ref.policy_type == "role":
        role = owning_role(iam, credential)
        if role is not None:
            yield from _inline(role.inline_policies, ref.policy_id)
    elif credential is not None and ref.policy_id == "scope-policy":
        yield from credential.scope_policies
    elif credential is not None and ref.policy_id == "session-policy":
        session = credential.role_session or credential.federated
        yield from session.session_policies if session is not None else ()


def _inline(policies: dict[str, str], name: str) -> Iterator[str]:
    text = policies.get(name)
    if text is not None:
        yield text


def _role_at(store: Store, arn_text: str) -> Any:
    arn = parse_arn(arn_text)
    if arn is None:
        return None
    iam: IamAccount | None = store.iam.accounts.get(arn.account)
    role = iam.roles.get(arn_text.rsplit("/", 1)[-1]) if iam is not None else None
    return role if role is not None and role.arn == arn_text else None
