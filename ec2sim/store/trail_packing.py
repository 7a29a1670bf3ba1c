"""How the trail keeps what only some readers of a record look at (`ec2sim.store.trail`): as bytes.

`pack` pickles a value and compresses it: a small one against a preset dictionary of typical
records' parts (so a CreateUser call's parameters and checks take ~30 bytes, not ~110); from
`SIZE` pickled bytes on, on its own, having first set each list
of four or more items of the same shape (RunInstances' instances, each as DescribeInstances shows
it) out as a `_Table`: the first item's shape once, then each leaf as a column of its values
across the items, and a column of generated ids (``i-0123…``, ``eni-…``, MAC addresses) as the
bytes their hex digits spell. Compressed that way, the answer of RunInstances of 100 instances
takes ~6.7 KB instead of ~13 KB (pickled and compressed as it is): what is left is mostly the ids'
own randomness. `unpack` rebuilds an equal value.

Pickle is safe here: the bytes are made in this process and never read from outside.
"""

from __future__ import annotations

import pickle
import re
import zlib
from collections.abc import Iterator, Sequence
from datetime import datetime, timezone
from itertools import repeat
from typing import Any

SIZE = 4096  # pickled bytes from which a value is set out in tables and compressed on its own
MEDIUM = 512  # pickled bytes from which a smaller value is compressed only when asked to
_PLAIN, _SMALL, _LARGE = b"P", b"S", b"L"  # the first byte of a packed value: how the rest is kept
_LEVEL = 6
_ROWS = 4  # items from which a list of same-shaped items is kept as a table
_WINDOW = 12  # a small value's deflate window, bits (4 KB: the smaller, the quicker a compressor's copy)
_ID = re.compile(r"([a-z][a-z-]*-)([0-9a-f]+)\Z")  # vpc-…, i-…, eni-attach-…
_MAC = re.compile(r"[0-9a-f]{2}(?::[0-9a-f]{2}){5}\Z")

Shape = tuple[Any, ...] | None  # as `_split` finds it


def pack(value: Any, thorough: bool = False) -> bytes:
    """`value` packed. Compressing costs ~15 ns a byte (~20 µs for 1.3 KB: an AccessDenied call's
    checks with their condition keys), too much for a 200-µs call: a pickle from `MEDIUM` bytes
    on is kept as it is unless `thorough` (beside a large answer, whose call costs milliseconds)."""
    if tabular(value):  # pickled as tables at once (pickling RunInstances' answer as it is: ~2 ms)
        data = pickle.dumps(_tabulate(value), protocol=pickle.HIGHEST_PROTOCOL)
    else:
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        if len(data) < SIZE:
            return _small(data, thorough)
    return _LARGE + zlib.compress(data, _LEVEL)


def _small(data: bytes, thorough: bool) -> bytes:
    """A small pickle, compressed when that is cheap (or `thorough`); the same bytes object for
    the same pickle while it is remembered (a describe polled in a loop packs the same parts
    again: its records share them, and compression is skipped)."""
    packed = _REMEMBERED.get(data)
    if packed is None:
        if len(data) < MEDIUM or thorough:
            compressor = _PRIMED.copy()  # a copy of a compressor that has read `_DICTIONARY`: ~3 µs
            packed = _SMALL + compressor.compress(data) + compressor.flush()
        else:
            packed = _PLAIN + data
        if len(data) <= _REMEMBERED_SIZE:
            if len(_REMEMBERED) >= _REMEMBERED_KEPT:
                _REMEMBERED.clear()
            _REMEMBERED[data] = packed
    return packed


_REMEMBERED: dict[bytes, bytes] = {}  # at most _KEPT pickles of at most _SIZE bytes: 1 MB at worst
_REMEMBERED_KEPT, _REMEMBERED_SIZE = 256, 2048


def unpack(data: bytes) -> Any:
    if data[:1] == _PLAIN:
        return pickle.loads(data[1:])  # noqa: S301 - our own bytes (see the module's docstring)
    if data[:1] == _SMALL:
        decompressor = zlib.decompressobj(-_WINDOW, zdict=_DICTIONARY)
        return pickle.loads(decompressor.decompress(data[1:]))  # noqa: S301 - our own bytes (see above)
    return _untabulate(pickle.loads(zlib.decompress(data[1:])))  # noqa: S301 - as above


