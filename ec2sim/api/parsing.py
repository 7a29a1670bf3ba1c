"""Decode flattened Query/EC2 request parameters by the operation's input shape.

`parse_request(service, operation, params)` turns ``{"Filter.1.Name": "x",
"Filter.1.Value.1": "y"}`` into ``{"Filters": [{"Name": "x", "Values": ["y"]}]}``
using boto3's member names, converts scalars to their model types, and checks
required members and (for IAM/STS) the model's length, range, pattern and enum
constraints. Failures raise `AwsError` with the service's own wording:
EC2 answers MissingParameter / InvalidParameterValue naming the wire parameter,
IAM and STS answer ValidationError ("1 validation error detected: ...").

Every key must fit the input shape: member wire names, list indexes (``[1-9][0-9]*``, ASCII
only, at most `MAX_INDEX`; Query lists under their ``member`` wrapper), map entries. A key that
doesn't (a Unicode digit, an empty segment, a trailing dot, an index 0 or 01, a key past a scalar,
one that is both a value and another key's prefix) is an unknown parameter: EC2's
UnknownParameter, IAM's and STS's ValidationError. Query services ignore names that are not
members at all, as before; EC2 rejects them. A request carries at most `MAX_PARAMETERS`
parameters, which bounds every list and map too.
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
from ec2sim.jsonsafe import NOT_XML

# Parameters every request may carry that are not members of any input shape.
_ENVELOPE = frozenset({"Action", "Version"})
_ENVELOPE_PREFIXES = ("X-Amz-", "AWSAccessKeyId", "Signature", "Timestamp", "Expires")

Tree = dict[str, Any]

MAX_PARAMETERS = 10_000
MAX_INDEX = 2**31 - 1  # assumed: AWS's Java parsers index lists with an int
_INDEX = re.compile(r"[1-9][0-9]{0,9}")
_CONTAINERS = frozenset({"structure", "list", "map"})


def is_index(segment: str) -> bool:
    """A list or map index as SDKs write it: 1, 2, ... in ASCII, no sign and no leading zero."""
    return _INDEX.fullmatch(segment) is not None and int(segment) <= MAX_INDEX


def unflatten(params: Mapping[str, str], protocol: str = "ec2") -> Tree:
    """``{"A.1.B": "v"}`` → ``{"A": {"1": {"B": "v"}}}`` (indexes stay strings).

    A key that is both a value and another key's prefix (``A=x`` with ``A.1=y``) is the
    protocol's unknown parameter."""
    parser = PARSERS[protocol]
    root: Tree = {}
    for key, value in params.items():
        node = root
        *path, last = key.split(".")
        for part in path:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                parser.unknown(key)
            node = child
        if last in node:
            parser.unknown(key)
        node[last] = value
    return root


def _indexed(node: Tree | str) -> list[Any]:
    """Items of ``{"1": a, "2": b}`` in index order (keys are checked indexes); ``""`` has none
    (botocore's Query serializer sends ``Name=`` for an empty list)."""
    if isinstance(node, str):
        return []
    return [node[index] for index in sorted(node, key=int)]


class _Problems:
    """Validation problems collected while parsing (IAM/STS report them all)."""

    def __init__(self) -> None:
        self.items: list[str] = []


