"""Condition operators, compiled once per (operator, key, values) and evaluated per request.

Semantics (IAM User Guide, "IAM JSON policy elements: Condition operators" and "Single-valued vs.
multivalued context keys"):
- keys are case-insensitive (compiled lower-cased; request contexts carry lower-cased keys);
  values are case-sensitive except for the ...IgnoreCase operators and Bool;
- several values of one key are ORed; a negated operator (StringNotEquals, NotIpAddress,
  ArnNotLike, ...) is true when the request value matches *none* of them;
- a key absent from the request context makes the condition false, "If the policy condition
  requires that the key is not matched, such as StringNotLike or ArnNotLike, and the right key
  is not present, the condition is true. This logic applies to all condition operators except
  ...IfExists and Null check" — so a missing key gives ``negated``; with ...IfExists it gives
  true; Null tests presence itself;
- ``ForAllValues:`` is true when every request value satisfies the operator, and also when the
  key is missing or its value set is empty; ``ForAnyValue:`` is true when at least one does, and
  false when the key is missing or empty;
- a plain operator on a multivalued request value is true when any value matches (negated: when
  none does);
- policy variables are substituted in String, ARN and Bool operator values (the operator pages
  mark policy variables as supported there and not for Numeric, Date, Binary or IP operators).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import operator
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timezone
from functools import lru_cache, partial

from ec2sim.iam.policy.document import Condition, ConditionValue
from ec2sim.iam.policy.matching import Mode, PatternSet
from ec2sim.iam.policy.variables import Context

Test = Callable[[str, Context], bool]
Builder = Callable[[Sequence[ConditionValue], bool], Test]

FOR_ALL, FOR_ANY = "ForAllValues", "ForAnyValue"
_QUALIFIERS = {"forallvalues:": FOR_ALL, "foranyvalue:": FOR_ANY}
_IF_EXISTS = "ifexists"


def _text(value: ConditionValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _string_test(values: Sequence[ConditionValue], variables: bool, *, mode: Mode, ignore_case: bool) -> Test:
    patterns = PatternSet(map(_text, values), mode, variables=variables, ignore_case=ignore_case)
    if ignore_case:
        return lambda value, context: patterns.match(value.lower(), context)
    return patterns.match


def _number(value: ConditionValue | str) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (ValueError, OverflowError):  # OverflowError: an int past a double's range
        return None


def _timestamp(value: ConditionValue | str) -> float | None:
    """Seconds since the epoch of an ISO 8601 date/time or of epoch seconds (UTC when no zone)."""
    number = _number(value)
    if number is not None:
        return number
    if isinstance(value, bool) or not isinstance(value, str):
        return None
    text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def _compare_test(
    values: Sequence[ConditionValue],
    variables: bool,
    *,
    convert: Callable[[ConditionValue | str], float | None],
    compare: Callable[[float, float], bool],
) -> Test:
    """Numeric and date operators: ``compare(request value, policy value)``."""
    limits = tuple(limit for limit in map(convert, values) if limit is not None)

    def test(value: str, context: Context) -> bool:
        converted = convert(value)
        return converted is not None and any(compare(converted, limit) for limit in limits)

    return test


def _decoded(value: ConditionValue | str) -> bytes | None:
    try:
        return base64.b64decode(_text(value), validate=True)
    except (binascii.Error, ValueError):
        return None


def _binary_test(values: Sequence[ConditionValue], variables: bool) -> Test:
    """BinaryEquals: base64 values in the policy and in the request, compared byte for byte."""
    wanted = frozenset(decoded for decoded in map(_decoded, values) if decoded is not None)
    return lambda value, context: _decoded(value) in wanted


def _ip_test(values: Sequence[ConditionValue], variables: bool) -> Test:
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(_text(value).strip(), strict=False))
        except ValueError:
            continue

    def test(value: str, context: Context) -> bool:
        address = _address(value)
        return address is not None and any(
            address.version == net.version and address in net for net in networks
        )

    return test


@lru_cache(maxsize=4096)
def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """A request's source address, parsed once per distinct value (callers repeat them)."""
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _families() -> dict[str, tuple[Builder, bool]]:
    """Lower-cased base operator → (test builder, negated)."""
    table: dict[str, tuple[Builder, bool]] = {}

    def pair(positive: str, negative: str | None, builder: Builder) -> None:
        table[positive.lower()] = (builder, False)
        if negative:
            table[negative.lower()] = (builder, True)

    pair("StringEquals", "StringNotEquals", partial(_string_test, mode=Mode.LITERAL, ignore_case=False))
    pair(
        "StringEqualsIgnoreCase",
        "StringNotEqualsIgnoreCase",
        partial(_string_test, mode=Mode.LITERAL, ignore_case=True),
    )
    pair("StringLike", "StringNotLike", partial(_string_test, mode=Mode.GLOB, ignore_case=False))
    pair("ArnEquals", "ArnNotEquals", partial(_string_test, mode=Mode.ARN, ignore_case=False))
    pair("ArnLike", "ArnNotLike", partial(_string_test, mode=Mode.ARN, ignore_case=False))
    pair("Bool", None, partial(_string_test, mode=Mode.LITERAL, ignore_case=True))
    pair("BinaryEquals", None, _binary_test)
    pair("IpAddress", "NotIpAddress", _ip_test)
    comparisons = {
        "Equals": operator.eq,
        "LessThan": operator.lt,
        "LessThanEquals": operator.le,
        "GreaterThan": operator.gt,
        "GreaterThanEquals": operator.ge,
    }
    for family, convert in (("Numeric", _number), ("Date", _timestamp)):
        for name, compare in comparisons.items():
            builder = partial(_compare_test, convert=convert, compare=compare)
            pair(family + name, family + "NotEquals" if name == "Equals" else None, builder)
    return table


