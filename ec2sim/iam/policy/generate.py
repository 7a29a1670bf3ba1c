"""The smallest identity policy that allows exactly the checks a principal's recorded calls needed.

Pure: takes `RecordedCheck`s (`ec2sim.iam.policy.replay`) and a function saying whether an action
has resource-level permissions (the Service Authorization Reference, which the caller reads);
returns the policy, verified.

How the policy is built:
1. Each action's resources: ``*`` when the action has no resource-level permissions (or a check of
   it was on ``*``); otherwise the ARNs it touched, where several ARNs of one resource type (same
   partition, service, region, account and type) become one pattern
   (``arn:aws:ec2:us-east-1:111122223333:instance/*``), and so does a single ARN of a resource the
   recorded calls created (a re-run creates another). The patterns of one action never overlap.
2. With ``conditions``, each (action, resource pattern) gets the condition values its checks carried
   for the keys in `CONDITION_KEYS`: a key every one of those checks carried becomes ``StringEquals``
   over the values seen (``ForAllValues:StringEquals`` for a multivalued key such as aws:TagKeys);
   a key some check lacked is left out (its condition would refuse that check).
3. Actions with the same resources and conditions share a statement (actions and resources
   sorted); the Sid says what the statement covers (``Ec2RunInstances``, ``Ec2OnInstance``, ``Ec2OnAny``).

Verification, before the policy is returned: every check replays as allowed by the policy alone,
and taking any one action out of any statement (so also any whole statement) denies at least one
check. A failure is a bug in this module: `GenerationError`.

Size: IAM counts a policy's characters other than whitespace against 6,144 for a managed policy.
When the policy is larger, single ARNs are generalised to their type's pattern too; if it is still
larger, the result says so (``within_limit`` False) rather than dropping anything.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ec2sim.iam.policy.engine import PolicySource
from ec2sim.iam.policy.grammar import parse_policy, policy_size
from ec2sim.iam.policy.replay import RecordedCheck, decide
from ec2sim.iam.policy.variables import ContextValue
from ec2sim.store.resources import parse_arn

MANAGED_POLICY_LIMIT = 6144  # characters other than whitespace (IAM quotas)
VERSION = "2012-10-17"
# The keys ``conditions`` turns into conditions: tags (what a caller usually scopes by), and the
# service a role is passed to (AWS's advice for iam:PassRole). Where both aws:ResourceTag/k and a
# service's own <service>:ResourceTag/k are carried, the service's is kept (`_condition_keys`).
CONDITION_KEYS = re.compile(
    r"(aws:RequestTag/.+|aws:TagKeys|[a-z0-9-]+:ResourceTag/.+|iam:PassedToService)", re.I
)
_AWS_RESOURCE_TAG = "aws:resourcetag/"
_parse_uncached = parse_policy.__wrapped__  # variants made while verifying: keep them out of the cache

Scoped = Callable[[str], bool]  # "service:Action" → does it have resource-level permissions?
Conditions = tuple[tuple[str, str, tuple[str, ...]], ...]  # (operator, key, values), sorted
Created = frozenset[tuple[str, str]]  # (resource type, id) of resources the recorded calls created


class GenerationError(Exception):
    """The generated policy failed its own verification: a bug, never the caller's input."""


class NothingRecorded(LookupError):
    """No recorded call of the principal needed a permission (in the time range asked)."""


@dataclass(frozen=True)
class GeneratedPolicy:
    document: dict[str, Any]
    checks: int  # how many recorded checks it was built from and verified against
    calls: int
    size: int  # characters other than whitespace, as IAM counts
    limit: int = MANAGED_POLICY_LIMIT
    notes: tuple[str, ...] = field(default=())

    @property
    def within_limit(self) -> bool:
        return self.size <= self.limit

    @property
    def text(self) -> str:
        return json.dumps(self.document, indent=4) + "\n"


