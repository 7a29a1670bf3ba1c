"""The store's dataclasses as JSON-safe data and back (no pickle), for durable state and export.

`Codec.encode` turns a value into JSON-safe data: a dataclass becomes an object with its class
name under ``$type`` and its fields (except those declared with ``metadata=TRANSIENT``:
back-references and caches its owner rebuilds), a datetime ``{"$dt": ISO}``, a tuple
``{"$tuple": [...]}``, a set ``{"$set": [...]}`` (sorted, so equal states encode equally). A plain
dict stays a JSON object, unless one of its keys starts with ``$`` (a user's tag key may): then it
is ``{"$dict": [[k, v], ...]}``, so no user key is ever read as a marker.

`Codec.decode` rebuilds the value from the registered classes only, checking every field against
its annotation (`DecodeError` names the path and the problem), so a document from outside (an
import) either decodes into well-typed objects or is refused.
"""

from __future__ import annotations

import contextlib
import dataclasses
import types
import typing
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from ec2sim.store.decoders import Decoder, Mismatch, compile_decoder, field_plan, fields_of, set_late

_MARKERS = ("$dt", "$tuple", "$set", "$dict")


class DecodeError(ValueError):
    """The data is no encoding of a registered value; ``str()`` says where and why."""


TRANSIENT = types.MappingProxyType({"transient": True})  # a field's metadata: not part of the saved state


class Codec:
    """`classes()` gives the dataclasses it may encode and decode, by name (names are unique);
    it is asked again when a name is missing (a module imported since)."""

    def __init__(self, classes: Callable[[], Iterable[type]]) -> None:
        self._classes = classes
        self.classes: dict[str, type] = {}
        # While `sharing` runs: every string and timestamp decoded so far (by its text), so that
        # equal ones are one object.
        self.strings: dict[str, str] | None = None
        self.moments: dict[str, datetime] | None = None
        self._decoders: dict[Any, Decoder] = {}
        self._refresh()

    def _refresh(self) -> None:
        found: dict[str, type] = {}
        for cls in self._classes():
            assert dataclasses.is_dataclass(cls), cls
            assert found.setdefault(cls.__name__, cls) is cls, f"two classes named {cls.__name__}"
        self.classes = found

    def _class(self, name: str) -> type | None:
        if name not in self.classes:
            self._refresh()
        return self.classes.get(name)

    # Encoding -----------------------------------------------------------------------------------

    def encode(self, value: Any) -> Any:
        if value is None or isinstance(value, (str, bool, int, float)):
            return value
        if isinstance(value, datetime):
            return {"$dt": value.isoformat()}
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            name = type(value).__name__
            assert self._class(name) is type(value), f"unregistered class {name}"
            data = {"$type": name}
            data.update({f.name: self.encode(getattr(value, f.name)) for f in fields_of(type(value))})
            return data
        if isinstance(value, list):
            return [self.encode(item) for item in value]
        if isinstance(value, tuple):
            return {"$tuple": [self.encode(item) for item in value]}
        if isinstance(value, (set, frozenset)):
            return {"$set": sorted((self.encode(item) for item in value), key=repr)}
        if isinstance(value, dict):
            if all(isinstance(key, str) and not key.startswith("$") for key in value):
                return {key: self.encode(item) for key, item in value.items()}
            return {"$dict": [[self.encode(key), self.encode(item)] for key, item in value.items()]}
        raise TypeError(f"cannot encode {type(value).__name__}")

    # Decoding -----------------------------------------------------------------------------------

    def decode(self, data: Any, expected: Any = Any, path: str = "") -> Any:
        """The value `data` encodes, checked against the annotation `expected`: by the compiled
        decoder, or where that finds something it doesn't expect, the checked way (which names
        the problem)."""
        try:
            return self.decoder(expected)(data)
        except Mismatch:
            pass
        value = self._raw(data, path)
        _check(value, expected, path)
        return value

    def _raw(self, data: Any, path: str) -> Any:
        if data is None or isinstance(data, (str, bool, int, float)):
            return data
        if isinstance(data, list):
            return [self._raw(item, f"{path}[{i}]") for i, item in enumerate(data)]
        if not isinstance(data, dict):
            raise DecodeError(f"{path or 'document'}: unexpected {type(data).__name__}")
        if "$type" in data:
            return self._object(data, path)
        marker = next((m for m in _MARKERS if m in data), None)
        if marker is None:
            if any(key.startswith("$") for key in data):
                raise DecodeError(f"{path or 'document'}: unknown marker in {sorted(data)[:3]}")
            return {key: self._raw(item, f"{path}.{key}") for key, item in data.items()}
        if len(data) != 1:
            raise DecodeError(f"{path}: {marker} must be alone in its object")
        return self._marked(marker, data[marker], path)

    def _marked(self, marker: str, body: Any, path: str) -> Any:
        if marker == "$dt":
            if not isinstance(body, str):
                raise DecodeError(f"{path}: a timestamp must be an ISO 8601 string")
            try:
                moment = datetime.fromisoformat(body)
            except ValueError:
                raise DecodeError(f"{path}: not an ISO 8601 timestamp: {body[:40]!r}") from None
            if moment.tzinfo is None:
                raise DecodeError(f"{path}: a timestamp needs its UTC offset: {body[:40]!r}")
            return moment
        if not isinstance(body, list):
            raise DecodeError(f"{path}: {marker} must hold a list")
        items = [self._raw(item, f"{path}[{i}]") for i, item in enumerate(body)]
        if marker == "$tuple":
            return tuple(items)
        if marker == "$set":
            try:
                return set(items)
            except TypeError:
                raise DecodeError(f"{path}: a set of unhashable items") from None
        if not all(isinstance(pair, list) and len(pair) == 2 for pair in items):
            raise DecodeError(f"{path}: $dict must hold [key, value] pairs")
        try:
            return {key: item for key, item in items}
        except TypeError:
            raise DecodeError(f"{path}: an unhashable $dict key") from None

    def _object(self, data: dict[str, Any], path: str) -> Any:
        name = data["$type"]
        cls = self._class(name) if isinstance(name, str) else None
        if cls is None:
            raise DecodeError(f"{path or 'document'}: unknown type {str(name)[:60]!r}")
        known = fields_of(cls)
        names = {f.name for f in known}
        extra = sorted(set(data) - names - {"$type"})
        if extra:
            raise DecodeError(f"{path or name}: {name} has no field {extra[0]!r}")
        values = {}
        for f, hint, required in field_plan(cls):
            if f.name in data:
                values[f.name] = self.decode(data[f.name], hint, f"{path}.{f.name}")
            elif required:
                raise DecodeError(f"{path or name}: {name} needs field {f.name!r}")
        try:
            item = cls(**{f.name: values[f.name] for f in known if f.init and f.name in values})
        except (TypeError, ValueError) as error:
            raise DecodeError(f"{path or name}: {error}") from None
        for f in known:
            if not f.init and f.name in values:
                set_late(item, f.name, values[f.name])
        return item

    # Compiled decoders (`ec2sim.store.decoders`) --------------------------------------------------

    def decoder(self, annotation: Any) -> Decoder:
        """The compiled decoder of `annotation` (compiled once)."""
        try:
            return self._decoders[annotation]
        except KeyError:
            found = self._decoders[annotation] = compile_decoder(self, annotation)
            return found
        except TypeError:  # an annotation that can't be a key
            return compile_decoder(self, annotation)

    @contextlib.contextmanager
    def sharing(self) -> Iterator[None]:
        """Decode equal strings (and dict keys) and timestamps as one object each while the block
        runs: a whole saved state repeats most of its strings (zones, states, owners, tag keys) in
        every row, and the timestamps of what one request made, and a copy each is memory (and a
        snapshot's size and load time, `ec2sim.store.snapshot`). Both are immutable. Overlapping
        blocks (loads into two stores at once) only share less."""
        self.strings, self.moments = {}, {}
        try:
            yield
        finally:
            self.strings = self.moments = None

    def raw_or_mismatch(self, data: Any) -> Any:
        """Data annotated `Any`, decoded the codec's way (`Mismatch` where that finds a problem)."""
        if type(data) is str and self.strings is not None:
            return self.strings.setdefault(data, data)
        try:
            return self._raw(data, "")
        except DecodeError:
            raise Mismatch from None

    def checked_or_mismatch(self, annotation: Any) -> Decoder:
        """A decoder of `annotation` the codec's way, for shapes not compiled."""

        def decode(data: Any) -> Any:
            try:
                value = self._raw(data, "")
                _check(value, annotation, "")
            except DecodeError:
                raise Mismatch from None
            return value

        return decode


