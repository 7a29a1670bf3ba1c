"""Decode flattened Query/EC2 request parameters by the operation's input shape.

`parse_request(service, operation, params)` turns ``{"Filter.1.Name": "x",
"Filter.1.Value.1": "y"}`` into ``{"Filters": [{"Name": "x", "Values": ["y"]}]}``
using boto3's member names, converts scalars to their model types, and checks
required members and (for IAM/STS) the model's length, range, pattern and enum
constraints. Failures raise `AwsError` with the service's own wording:
EC2 answers MissingParameter / InvalidParameterValue naming the wire parameter,
IAM and STS answer ValidationError ("1 validation error detected: ...").
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
from collections.abc import Mapping
from datetime import datetime, timezone
from functools import cache
from typing import Any

from ec2sim.api.errors import AwsError
from ec2sim.api.models import SERVICE_INFO
from ec2sim.api.shapes import Shape

# Parameters every request may carry that are not members of any input shape.
_ENVELOPE = frozenset({"Action", "Version"})
_ENVELOPE_PREFIXES = ("X-Amz-", "AWSAccessKeyId", "Signature", "Timestamp", "Expires")

Tree = dict[str, Any]


def unflatten(params: Mapping[str, str]) -> Tree:
    """``{"A.1.B": "v"}`` → ``{"A": {"1": {"B": "v"}}}`` (indexes stay strings)."""
    root: Tree = {}
    for key, value in params.items():
        node = root
        *path, last = key.split(".")
        for part in path:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        if not isinstance(node.get(last), dict):
            node[last] = value
    return root


def _indexed(node: Any) -> list[Any]:
    """Items of ``{"1": a, "2": b}`` in index order; non-numeric keys ignored."""
    if not isinstance(node, dict):
        return [node]
    keyed = sorted((int(k), v) for k, v in node.items() if k.isdigit())
    return [v for _, v in keyed]


class _Problems:
    """Validation problems collected while parsing (IAM/STS report them all)."""

    def __init__(self) -> None:
        self.items: list[str] = []


class QueryParser:
    """The Query protocol (IAM, STS): ``Name.member.N`` lists, ``entry.N.key`` maps."""

    validates_constraints = True

    def wire_name(self, name: str, shape: Shape) -> str:
        return shape.serialization.get("name", name)

    def list_items(self, node: Any, shape: Shape) -> list[Any]:
        if node == "":  # botocore sends ``Name=`` for an empty list
            return []
        if shape.serialization.get("flattened") or not isinstance(node, dict):
            return _indexed(node)
        return _indexed(node.get(shape.member.serialization.get("name", "member"), {}))

    def map_items(self, node: Any, shape: Shape) -> list[tuple[Any, Any]]:
        entries = node if shape.serialization.get("flattened") else node.get("entry", {})
        key_name = shape.key.serialization.get("name", "key")
        value_name = shape.value.serialization.get("name", "value")
        return [(e.get(key_name), e.get(value_name)) for e in _indexed(entries) if isinstance(e, dict)]

    # Errors ---------------------------------------------------------------------------

    def missing(self, path: str, wire: str, problems: _Problems) -> None:
        problems.items.append(f"Value null at '{path}' failed to satisfy constraint: Member must not be null")

    def invalid(self, path: str, wire: str, value: Any, constraint: str, problems: _Problems) -> None:
        problems.items.append(f"Value '{value}' at '{path}' failed to satisfy constraint: {constraint}")

    def raise_problems(self, problems: _Problems) -> None:
        if problems.items:
            n = len(problems.items)
            noun = "error" if n == 1 else "errors"
            raise AwsError("ValidationError", f"{n} validation {noun} detected: " + "; ".join(problems.items))

    def path_segment(self, name: str) -> str:
        return name[:1].lower() + name[1:]


class Ec2Parser(QueryParser):
    """The EC2 protocol: ``queryName`` / capitalised ``locationName``, lists always ``Name.N``."""

    validates_constraints = False

    def wire_name(self, name: str, shape: Shape) -> str:
        ser = shape.serialization
        if "queryName" in ser:
            return ser["queryName"]
        if "name" in ser:
            return ser["name"][:1].upper() + ser["name"][1:]
        return name

    def list_items(self, node: Any, shape: Shape) -> list[Any]:
        return [] if node == "" else _indexed(node)

    def missing(self, path: str, wire: str, problems: _Problems) -> None:
        raise AwsError("MissingParameter", f"The request must contain the parameter {wire}")

    def invalid(self, path: str, wire: str, value: Any, constraint: str, problems: _Problems) -> None:
        raise AwsError(
            "InvalidParameterValue", f"Value ({value}) for parameter {wire} is invalid. {constraint}"
        )

    def path_segment(self, name: str) -> str:
        return name


PARSERS: dict[str, QueryParser] = {"query": QueryParser(), "ec2": Ec2Parser()}


class _UnicodeClass:
    """``[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*``: a Java character class with Unicode categories,
    which Python's `re` can't compile (IAM's and STS's tag patterns)."""

    _FORM = re.compile(r"\[(.*)\]([*+])")

    def __init__(self, regex: str) -> None:
        form = self._FORM.fullmatch(regex)
        if form is None:
            raise ValueError(f"unsupported model pattern: {regex}")
        body, quantifier = form.groups()
        self.categories = tuple(re.findall(r"\\p\{(\w+)\}", body))
        others = re.sub(r"\\p\{\w+\}", "", body)
        self.others = re.compile(f"[{others}]") if others else None
        self.minimum = 1 if quantifier == "+" else 0

    def fullmatch(self, text: str) -> bool:
        return len(text) >= self.minimum and all(
            unicodedata.category(c).startswith(self.categories) or (self.others and self.others.fullmatch(c))
            for c in text
        )


@cache
def pattern(regex: str) -> re.Pattern[str] | _UnicodeClass:
    """A model ``pattern`` (Java syntax) compiled for Python."""
    return _UnicodeClass(regex) if "\\p{" in regex else re.compile(regex)


_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
_INTEGER_BITS = {"integer": 32, "long": 64}


def _parse_integer(text: str, bits: int) -> int:
    """ASCII digits only (``int()`` also takes "١٢" and "1_0"), within the Java type's range."""
    if not _INTEGER.fullmatch(text):
        raise ValueError(text)
    value = int(text)
    if not -(2 ** (bits - 1)) <= value < 2 ** (bits - 1):
        raise ValueError(text)
    return value


def _parse_timestamp(text: str) -> datetime:
    if text.replace(".", "", 1).isdigit():
        return datetime.fromtimestamp(float(text), timezone.utc)
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


class _Walk:
    """One parse of one request: the protocol, and the problems found so far."""

    def __init__(self, parser: QueryParser) -> None:
        self.parser = parser
        self.problems = _Problems()

    def structure(self, shape: Shape, node: Any, path: str, wire_prefix: str) -> dict[str, Any]:
        node = node if isinstance(node, dict) else {}
        out: dict[str, Any] = {}
        required = set(shape.required_members)
        for name, member in shape.members.items():
            wire = self.parser.wire_name(name, member)
            member_path = (
                f"{path}.{self.parser.path_segment(name)}" if path else self.parser.path_segment(name)
            )
            wire_path = f"{wire_prefix}.{wire}" if wire_prefix else wire
            raw = node.get(wire)
            if raw is None:
                if name in required:
                    self.parser.missing(member_path, wire_path, self.problems)
                continue
            out[name] = self.value(member, raw, member_path, wire_path)
        return out

    def value(self, shape: Shape, raw: Any, path: str, wire: str) -> Any:
        kind = shape.type_name
        if kind == "structure":
            return self.structure(shape, raw, path, wire)
        if kind == "list":
            items = [
                self.value(shape.member, item, f"{path}.{i}.member", f"{wire}.{i}")
                for i, item in enumerate(self.parser.list_items(raw, shape), 1)
            ]
            self.check_size(shape, len(items), items, path, wire, "length")
            return items
        if kind == "map":
            return {
                self.value(shape.key, k, path, wire): self.value(shape.value, v, path, wire)
                for k, v in self.parser.map_items(raw, shape)
                if k is not None
            }
        if isinstance(raw, dict):  # a scalar sent as a structure: ``Name.1=x`` for ``Name``
            self.parser.invalid(path, wire, "", "Member must be a scalar", self.problems)
            return None
        return self.scalar(shape, raw, path, wire)

    def scalar(self, shape: Shape, raw: str, path: str, wire: str) -> Any:
        kind = shape.type_name
        try:
            if kind == "string":
                self.check_string(shape, raw, path, wire)
                return raw
            if kind in ("integer", "long"):
                value: Any = _parse_integer(raw, _INTEGER_BITS[kind])
                self.check_size(shape, value, raw, path, wire, "value")
                return value
            if kind in ("float", "double"):
                if not _DECIMAL.fullmatch(raw):
                    raise ValueError(raw)
                return float(raw)
            if kind == "boolean":
                lowered = raw.lower()
                if lowered not in ("true", "false"):
                    raise ValueError(raw)
                return lowered == "true"
            if kind == "timestamp":
                return _parse_timestamp(raw)
            if kind == "blob":
                return base64.b64decode(raw, validate=True)
        except (ValueError, OverflowError, OSError, binascii.Error):
            self.parser.invalid(path, wire, raw, f"Member must be a valid {kind}", self.problems)
            return None
        return raw

    def check_string(self, shape: Shape, raw: str, path: str, wire: str) -> None:
        if not self.parser.validates_constraints:
            return
        self.check_size(shape, len(raw), raw, path, wire, "length")
        enum = shape.metadata.get("enum")
        if enum and raw not in enum:
            constraint = f"Member must satisfy enum value set: [{', '.join(enum)}]"
            self.parser.invalid(path, wire, raw, constraint, self.problems)
        regex = shape.metadata.get("pattern")
        compiled = pattern(regex) if regex else None
        if compiled is not None and not compiled.fullmatch(raw):
            constraint = f"Member must satisfy regular expression pattern: {regex}"
            self.parser.invalid(path, wire, raw, constraint, self.problems)

    def check_size(self, shape: Shape, size: int, raw: Any, path: str, wire: str, what: str) -> None:
        if not self.parser.validates_constraints:
            return
        low, high = shape.metadata.get("min"), shape.metadata.get("max")
        if low is not None and size < low:
            constraint = f"Member must have {what} greater than or equal to {low}"
            self.parser.invalid(path, wire, raw, constraint, self.problems)
        elif high is not None and size > high:
            constraint = f"Member must have {what} less than or equal to {high}"
            self.parser.invalid(path, wire, raw, constraint, self.problems)


def parse_request(service: str, operation: str, params: Mapping[str, str]) -> dict[str, Any]:
    """The operation's input as boto3 names it, validated against the model."""
    info = SERVICE_INFO[service]
    shape = info.operation(operation).input_shape
    parser = PARSERS[info.protocol]
    tree = unflatten(params)
    if shape is None:
        return {}
    walk = _Walk(parser)
    if info.protocol == "ec2":
        _reject_unknown(shape, tree, parser)
    result = walk.structure(shape, tree, "", "")
    parser.raise_problems(walk.problems)
    return result


@cache
def _known_wire_names(shape: Shape, parser: QueryParser) -> frozenset[str]:
    return frozenset(parser.wire_name(n, m) for n, m in shape.members.items())


def _reject_unknown(shape: Shape, tree: Tree, parser: QueryParser) -> None:
    known = _known_wire_names(shape, parser)
    for key in tree:
        if key in known or key in _ENVELOPE or key.startswith(_ENVELOPE_PREFIXES):
            continue
        raise AwsError("UnknownParameter", f"The parameter {key} is not recognized")
