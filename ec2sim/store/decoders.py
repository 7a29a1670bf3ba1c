"""Compiled decoders: `Codec.decode`'s result, fast, for data that is well formed.

`Codec.decode` walks the data and checks every value against its annotation, building the path
of each value as it goes so that an error can name it; loading 100,000 saved instances that way
took most of a start-up. A decoder here is compiled once per annotation (per dataclass: one
converter per field) and does the same decoding and the same checks, but gives up (`Mismatch`)
at the first thing it doesn't expect, naming nothing: the codec then decodes that value again
its own way, which finds and names the problem (or, for a shape compiled here as "don't know",
simply decodes it). Decoding is structural (the data's markers say what a value is), so a
decoder that succeeds returns exactly what the codec's own way would.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from datetime import datetime
from functools import cache
from typing import Any, Protocol

Decoder = Callable[[Any], Any]


class Codec(Protocol):
    """What a compiled decoder asks of `ec2sim.store.codec.Codec`."""

    classes: dict[str, type]
    strings: dict[str, str] | None
    moments: dict[str, datetime] | None

    def decoder(self, annotation: Any) -> Decoder: ...

    def raw_or_mismatch(self, data: Any) -> Any: ...

    def checked_or_mismatch(self, annotation: Any) -> Decoder: ...


class Mismatch(Exception):
    """The data is not what the compiled decoder expects: decode it the checked way."""


def compile_decoder(codec: Codec, annotation: Any) -> Decoder:  # noqa: PLR0911 (one case per kind)
    """A decoder of data annotated `annotation` (compiled lazily for dataclasses, which may nest)."""
    if annotation is Any or annotation is object:
        return codec.raw_or_mismatch
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Union or origin is types.UnionType:
        return _union([codec.decoder(option) for option in args])
    if annotation is type(None):
        return _none
    if origin is typing.Literal:
        return _literal(frozenset(args))
    kind = origin or annotation
    if kind is str:
        return _string(codec)
    if kind is bool:
        return _exact(bool)
    if kind is int:
        return _exact(int)
    if kind is float:
        return _float
    if kind is datetime:
        return _datetime(codec)
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        return _object(codec, kind)
    if isinstance(kind, type) and issubclass(kind, list) and kind is not list:  # checked as its base
        return codec.decoder(next(iter(getattr(kind, "__orig_bases__", ())), list))
    if kind is list:
        return _list(codec.decoder(args[0] if args else Any))
    if kind is dict and (not args or args[0] is str):
        return _dict(codec, codec.decoder(args[1] if args else Any))
    return codec.checked_or_mismatch(annotation)  # sets, tuples, other keys: the checked way


def _union(options: list[Decoder]) -> Decoder:
    def decode(data: Any) -> Any:
        for option in options:
            try:
                return option(data)
            except Mismatch:
                continue
        raise Mismatch

    return decode


def _none(data: Any) -> None:
    if data is not None:
        raise Mismatch


def _literal(values: frozenset[Any]) -> Decoder:
    def decode(data: Any) -> Any:
        if isinstance(data, (dict, list)) or data not in values:
            raise Mismatch
        return data

    return decode


def _exact(kind: type) -> Decoder:
    def decode(data: Any) -> Any:
        if type(data) is not kind:  # JSON's values are exactly str, bool, int, float
            raise Mismatch
        return data

    return decode


def _string(codec: Codec) -> Decoder:
    def decode(data: Any) -> Any:
        if type(data) is not str:
            raise Mismatch
        strings = codec.strings
        return data if strings is None else strings.setdefault(data, data)

    return decode


def _float(data: Any) -> Any:
    if type(data) is not float and type(data) is not int:
        raise Mismatch
    return data


def _datetime(codec: Codec) -> Decoder:
    def decode(data: Any) -> datetime:
        if type(data) is not dict or len(data) != 1 or type(data.get("$dt")) is not str:
            raise Mismatch
        text = data["$dt"]
        moments = codec.moments
        shared = moments.get(text) if moments is not None else None
        if shared is not None:
            return shared
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise Mismatch from None
        if moment.tzinfo is None:
            raise Mismatch
        if moments is not None:
            moments[text] = moment
        return moment

    return decode


def _list(item: Decoder) -> Decoder:
    def decode(data: Any) -> list[Any]:
        if type(data) is not list:
            raise Mismatch
        return [item(value) for value in data]

    return decode


def _dict(codec: Codec, item: Decoder) -> Decoder:
    def decode(data: Any) -> dict[str, Any]:
        if type(data) is not dict:
            raise Mismatch
        result = {}
        strings = codec.strings
        for key, value in data.items():
            if key.startswith("$"):  # a marker, or a key encoded as $dict: the checked way
                raise Mismatch
            result[key if strings is None else strings.setdefault(key, key)] = item(value)
        return result

    return decode


def _object(codec: Codec, cls: type) -> Decoder:
    """A decoder of `cls` itself (a subclass's data, or anything else: the checked way). Its
    fields' decoders are compiled on first use: classes refer to each other."""
    name = cls.__name__
    defaults = _plain_defaults(cls)
    compiled: tuple[frozenset[str], list[tuple[str, Decoder, bool, bool]]] | None = None

    def fields() -> tuple[frozenset[str], list[tuple[str, Decoder, bool, bool]]]:
        nonlocal compiled
        if compiled is None:  # name, decoder, required, set at init
            plan = [(f.name, codec.decoder(hint), required, f.init) for f, hint, required in field_plan(cls)]
            compiled = frozenset(f for f, *_ in plan) | {"$type"}, plan
        return compiled

    def decode(data: Any) -> Any:
        if type(data) is not dict or data.get("$type") != name or codec.classes.get(name) is not cls:
            raise Mismatch
        allowed, plan = fields()
        if not allowed.issuperset(data):
            raise Mismatch
        init: dict[str, Any] = {}
        late: list[tuple[str, Any]] = []
        for field, decoder, required, at_init in plan:
            if field in data:
                if at_init:
                    init[field] = decoder(data[field])
                else:
                    late.append((field, decoder(data[field])))
            elif required:
                raise Mismatch
        if defaults is None:
            try:
                item = cls(**init)
            except (TypeError, ValueError):
                raise Mismatch from None
        else:  # what the generated __init__ would do, without a __setattr__ call per field
            item = object.__new__(cls)  # no stored class defines __new__
            for field, default, factory in defaults:
                if field not in init:
                    init[field] = default if factory is None else factory()
            item.__dict__.update(init)
        for field, value in late:
            set_late(item, field, value)
        return item

    return decode


def _plain_defaults(cls: type) -> list[tuple[str, Any, Callable[[], Any] | None]] | None:
    """Each field's default (or default factory) when an instance of `cls` can be built by filling
    its ``__dict__``: its ``__init__`` is the one dataclasses generated (only assigning fields) and
    nothing runs after it; None when the class must be called."""
    init = getattr(cls, "__init__", None)
    code = getattr(init, "__code__", None)
    if (
        hasattr(cls, "__post_init__")
        or hasattr(cls, "__slots__")
        or code is None
        or code.co_filename != "<string>"  # not generated
        or init.__qualname__ != f"{cls.__qualname__}.__init__"  # type: ignore[union-attr]
    ):
        return None
    found: list[tuple[str, Any, Callable[[], Any] | None]] = []
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING:
            found.append((f.name, f.default, None))
        elif f.default_factory is not dataclasses.MISSING:
            found.append((f.name, None, f.default_factory))
        elif not f.init:
            return None  # set by nothing at all: not worth copying that
    return found


def fields_of(cls: type) -> tuple[dataclasses.Field[Any], ...]:
    """The fields of `cls` that are saved (not declared with ``metadata=TRANSIENT``)."""
    return tuple(f for f in dataclasses.fields(cls) if not f.metadata.get("transient"))


@cache
def field_plan(cls: type) -> tuple[tuple[dataclasses.Field[Any], Any, bool], ...]:
    """Each saved field of `cls`: the field, its annotation, whether the data must have it."""
    hints = _hints(cls)
    return tuple(
        (
            f,
            hints.get(f.name, Any),
            f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING and f.init,
        )
        for f in fields_of(cls)
    )


@cache
def _hints(cls: type) -> dict[str, Any]:
    """The fields' annotations (none checked for a class whose annotations name what its module
    imports only for type checkers)."""
    try:
        return typing.get_type_hints(cls)
    except NameError:
        return {}


def set_late(item: Any, name: str, value: Any) -> None:
    """Set a field its class's ``__init__`` doesn't take (a list of its own kind is filled)."""
    current = getattr(item, name)
    if isinstance(current, list) and type(current) is not list:
        current.extend(value)  # a list of its own kind (a group's RuleList)
    else:
        object.__setattr__(item, name, value)