class QueryParser:
    """The Query protocol (IAM, STS): ``Name.member.N`` lists, ``entry.N.key`` maps."""

    validates_constraints = True
    # Assumed: AWS documents no code for a malformed Query key or an oversized request.
    unknown_code = "ValidationError"
    too_many_code = "ValidationError"

    def wire_name(self, name: str, shape: Shape) -> str:
        return shape.serialization.get("name", name)

    def list_wrapper(self, shape: Shape) -> str | None:
        """The segment between a list's name and its indexes (``member``), if any."""
        if shape.serialization.get("flattened"):
            return None
        return shape.member.serialization.get("name", "member")

    def unknown_name(self, key: str) -> None:
        """A top-level key that names no member. Assumed: Query services ignore it, as AWS's
        Query services are lenient with extra parameters (SigV2's, say)."""

    # Fitting keys to the shape -----------------------------------------------------------

    def fitting(self, shape: Shape, params: Mapping[str, str]) -> dict[str, str]:
        """The parameters that are members of `shape`; a member's key that doesn't fit its shape
        is an unknown parameter, as is (on EC2) a key that names no member."""
        members = _wire_members(shape, self)
        kept: dict[str, str] = {}
        for key, value in params.items():
            first, *rest = key.split(".")
            member = members.get(first)
            if member is None:
                if key not in _ENVELOPE and not key.startswith(_ENVELOPE_PREFIXES):
                    self.unknown_name(key)
            elif self.fits(member, rest, value):
                kept[key] = value
            else:
                self.unknown(key)
        return kept

    def fits(self, shape: Shape, rest: list[str], value: str) -> bool:
        """Whether the segments `rest` below a member of type `shape` lead to one of its values
        (a scalar, or ``Name=`` for an empty list)."""
        at = 0
        while at < len(rest):
            kind = shape.type_name
            if kind == "structure":
                found = _wire_members(shape, self).get(rest[at])
                if found is None:
                    return False
                shape, at = found, at + 1
                continue
            if kind == "list":
                wrapper, item = self.list_wrapper(shape), shape.member
            elif kind == "map":
                wrapper, item = None if shape.serialization.get("flattened") else "entry", None
            else:
                return False
            if wrapper is not None:
                if rest[at] != wrapper:
                    return False
                at += 1
            if at >= len(rest) or not is_index(rest[at]):
                return False
            at += 1
            if item is None:  # a map entry: its key or its value
                if at >= len(rest):
                    return False
                item = _map_parts(shape, self).get(rest[at])
                if item is None:
                    return False
                at += 1
            shape = item
        return shape.type_name not in _CONTAINERS or (shape.type_name == "list" and value == "")

    def list_items(self, node: Tree | str, shape: Shape) -> list[Any]:
        wrapper = self.list_wrapper(shape)
        if wrapper is None or isinstance(node, str):
            return _indexed(node)
        return _indexed(node[wrapper])

    def map_entries(self, node: Tree, shape: Shape) -> list[Tree]:
        return _indexed(node if shape.serialization.get("flattened") else node["entry"])

    # Errors ---------------------------------------------------------------------------

    def unknown(self, key: str) -> None:
        raise AwsError(self.unknown_code, f"The parameter {key} is not recognized")

    def too_many(self, count: int) -> None:
        raise AwsError(
            self.too_many_code, f"The request has {count} parameters; ec2sim accepts at most {MAX_PARAMETERS}"
        )

    def missing(self, path: str, wire: str, problems: _Problems) -> None:
        problems.items.append(f"Value null at '{path}' failed to satisfy constraint: Member must not be null")

    def invalid(self, path: str, wire: str, value: Any, constraint: str, problems: _Problems) -> None:
        """``value`` None: a sensitive member, named without its value (as AWS words it)."""
        shown = "Value" if value is None else f"Value '{value}'"
        problems.items.append(f"{shown} at '{path}' failed to satisfy constraint: {constraint}")

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
    unknown_code = "UnknownParameter"
    too_many_code = "InvalidRequest"  # EC2's "The request is not valid" (assumed for this case)

    def wire_name(self, name: str, shape: Shape) -> str:
        ser = shape.serialization
        if "queryName" in ser:
            return ser["queryName"]
        if "name" in ser:
            return ser["name"][:1].upper() + ser["name"][1:]
        return name

    def list_wrapper(self, shape: Shape) -> str | None:
        return None

    def unknown_name(self, key: str) -> None:
        self.unknown(key)

    def missing(self, path: str, wire: str, problems: _Problems) -> None:
        raise AwsError("MissingParameter", f"The request must contain the parameter {wire}")

    def invalid(self, path: str, wire: str, value: Any, constraint: str, problems: _Problems) -> None:
        shown = "Value" if value is None else f"Value ({value})"
        raise AwsError("InvalidParameterValue", f"{shown} for parameter {wire} is invalid. {constraint}")

    def path_segment(self, name: str) -> str:
        return name


@cache
def _wire_members(shape: Shape, parser: QueryParser) -> dict[str, Shape]:
    """A structure's members by wire name."""
    return {parser.wire_name(name, member): member for name, member in shape.members.items()}


@cache
def _map_parts(shape: Shape, parser: QueryParser) -> dict[str, Shape]:
    """A map entry's key and value shapes by wire name (``key``/``value`` unless renamed)."""
    return {
        parser.wire_name("key", shape.key): shape.key,
        parser.wire_name("value", shape.value): shape.value,
    }


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
    """A model ``pattern`` (Java syntax) compiled for Python. Java's ``\\w``, ``\\d`` and ``\\s`` are
    ASCII classes (no UNICODE_CHARACTER_CLASS), so IAM refuses a name like "bücher"; Python's are
    Unicode unless re.ASCII."""
    return _UnicodeClass(regex) if "\\p{" in regex else re.compile(regex, re.ASCII)


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