def generate_policy(
    checks: Sequence[RecordedCheck],
    scoped: Scoped,
    conditions: bool = False,
    created: Created = frozenset(),
) -> GeneratedPolicy:
    """The verified policy for ``checks`` (see the module's docstring); `NothingRecorded` if none.
    ``created``: (resource type, id) of resources the recorded calls created (`created_resources`)."""
    if not checks:
        raise NothingRecorded("no recorded call needed a permission")
    notes: list[str] = []
    document = _build(checks, scoped, conditions, created)
    size = policy_size(json.dumps(document))
    if size > MANAGED_POLICY_LIMIT:
        document = _build(checks, scoped, conditions, created, generalise_all=True)
        size = policy_size(json.dumps(document))
        notes.append("single resources were generalised to their type's pattern to fit IAM's size limit")
    if size > MANAGED_POLICY_LIMIT:
        notes.append(
            f"the policy has {size} characters (without whitespace), more than the {MANAGED_POLICY_LIMIT} "
            "of a managed policy: split its statements over several policies"
        )
    verify(document, checks)
    calls = len({c.request_id for c in checks})
    return GeneratedPolicy(document, len(checks), calls, size, notes=tuple(notes))


# Building ------------------------------------------------------------------------------------


def _type_prefix(arn: str) -> str | None:
    """``arn:…:account:type/`` (or ``type:``), the part of an ARN every resource of its type shares;
    None when the ARN names no type (``arn:aws:iam::A:root``)."""
    fields = arn.split(":", 5)
    if len(fields) != 6 or fields[0] != "arn":
        return None
    match = re.match(r"[^/:]+[/:]", fields[5])
    return None if match is None else ":".join(fields[:5]) + ":" + match.group(0)


def _created(resource: str, created: Created) -> bool:
    arn = parse_arn(resource)
    return arn is not None and (arn.resource_type, arn.name) in created


def _patterns(resources: Iterable[str], created: Created, generalise_all: bool) -> dict[str, str]:
    """Each resource → the pattern that covers it: its type's ``prefix*`` when several resources of
    the type were touched, or the one touched was created by the recorded calls (or
    ``generalise_all``), else itself."""
    by_type: dict[str | None, set[str]] = defaultdict(set)
    for resource in resources:
        by_type[_type_prefix(resource)].add(resource)
    covering: dict[str, str] = {}
    for prefix, members in by_type.items():
        general = prefix is not None and (
            len(members) > 1 or generalise_all or any(_created(r, created) for r in members)
        )
        for resource in members:
            covering[resource] = f"{prefix}*" if general else resource
    return covering


def _condition_keys(contexts: Sequence[Mapping[str, ContextValue]]) -> dict[str, str]:
    """Lower-cased key → its spelling, for the keys every context carries (`CONDITION_KEYS` only)."""
    common: dict[str, str] | None = None
    for context in contexts:
        keys = {k.lower(): k for k in context if CONDITION_KEYS.fullmatch(k)}
        common = keys if common is None else {k: v for k, v in common.items() if k in keys}
    common = common or {}
    for key in list(common):  # aws:ResourceTag/k says no more than ec2:ResourceTag/k beside it
        if key.startswith(_AWS_RESOURCE_TAG):
            tag = key[len(_AWS_RESOURCE_TAG) :]
            if any(k != key and k.endswith(f":resourcetag/{tag}") for k in common):
                del common[key]
    return common


def _conditions(contexts: Sequence[Mapping[str, ContextValue]]) -> Conditions:
    found = []
    for lower, key in sorted(_condition_keys(contexts).items()):
        values: set[str] = set()
        multivalued = False
        for context in contexts:
            value = next(v for k, v in context.items() if k.lower() == lower)
            if isinstance(value, str):
                values.add(value)
            else:
                multivalued = True
                values.update(value)
        operator = "ForAllValues:StringEquals" if multivalued else "StringEquals"
        found.append((operator, key, tuple(sorted(_literal(v) for v in values))))
    return tuple(found)


def _literal(value: str) -> str:
    """A condition value as policy text: ``${`` would start a policy variable, so ``$`` is escaped
    there (``${$}``); StringEquals has no wildcards to escape."""
    return value.replace("$", "${$}") if "${" in value else value


