"""Recorded calls, replayed: the checks one principal's calls needed, and which of those calls a
candidate identity policy would deny.

Pure: reads `CallRecord`s (the server's trail, `ec2sim.store.trail`) and decides with the policy
engine; nothing here reads the store or the clock.

Whose calls: a principal is named by ARN. An IAM user's or a federated user's ARN matches its own
calls; a role's ARN (``arn:aws:iam::A:role/R``, with or without a path) matches the calls of every
session of the role (``arn:aws:sts::A:assumed-role/R/*``: session ARNs carry the role's name, not
its path); a session's ARN matches that session only.

Replaying a check: its action and resource, and as condition keys those the check carried (the
resource's and the request's tags, ``iam:PassedToService``, ...) over what the record itself knows
(``aws:PrincipalArn``, ``aws:SourceIp``, ``aws:RequestedRegion``, ``aws:CurrentTime``, ...). Keys
the server computes lazily and the recorded decision didn't read (``aws:PrincipalTag/*``) are not
recorded, so a candidate policy's condition on them does not hold in a replay.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ec2sim.iam.context_keys import lowered
from ec2sim.iam.policy.document import PolicyDocument
from ec2sim.iam.policy.engine import AuthRequest, Decision, PolicySource, evaluate
from ec2sim.iam.policy.variables import ContextValue
from ec2sim.store.resources import ROLE, assumed_role_arn, parse_arn
from ec2sim.store.trail import CallRecord

_PRINCIPAL_TYPE = {"user": "User", "assumed-role": "AssumedRole", "federated-user": "FederatedUser"}


@dataclass(frozen=True, slots=True)
class RecordedCheck:
    """One check a recorded call needed, ready to replay."""

    request_id: str
    time: datetime
    operation: str  # "ec2:RunInstances" (service and API operation of the call)
    action: str  # the IAM action checked
    resource: str  # an ARN or "*"
    context: Mapping[str, ContextValue]  # the keys the check carried, as AWS spells them
    keys: Mapping[str, ContextValue]  # every key known for the replay, lower-cased (the engine's form)

    def request(self) -> AuthRequest:
        return AuthRequest(self.action, self.resource, self.keys)


def role_name_of(principal: str) -> str | None:
    """The role's name when ``principal`` is a role's ARN (any path), else None."""
    arn = parse_arn(principal)
    return arn.name if arn is not None and arn.service == "iam" and arn.resource_type == "role" else None


def matches(principal: str, caller_arn: str) -> bool:
    """Does a call by ``caller_arn`` count as ``principal``'s (see the module's docstring)?"""
    if caller_arn == principal:
        return True
    role = role_name_of(principal)
    arn = parse_arn(principal)
    return (
        role is not None
        and arn is not None
        and caller_arn.startswith(assumed_role_arn(arn.account, role, ""))
    )


def owner_of(caller_arn: str) -> str:
    """The principal a call is filed under: a role session's role (``arn:aws:iam::A:role/R``, without
    the path, which session ARNs don't carry), anyone else as themselves."""
    arn = parse_arn(caller_arn)
    if arn is not None and arn.service == "sts" and arn.resource_type == "assumed-role":
        return ROLE.arn("", arn.account, arn.name.split("/")[0])
    return caller_arn


def _record_keys(record: CallRecord) -> dict[str, ContextValue]:
    """The global condition keys a record still knows, as AWS spells them."""
    keys: dict[str, ContextValue] = {
        "aws:CurrentTime": record.time.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:EpochTime": str(int(record.time.timestamp())),
        "aws:SourceIp": record.source_ip,
        "aws:UserAgent": record.user_agent,
        "aws:RequestedRegion": record.region,
    }
    caller = record.caller
    if caller is not None:
        keys["aws:PrincipalArn"] = caller.arn
        keys["aws:PrincipalAccount"] = caller.account_id
        keys["aws:PrincipalType"] = _PRINCIPAL_TYPE.get(caller.kind, "Account")
        keys["aws:userid"] = caller.principal_id
        if caller.kind == "user":
            keys["aws:username"] = caller.name
    if record.via_endpoint:
        keys["aws:SourceVpce"] = record.via_endpoint
    return keys


def principal_records(
    records: Iterable[CallRecord],
    principal: str,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Iterator[CallRecord]:
    """The calls ``principal`` made within [since, until] that needed a permission, in order."""
    for record in records:
        caller = record.caller
        if caller is None or not record.has_checks or not matches(principal, caller.arn):
            continue
        if (since is not None and record.time < since) or (until is not None and record.time > until):
            continue
        yield record


def recorded_checks(
    records: Iterable[CallRecord],
    principal: str,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[RecordedCheck]:
    """Every check of every call ``principal`` made within [since, until], allowed or denied, in
    the order the calls arrived."""
    found: list[RecordedCheck] = []
    for record in principal_records(records, principal, since, until):
        base = lowered(_record_keys(record))
        operation = f"{record.service}:{record.action}"
        for check in record.checks:
            keys = {**base, **lowered(check.context)}
            found.append(
                RecordedCheck(
                    record.request_id,
                    record.time,
                    operation,
                    check.action,
                    check.resource,
                    check.context,
                    keys,
                )
            )
    return found


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def created_resources(records: Iterable[CallRecord]) -> frozenset[tuple[str, str]]:
    """(resource type, id) of the resources ``records`` created: a call checked on ``…:TYPE/*``
    (how EC2 authorizes resources about to be created) created those of TYPE whose ids its result
    names. A re-run creates others, so a policy names them by their type's pattern."""
    created: set[tuple[str, str]] = set()
    for record in records:
        kinds = set()
        for resource in record.check_resources:
            arn = parse_arn(resource)
            if arn is not None and arn.name == "*":
                kinds.add(arn.resource_type)
        result = record.result if kinds else None
        if result:
            created.update((kind, text) for text in _strings(result) for kind in kinds)
    return frozenset(created)


def decide(check: RecordedCheck, policies: Sequence[PolicySource]) -> Decision:
    """``check`` against identity-based ``policies`` alone (no boundary, session or resource policy)."""
    return evaluate(check.request(), policies)


@dataclass(frozen=True, slots=True)
class DeniedCall:
    """A recorded call a candidate policy would refuse, at its first denied check (where AWS stops)."""

    check: RecordedCheck
    decision: Decision

    def to_json(self) -> dict[str, Any]:
        check = self.check
        return {
            "RequestId": check.request_id,
            "Time": check.time.isoformat().replace("+00:00", "Z"),
            "Operation": check.operation,
            "Action": check.action,
            "Resource": check.resource,
            "Decision": self.decision.decision,
            "Reason": f"{check.action} on {check.resource} {self.decision.explanation(check.action)}",
            "Statements": [m.statement.sid or f"#{m.index}" for m in self.decision.matched_statements],
        }


def denied_calls(checks: Iterable[RecordedCheck], document: PolicyDocument) -> list[DeniedCall]:
    """The calls among ``checks`` that ``document``, as the caller's only identity policy, refuses."""
    policies = (PolicySource("candidate", "user-managed", document),)
    denied: dict[str, DeniedCall] = {}
    for check in checks:
        if check.request_id in denied:
            continue
        decision = decide(check, policies)
        if not decision.allowed:
            denied[check.request_id] = DeniedCall(check, decision)
    return list(denied.values())