_EPOCH = re.compile(r"[0-9]+\.?[0-9]*|\.[0-9]+")


def _parse_timestamp(text: str) -> datetime:
    if _EPOCH.fullmatch(text):
        return datetime.fromtimestamp(float(text), timezone.utc)
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


class _Walk:
    """One parse of one request: the protocol, and the problems found so far.

    The tree holds only keys that fit the shape (`QueryParser.fitting`), so a structure's node
    is a dict, a scalar's a string, and a list's a dict of indexes or ``""``."""

    def __init__(self, parser: QueryParser) -> None:
        self.parser = parser
        self.problems = _Problems()

    def structure(self, shape: Shape, node: Tree, path: str, wire_prefix: str) -> dict[str, Any]:
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
            return self.map(shape, raw, path, wire)
        return self.scalar(shape, raw, path, wire)

    def map(self, shape: Shape, node: Tree, path: str, wire: str) -> dict[Any, Any]:
        """Entries with both a key and a value; a missing half is a missing parameter."""
        out: dict[Any, Any] = {}
        prefix = wire if shape.serialization.get("flattened") else f"{wire}.entry"
        for i, entry in enumerate(self.parser.map_entries(node, shape), 1):
            found = []
            for name, part in _map_parts(shape, self.parser).items():
                item_path, item_wire = f"{path}.{i}.{name}", f"{prefix}.{i}.{name}"
                if name not in entry:
                    self.parser.missing(item_path, item_wire, self.problems)
                    break
                found.append(self.value(part, entry[name], item_path, item_wire))
            else:
                out[found[0]] = found[1]
        return out

    def scalar(self, shape: Shape, raw: str, path: str, wire: str) -> Any:
        kind = shape.type_name
        try:
            if kind == "string":
                if NOT_XML.search(raw):  # no response could carry it back (assumed: AWS refuses it too)
                    raise ValueError(raw)
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
            self.invalid(shape, path, wire, raw, f"Member must be a valid {kind}")
            return None
        return raw

    def invalid(self, shape: Shape, path: str, wire: str, raw: Any, constraint: str) -> None:
        """A problem with a value; one the model marks sensitive (a password, a secret) is never echoed."""
        shown = None if shape.metadata.get("sensitive") else raw
        self.parser.invalid(path, wire, shown, constraint, self.problems)

    def check_string(self, shape: Shape, raw: str, path: str, wire: str) -> None:
        if not self.parser.validates_constraints:
            return
        self.check_size(shape, len(raw), raw, path, wire, "length")
        enum = shape.metadata.get("enum")
        if enum and raw not in enum:
            constraint = f"Member must satisfy enum value set: [{', '.join(enum)}]"
            self.invalid(shape, path, wire, raw, constraint)
        regex = shape.metadata.get("pattern")
        compiled = pattern(regex) if regex else None
        if compiled is not None and not compiled.fullmatch(raw):
            constraint = f"Member must satisfy regular expression pattern: {regex}"
            self.invalid(shape, path, wire, raw, constraint)

    def check_size(self, shape: Shape, size: int, raw: Any, path: str, wire: str, what: str) -> None:
        if not self.parser.validates_constraints:
            return
        low, high = shape.metadata.get("min"), shape.metadata.get("max")
        if low is not None and size < low:
            constraint = f"Member must have {what} greater than or equal to {low}"
            self.invalid(shape, path, wire, raw, constraint)
        elif high is not None and size > high:
            constraint = f"Member must have {what} less than or equal to {high}"
            self.invalid(shape, path, wire, raw, constraint)


def parse_request(service: str, operation: str, params: Mapping[str, str]) -> dict[str, Any]:
    """The operation's input as boto3 names it, validated against the model."""
    info = SERVICE_INFO[service]
    parser = PARSERS[info.protocol]
    if len(params) > MAX_PARAMETERS:
        parser.too_many(len(params))
    shape = info.operation(operation).input_shape
    if shape is None:
        return {}
    tree = unflatten(parser.fitting(shape, params), info.protocol)
    walk = _Walk(parser)
    result = walk.structure(shape, tree, "", "")
    parser.raise_problems(walk.problems)
    return result
