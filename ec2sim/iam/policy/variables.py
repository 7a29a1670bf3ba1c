"""Policy variables: ``${aws:username}`` in Resource elements and condition values.

A template is split once, when its document is compiled, into parts:
- ``str``: policy text as written (its ``*`` and ``?`` stay wildcards where the caller allows them),
- ``Literal``: text that is never a wildcard (the escapes ``${*}``, ``${?}``, ``${$}``, and the
  value a variable resolves to),
- ``Var``: a context key (lower-cased) with an optional default (``${aws:username, 'nobody'}``).
Per request, `resolve` swaps each ``Var`` for a ``Literal``; a variable with no value and no
default, or naming a multivalued key, leaves the template unresolvable (``None``), and the caller
treats that element as not matching. Only Version 2012-10-17 documents have variables; in
2008-10-17 documents ``${...}`` is plain text (callers then never call `split_template`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar, final

ContextValue = str | Sequence[str]
Context = Mapping[str, ContextValue]


@final  # final, so `type(part) is Literal` (faster than isinstance) narrows for mypy
@dataclass(frozen=True, slots=True)
class Literal:
    text: str


@final
@dataclass(frozen=True, slots=True)
class Var:
    key: str  # lower-cased context key
    default: str | None = None


Part = str | Literal | Var
T = TypeVar("T")  # a part, or a token of `ec2sim.iam.policy.matching` (which adds wildcards)

_VARIABLE = re.compile(r"\$\{([^{}]*)\}")
_ESCAPES = frozenset("*?$")


def split_template(text: str) -> tuple[Part, ...]:
    """Split ``text`` into parts; malformed ``${...}`` (empty, bad default) stays plain text."""
    if "${" not in text:
        return (text,)
    parts: list[Part] = []
    pos = 0
    for match in _VARIABLE.finditer(text):
        part = _variable(match.group(1))
        if part is None:
            continue
        if match.start() > pos:
            parts.append(text[pos : match.start()])
        parts.append(part)
        pos = match.end()
    if pos < len(text):
        parts.append(text[pos:])
    return tuple(parts)


def _variable(inner: str) -> Literal | Var | None:
    """``key`` or ``key, 'default'`` (the default is everything between the first and the last
    quote); None when malformed. Read with string methods: a regex over user text backtracks."""
    if inner in _ESCAPES:
        return Literal(inner)
    key, comma, rest = inner.partition(",")
    key = key.strip()
    if not key or "'" in key:
        return None
    if not comma:
        return Var(key.lower())
    rest = rest.strip()
    if len(rest) >= 2 and rest[0] == rest[-1] == "'":
        return Var(key.lower(), rest[1:-1])
    return None


def has_variables(parts: Sequence[Part]) -> bool:
    return any(type(part) is Var for part in parts)


def lookup(context: Context, var: Var) -> str | None:
    """The single value a variable stands for, its default, or None (missing or multivalued)."""
    value = context.get(var.key)
    if isinstance(value, str):
        return value
    return var.default


def resolve(parts: Sequence[T], context: Context) -> list[T | Literal] | None:
    """Parts with every ``Var`` replaced by a ``Literal``, or None if one can't be resolved."""
    resolved: list[T | Literal] = []
    for part in parts:
        if isinstance(part, Var):
            value = lookup(context, part)
            if value is None:
                return None
            resolved.append(Literal(value))
        else:
            resolved.append(part)
    return resolved