def _samples() -> bytes:
    """What small packed values are compressed against (deflate's preset dictionary): pickles of
    typical calls' parts as `CallRecord` packs them, (parameters, checks, result), the commonest
    last (nearest)."""
    when = datetime(2026, 1, 1, tzinfo=timezone.utc)
    user, role = "arn:aws:iam::123456789012:user/name", "arn:aws:iam::123456789012:role/name"
    allowed = (("identity-based policy", "user", "policy", 0, "", "Allow"),)
    made = {"Path": "/", "CreateDate": when, "Tags": None}

    def check(action: str, resource: str, decision: str = "allowed") -> tuple[Any, ...]:
        return (action, resource, {}, decision, "", "", allowed if decision else (), False, ())

    instance = "arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0"
    samples = [
        ({"RoleName": "name"}, (check("iam:CreateRole", role, ""),), {"Role": {"RoleName": "name", **made}}),
        (
            {"Resources": ["i-0"], "Tags": [{"Key": "Name", "Value": "x"}]},
            (check("ec2:CreateTags", instance),),
            {"Return": True},
        ),
        ({"Filters": [{"Name": "tag:Name", "Values": ["x"]}]}, (check("ec2:DescribeVpcs", "*"),), None),
        ({"InstanceIds": ["i-0123456789abcdef0"]}, (check("ec2:DescribeInstances", "*"),), None),
        ({"UserName": "name"}, (check("iam:GetUser", user),), None),
        (
            {"UserName": "name"},
            (check("iam:CreateUser", user, ""),),
            {
                "User": {
                    "UserName": "name",
                    "UserId": "AIDA" + "X" * 17,
                    "Arn": user,
                    **made,
                    "PasswordLastUsed": None,
                }
            },
        ),
    ]
    return b"".join(pickle.dumps(sample, protocol=pickle.HIGHEST_PROTOCOL) for sample in samples)


_DICTIONARY = _samples()
_PRIMED = zlib.compressobj(1, zlib.DEFLATED, -_WINDOW, 2, zlib.Z_DEFAULT_STRATEGY, _DICTIONARY)


# Tables of same-shaped items ------------------------------------------------------------------


class _Table:
    """Items of one shape: `shape` and, for each leaf in the order `_build` reads them, a column."""

    __slots__ = ("columns", "count", "shape")

    def __init__(self, shape: Shape, columns: tuple[Any, ...], count: int) -> None:
        self.shape, self.columns, self.count = shape, columns, count

    def __reduce__(self) -> tuple[Any, ...]:
        return _Table, (self.shape, self.columns, self.count)

    def items(self) -> list[Any]:
        columns: list[Sequence[Any]] = []
        for column in self.columns:
            if isinstance(column, int):  # the position of an earlier column it equals
                columns.append(columns[column])
            elif isinstance(column, _Same):
                columns.append([column.value] * column.count)
            else:  # values, a range or a `_HexColumn`
                columns.append(column.values() if isinstance(column, _HexColumn) else column)
        assert self.shape is not None
        rows = zip(*columns, strict=True) if columns else repeat((), self.count)  # ({}, {}, …): no leaves
        return [_build(self.shape, iter(row)) for row in rows]


class _Same:
    """A column of one value (a leaf: immutable, so the items may share it)."""

    __slots__ = ("count", "value")

    def __init__(self, value: Any, count: int) -> None:
        self.value, self.count = value, count

    def __reduce__(self) -> tuple[Any, ...]:
        return _Same, (self.value, self.count)