_FAMILIES = _families()
_VARIABLE_FAMILIES = ("string", "arn", "bool")


class CompiledCondition:
    """One (operator, key, values) test. `holds` answers it for a request context."""

    __slots__ = ("_test", "if_exists", "key", "negated", "null", "qualifier")

    def __init__(self, condition: Condition, variables: bool):
        self.key = condition.key.lower()
        name = condition.operator
        lowered = name.lower()
        self.qualifier = None
        for prefix, qualifier in _QUALIFIERS.items():
            if lowered.startswith(prefix):
                self.qualifier, lowered = qualifier, lowered[len(prefix) :]
        self.if_exists = lowered.endswith(_IF_EXISTS)
        base = lowered[: -len(_IF_EXISTS)] if self.if_exists else lowered
        self.null = _null_states(condition.values) if base == "null" and not self.if_exists else None
        builder, self.negated = _FAMILIES.get(base, (None, False))
        substitutes = variables and base.startswith(_VARIABLE_FAMILIES)
        self._test: Test | None = builder(condition.values, substitutes) if builder else None

    def holds(self, context: Context) -> bool:
        raw = context.get(self.key)
        if self.null is not None:
            return (raw is None or (type(raw) is not str and not raw)) in self.null
        test = self._test
        if test is None:  # an operator the grammar should have rejected: never satisfied
            return False
        if type(raw) is str:
            return test(raw, context) != self.negated
        if not raw:  # missing, or an empty multivalued set
            if self.if_exists:
                return True
            return self.qualifier == FOR_ALL if self.qualifier else self.negated
        negated = self.negated
        if self.qualifier == FOR_ALL:
            return all(test(value, context) != negated for value in raw)
        if self.qualifier == FOR_ANY:
            return any(test(value, context) != negated for value in raw)
        return any(test(value, context) for value in raw) != negated


def _null_states(values: Iterable[ConditionValue]) -> frozenset[bool]:
    """Null: ``true`` asks for the key to be absent, ``false`` for it to be present."""
    return frozenset(_text(value).lower() == "true" for value in values)


def compile_conditions(conditions: Iterable[Condition], variables: bool) -> tuple[CompiledCondition, ...]:
    return tuple(CompiledCondition(condition, variables) for condition in conditions)


def conditions_hold(conditions: Sequence[CompiledCondition], context: Context) -> bool:
    """Every condition must hold: operators, and keys within an operator, are ANDed."""
    return all(condition.holds(context) for condition in conditions)