def _build(
    checks: Sequence[RecordedCheck],
    scoped: Scoped,
    conditions: bool,
    created: Created,
    generalise_all: bool = False,
) -> dict[str, Any]:
    by_action: dict[str, list[RecordedCheck]] = defaultdict(list)
    for check in checks:
        by_action[check.action].append(check)
    # (resources, conditions) → actions
    grouped: dict[tuple[tuple[str, ...], Conditions], set[str]] = defaultdict(set)
    for action, mine in by_action.items():
        if not scoped(action) or any(c.resource == "*" for c in mine):
            covering = {c.resource: "*" for c in mine}
        else:
            covering = _patterns({c.resource for c in mine}, created, generalise_all)
        units: dict[str, list[Mapping[str, ContextValue]]] = defaultdict(list)
        for check in mine:
            units[covering[check.resource]].append(check.context)
        by_conditions: dict[Conditions, set[str]] = defaultdict(set)
        for pattern, contexts in units.items():
            by_conditions[_conditions(contexts) if conditions else ()].add(pattern)
        for found, patterns in by_conditions.items():
            grouped[(tuple(sorted(patterns)), found)].add(action)
    statements = [
        _statement(sorted(actions), resources, found) for (resources, found), actions in grouped.items()
    ]
    statements.sort(key=lambda s: (s["Sid"], s["Action"]))
    _unique_sids(statements)
    return {"Version": VERSION, "Statement": statements}


def _statement(actions: list[str], resources: tuple[str, ...], conditions: Conditions) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Sid": _sid(actions, resources, bool(conditions)),
        "Effect": "Allow",
        "Action": actions,
        "Resource": list(resources),
    }
    if conditions:
        block: dict[str, dict[str, Any]] = {}
        for operator, key, values in conditions:
            block.setdefault(operator, {})[key] = values[0] if len(values) == 1 else list(values)
        statement["Condition"] = block
    return statement


def _camel(text: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", text) if part)


def _sid(actions: list[str], resources: tuple[str, ...], conditional: bool) -> str:
    """``Ec2RunInstances`` for one action; else the services, then the resource types:
    ``Ec2OnAny``, ``Ec2OnInstanceAndVolume``; ``Tagged`` when conditions limit it."""
    if len(actions) == 1:
        sid = _camel(actions[0])
    else:
        services = _camel(" ".join(sorted({a.split(":")[0] for a in actions})))
        kinds = sorted({_resource_kind(r) for r in resources})
        sid = (
            f"{services}On" + "And".join(_camel(k) for k in kinds[:3]) + ("AndMore" if len(kinds) > 3 else "")
        )
    return sid + ("Tagged" if conditional else "")


def _resource_kind(resource: str) -> str:
    if resource == "*":
        return "any"
    prefix = _type_prefix(resource)
    return "resource" if prefix is None else prefix.rsplit(":", 1)[1].rstrip("/:") or "resource"


def _unique_sids(statements: list[dict[str, Any]]) -> None:
    seen: dict[str, int] = {}
    for statement in statements:
        sid = statement["Sid"]
        seen[sid] = seen.get(sid, 0) + 1
        if seen[sid] > 1:
            statement["Sid"] = f"{sid}{seen[sid]}"


# Verification --------------------------------------------------------------------------------


def _sources(document: dict[str, Any]) -> tuple[PolicySource, ...]:
    parsed = _parse_uncached(json.dumps(document), "managed")
    return (PolicySource("generated", "user-managed", parsed),)


def _without(document: dict[str, Any], index: int, action: str) -> list[dict[str, Any]]:
    """The statements of ``document`` that grant ``action`` (the only ones its checks depend on:
    generated statements name actions exactly), with it taken out of statement ``index``."""
    statements = []
    for at, statement in enumerate(document["Statement"]):
        if action not in statement["Action"]:
            continue
        if at == index:
            statement = {**statement, "Action": [a for a in statement["Action"] if a != action]}
            if not statement["Action"]:
                continue
        statements.append(statement)
    return statements


def verify(document: dict[str, Any], checks: Sequence[RecordedCheck]) -> None:
    """`GenerationError` unless ``document`` allows every check and no action of any statement can
    go without denying one (only the checks of that action can change: those are replayed)."""
    policies = _sources(document)
    refused = [c for c in checks if not decide(c, policies).allowed]
    if refused:
        first = refused[0]
        raise GenerationError(
            f"the generated policy denies {len(refused)} recorded check(s), first {first.action} on "
            f"{first.resource} (request {first.request_id})"
        )
    for index, statement in enumerate(document["Statement"]):
        for action in statement["Action"]:
            rest = _without(document, index, action)
            if not rest:
                continue  # nothing else grants it: its checks are denied
            fewer = _sources({**document, "Statement": rest})
            if all(decide(c, fewer).allowed for c in checks if c.action == action):
                raise GenerationError(
                    f"statement {statement['Sid']} is not minimal: without {action} every recorded check "
                    "is still allowed"
                )