class _HexColumn:
    """A column of ids that differ only in their hex digits: the digits kept as bytes."""

    __slots__ = ("digits", "mac", "prefix", "size")

    def __init__(self, prefix: str, size: int, digits: bytes, mac: bool) -> None:
        self.prefix, self.size, self.digits, self.mac = prefix, size, digits, mac

    def __reduce__(self) -> tuple[Any, ...]:
        return _HexColumn, (self.prefix, self.size, self.digits, self.mac)

    @classmethod
    def of(cls, column: Sequence[Any]) -> _HexColumn | None:
        """The column as hex, if each value is an id of the first one's prefix and length."""
        first = column[0]
        if not isinstance(first, str):
            return None
        mac = _MAC.match(first) is not None
        match = None if mac else _ID.match(first)
        if not mac and match is None:
            return None
        prefix = "" if match is None else match[1]
        size = 12 if match is None else len(match[2])
        digits = []
        for value in column:
            if not isinstance(value, str) or len(value) != len(first):
                return None
            if mac:
                if _MAC.match(value) is None:
                    return None
                digits.append(value.replace(":", ""))
            elif value.startswith(prefix) and _ID.match(value):
                digits.append(value[len(prefix) :] + "0" * (size % 2))
            else:
                return None
        try:
            return cls(prefix, size, bytes.fromhex("".join(digits)), mac)
        except ValueError:
            return None

    def values(self) -> list[str]:
        text, step = self.digits.hex(), self.size + self.size % 2
        found = [text[at : at + self.size] for at in range(0, len(text), step)]
        if self.mac:
            return [":".join(value[i : i + 2] for i in range(0, 12, 2)) for value in found]
        return [self.prefix + value for value in found]


def _split(values: list[Any], columns: list[list[Any]]) -> Shape:
    """The shape `values` (one place in each item) share: ("d", keys, parts) when all are dicts
    with the same keys in the same order, ("l", parts) when all are lists of one length, else
    None: a leaf, whose values are appended to `columns` as one (in the order `_build` reads
    them). Walked a place at a time across the items, not an item at a time: far fewer calls."""
    first = values[0]
    if type(first) is dict:
        keys = tuple(first)
        if all(type(value) is dict and tuple(value) == keys for value in values):
            return ("d", keys, tuple(_split([value[key] for value in values], columns) for key in keys))
    elif type(first) is list:
        size = len(first)
        if all(type(value) is list and len(value) == size for value in values):
            return ("l", tuple(_split([value[at] for value in values], columns) for at in range(size)))
    columns.append(values)
    return None


def _build(shape: Shape, leaves: Iterator[Any]) -> Any:
    if shape is None:
        return next(leaves)
    if shape[0] == "d":
        return {key: _build(part, leaves) for key, part in zip(shape[1], shape[2], strict=True)}
    return [_build(part, leaves) for part in shape[1]]


def tabular(value: Any) -> bool:
    """Whether `value` (a result) has a list of `_ROWS` dicts or more among its members."""
    return type(value) is dict and any(
        type(item) is list and len(item) >= _ROWS and type(item[0]) is dict for item in value.values()
    )


def _tabulate(value: dict[str, Any]) -> dict[str, Any]:
    """`value` with each member that is a list of `_ROWS` or more dicts as a `_Table`."""
    tabled = dict(value)
    for key, items in value.items():
        if type(items) is list and len(items) >= _ROWS and type(items[0]) is dict:
            columns: list[list[Any]] = []
            shape = _split(items, columns)
            if shape is not None:
                tabled[key] = _Table(shape, _columns(columns), len(items))
    return tabled


def _columns(columns: list[list[Any]]) -> tuple[Any, ...]:
    """The columns, each as compactly as it allows; a column of strings equal to an earlier one as
    that column's position (an instance shows its private address and DNS name three times over).
    Only strings: equal columns of other leaves may differ in type (``[1, 0] == [True, False]``)."""
    kept: list[Any] = []
    seen: dict[tuple[Any, ...], int] = {}
    for column in columns:
        first, kinds = column[0], set(map(type, column))
        if len(kinds) == 1 and type(first) not in (dict, list) and column.count(first) == len(column):
            kept.append(_Same(first, len(column)))
        elif kinds == {int} and column == list(range(first, first + len(column))):
            kept.append(range(first, first + len(column)))  # AmiLaunchIndex
        elif kinds == {str} and seen.setdefault(tuple(column), len(kept)) < len(kept):
            kept.append(seen[tuple(column)])
        else:
            kept.append(_HexColumn.of(column) or column)
    return tuple(kept)


def _untabulate(value: Any) -> Any:
    if type(value) is not dict:
        return value
    return {key: item.items() if isinstance(item, _Table) else item for key, item in value.items()}
