"""The pure part of IAM's policy simulator: request context from ContextEntries, statement
positions, the context keys policies use, and the (action × resource) evaluation itself.

The decisions come from `ec2sim.iam.policy.engine.evaluate`, the same call enforcement makes,
so a simulation and a real request with the same policies and context agree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ec2sim.iam.policy import grammar
from ec2sim.iam.policy.document import PolicyDocument, Statement
from ec2sim.iam.policy.engine import AuthRequest, Decision, PolicySource, evaluate
from ec2sim.iam.policy.matching import PrincipalFacts
from ec2sim.iam.policy.variables import ContextValue

_VARIABLE_KEY = re.compile(r"\$\{\s*([^\s,'{}*?$][^\s,'{}]*)")


def context_from_entries(entries: Iterable[Mapping[str, Any]]) -> dict[str, ContextValue]:
    """ContextEntries as the engine's context: keys lower-cased; ``...List`` types (and several
    values) multivalued; booleans spelled "true"/"false" as requests carry them."""
    context: dict[str, ContextValue] = {}
    for entry in entries:
        name = entry.get("ContextKeyName")
        if not name:
            continue
        kind = entry.get("ContextKeyType") or "string"
        values = [str(v) for v in entry.get("ContextKeyValues") or ()]
        if kind.startswith("boolean"):
            values = [v.lower() for v in values]
        if kind.endswith("List") or len(values) != 1:
            context[name.lower()] = tuple(values)
        else:
            context[name.lower()] = values[0]
    return context


def _line_column(text: str, offset: int) -> dict[str, int]:
    """1-based line and column of a character offset."""
    line = text.count("\n", 0, offset) + 1
    return {"Line": line, "Column": offset - (text.rfind("\n", 0, offset) + 1) + 1}


def statement_positions(
    document: PolicyDocument, statement: Statement
) -> tuple[dict[str, int], dict[str, int]]:
    """Start and end positions as IAM's simulator reports them: the start is the statement's
    opening brace (for a statement after the first, the character before it, where IAM's parser
    stands after the separating comma); the end is just past the closing brace."""
    start = statement.start
    if statement is not document.statements[0] and start > 0:
        start -= 1
    return _line_column(document.text, start), _line_column(document.text, statement.end)


def resource_document(text: str) -> PolicyDocument:
    """A resource-based policy (ResourcePolicy): principals and any actions allowed."""
    return grammar.parse_policy(text, "resource")


def context_keys(documents: Iterable[PolicyDocument]) -> list[str]:
    """Every condition key the documents use, and every variable in their Resource elements, as
    first written (deduplicated ignoring case)."""
    seen: dict[str, str] = {}
    for document in documents:
        for statement in document.statements:
            for condition in statement.conditions:
                seen.setdefault(condition.key.lower(), condition.key)
            if document.supports_variables:
                for resource in (statement.resources or ()) + (statement.not_resources or ()):
                    for key in _VARIABLE_KEY.findall(resource):
                        seen.setdefault(key.lower(), key)
    return list(seen.values())


@dataclass(frozen=True)
class Simulation:
    """What to simulate: identity policies, an optional boundary and resource policy."""

    identity: Sequence[PolicySource]
    boundary: Sequence[PolicySource] | None
    resource_policy: PolicySource | None
    context: dict[str, ContextValue]
    caller: PrincipalFacts | None
    resource_owner: str = ""

    def decide(self, action: str, resource: str) -> Decision:
        request = AuthRequest(action, resource, self.context, self.caller, self.resource_owner)
        resources = (self.resource_policy,) if self.resource_policy is not None else ()
        return evaluate(request, self.identity, boundary=self.boundary, resource_policies=resources)


def account_of(arn: str) -> str:
    """The account field of an ARN ("" when there is none)."""
    fields = arn.split(":", 5)
    return fields[4] if len(fields) == 6 else ""
