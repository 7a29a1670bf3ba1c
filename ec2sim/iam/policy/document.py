"""A parsed policy document: immutable, typed, shared by validation, evaluation and the simulator."""

from __future__ import annotations

from dataclasses import dataclass

ConditionValue = str | bool | int | float


@dataclass(frozen=True)
class Condition:
    operator: str  # as written, e.g. "ForAnyValue:StringLikeIfExists"
    key: str  # as written, e.g. "aws:RequestTag/Team" (matched case-insensitively)
    values: tuple[ConditionValue, ...]


@dataclass(frozen=True)
class Statement:
    effect: str  # "Allow" | "Deny"
    sid: str | None = None
    actions: tuple[str, ...] | None = None
    not_actions: tuple[str, ...] | None = None
    resources: tuple[str, ...] | None = None
    not_resources: tuple[str, ...] | None = None
    # Principal type ("AWS", "Service", "Federated", "CanonicalUser", "*") → values.
    principals: tuple[tuple[str, tuple[str, ...]], ...] | None = None
    not_principals: tuple[tuple[str, tuple[str, ...]], ...] | None = None
    conditions: tuple[Condition, ...] = ()
    # Character offsets of the statement in the document text (for the policy simulator).
    start: int = 0
    end: int = 0


@dataclass(frozen=True)
class PolicyDocument:
    version: str  # "2012-10-17" or "2008-10-17" (no Version means 2008-10-17)
    statements: tuple[Statement, ...]
    text: str
    id: str | None = None

    @property
    def supports_variables(self) -> bool:
        return self.version == "2012-10-17"