def _check(value: Any, expected: Any, path: str) -> None:  # noqa: PLR0911, PLR0912 (one case per kind)
    """Raise DecodeError unless `value` fits the annotation `expected` (as far as it says)."""
    if expected is Any or expected is object:
        return
    origin = typing.get_origin(expected)
    args = typing.get_args(expected)
    if origin is typing.Union or origin is types.UnionType:
        for option in args:
            try:
                _check(value, option, path)
                return
            except DecodeError:
                continue
        raise DecodeError(f"{path}: {_show(value)} is not {_name(expected)}")
    if origin is typing.Literal:
        if value not in args:
            raise DecodeError(f"{path}: {_show(value)} is not one of {list(args)}")
        return
    if expected is type(None):
        if value is not None:
            raise DecodeError(f"{path}: expected null, not {_show(value)}")
        return
    kind = origin or expected
    if not isinstance(kind, type):
        return  # a TypeVar or another construct: nothing to check
    if issubclass(kind, list) and kind is not list:  # a list of its own kind: checked as its base
        base = next(iter(getattr(kind, "__orig_bases__", ())), list)
        _check(value, base, path)
        return
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise DecodeError(f"{path}: {_show(value)} is not {_name(expected)}")
    _check_items(value, kind, args, path)


def _check_items(value: Any, kind: type, args: tuple[Any, ...], path: str) -> None:
    """`_check` for the items of a container `value` of type `kind` (annotated with `args`)."""
    if kind is list or kind is set:
        for i, item in enumerate(value):
            _check(item, args[0] if args else Any, f"{path}[{i}]")
    elif kind is dict and args:
        for key, item in value.items():
            _check(key, args[0], f"{path}.{key}")
            _check(item, args[1], f"{path}.{key}")
    elif kind is tuple and args:
        if len(args) == 2 and args[1] is Ellipsis:
            for i, item in enumerate(value):
                _check(item, args[0], f"{path}[{i}]")
        elif len(args) != len(value):
            raise DecodeError(f"{path}: expected {len(args)} items, not {len(value)}")
        else:
            for i, (item, arg) in enumerate(zip(value, args, strict=True)):
                _check(item, arg, f"{path}[{i}]")


def _show(value: Any) -> str:
    return type(value).__name__ if not isinstance(value, (str, int, float)) else repr(value)[:40]


def _name(annotation: Any) -> str:
    return getattr(annotation, "__name__", None) or str(annotation).replace("typing.", "")
