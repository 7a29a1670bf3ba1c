"""Render handler results and errors as the service's XML, by the output shape.

Handlers return plain data named as boto3 names it (``{"Reservations": [...]}``).
A writer is compiled once per (protocol, shape) into closures that append
strings to a list, so rendering a response never walks the raw model again.
The EC2 protocol differs from Query only in its envelope, its list item name
(``item``), its timestamp precision and its error document.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from ec2sim.api.errors import AwsError
from ec2sim.api.json_protocol import JsonRenderer
from ec2sim.api.models import ServiceInfo
from ec2sim.api.shapes import OperationModel, Shape
from ec2sim.jsonsafe import NOT_XML

Writer = Callable[[Any, list[str]], None]


class Rendered(bytes):
    """A structure's content already written by its writer and encoded (`QueryRenderer.fragment`):
    a handler may put one where the structure's dict goes, and it is written as is (cached
    instances). A document holding one is joined as bytes (`_join`): a large answer made of
    cached pieces is then copied once, not joined and encoded."""

    __slots__ = ()


def _join(out: list[Any]) -> str | bytes:
    """The document: text, or bytes when it holds `Rendered` pieces (a failed join of text costs
    a type check of the pieces, not a copy)."""
    try:
        return "".join(out)
    except TypeError:
        return b"".join(p if p.__class__ is Rendered else p.encode() for p in out)


XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n'


def escape(text: str) -> str:
    if "&" in text or "<" in text or ">" in text:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


def _error_message(error: AwsError) -> str:
    """The message, with U+FFFD for characters XML can't carry (it may echo a parameter)."""
    return escape(NOT_XML.sub("\ufffd", error.message))


def _write_string(value: Any, out: list[str]) -> None:
    out.append(escape(value if isinstance(value, str) else str(value)))


def _write_int(value: Any, out: list[str]) -> None:
    out.append(str(int(value)))


def _write_float(value: Any, out: list[str]) -> None:
    out.append(repr(float(value)))


def _write_bool(value: Any, out: list[str]) -> None:
    out.append("true" if value else "false")


def _write_blob(value: Any, out: list[str]) -> None:
    raw = value.encode() if isinstance(value, str) else value
    out.append(base64.b64encode(raw).decode())


class QueryRenderer:
    """The Query protocol (IAM, STS)."""

    default_item_name = "member"
    content_type = "text/xml"

    def __init__(self) -> None:
        self._writers: dict[str, Writer] = {}
        self._lock = threading.Lock()

    # Shapes -------------------------------------------------------------------------

    def writer(self, shape: Shape) -> Writer:
        """The compiled writer of a shape's content (without its own element)."""
        found = self._writers.get(shape.name)
        if found is not None:
            return found
        with self._lock:
            return self._compile(shape)

    def fragment(self, shape: Shape, value: dict[str, Any]) -> Rendered:
        """A structure's content (`value`, without its own element), to be written later as is."""
        out: list[str] = []
        self.writer(shape)(value, out)
        return Rendered("".join(out).encode())

    def _compile(self, shape: Shape) -> Writer:
        found = self._writers.get(shape.name)
        if found is not None:
            return found
        cell: list[Writer] = []
        self._writers[shape.name] = lambda value, out: cell[0](value, out)  # recursion guard
        compiled = getattr(self, f"_compile_{shape.type_name}", self._compile_scalar)(shape)
        cell.append(compiled)
        self._writers[shape.name] = compiled
        return compiled

    def _compile_scalar(self, shape: Shape) -> Writer:
        return {
            "integer": _write_int,
            "long": _write_int,
            "float": _write_float,
            "double": _write_float,
            "boolean": _write_bool,
            "timestamp": self.write_timestamp,
            "blob": _write_blob,
        }.get(shape.type_name, _write_string)

    def member_name(self, name: str, shape: Shape) -> str:
        return shape.serialization.get("name", name)

    def _compile_structure(self, shape: Shape) -> Writer:
        fields: dict[str, Writer] = {}
        for name, member in shape.members.items():
            fields[name] = self._member_writer(self.member_name(name, member), member)

        def write(value: dict[str, Any], out: list[str]) -> None:
            if value.__class__ is Rendered:
                out.append(value)  # bytes: see `_join`
                return
            for key, item in value.items():
                if item is not None:
                    fields[key](item, out)

        return write

    def _member_writer(self, tag: str, shape: Shape) -> Writer:
        """Writes one member including its element (or, flattened, its elements)."""
        if shape.type_name == "list" and shape.serialization.get("flattened"):
            item_tag = shape.member.serialization.get("name", tag)
            return self._repeat(self._compile(shape.member), f"<{item_tag}>", f"</{item_tag}>")
        open_, close = f"<{tag}>", f"</{tag}>"
        scalar = self._scalar_member(shape, open_, close)
        if scalar is not None:
            return scalar
        inner = self._compile(shape)

        def write_member(value: Any, out: list[str]) -> None:
            out.append(open_)
            inner(value, out)
            out.append(close)

        return write_member

    def _scalar_member(self, shape: Shape, open_: str, close: str) -> Writer | None:
        """A string, boolean or integer member in one append: most of a response is these."""
        kind = shape.type_name
        if kind == "string":

            def write_string(value: Any, out: list[str]) -> None:
                out.append(f"{open_}{escape(value if isinstance(value, str) else str(value))}{close}")

            return write_string
        if kind == "boolean":
            true, false = f"{open_}true{close}", f"{open_}false{close}"
            return lambda value, out: out.append(true if value else false)
        if kind in ("integer", "long"):
            return lambda value, out: out.append(f"{open_}{int(value)}{close}")
        return None

    def _compile_list(self, shape: Shape) -> Writer:
        item_tag = shape.member.serialization.get("name", self.default_item_name)
        return self._repeat(self._compile(shape.member), f"<{item_tag}>", f"</{item_tag}>")

    @staticmethod
    def _repeat(inner: Writer, open_: str, close: str) -> Writer:
        def write(items: list[Any], out: list[str]) -> None:
            for item in items:
                out.append(open_)
                inner(item, out)
                out.append(close)

        return write

    def _compile_map(self, shape: Shape) -> Writer:
        key_tag = shape.key.serialization.get("name", "key")
        value_tag = shape.value.serialization.get("name", "value")
        write_key, write_value = self._compile(shape.key), self._compile(shape.value)
        entry = "" if shape.serialization.get("flattened") else "entry"

        def write(value: dict[Any, Any], out: list[str]) -> None:
            for k, v in value.items():
                if entry:
                    out.append(f"<{entry}>")
                out.append(f"<{key_tag}>")
                write_key(k, out)
                out.append(f"</{key_tag}><{value_tag}>")
                write_value(v, out)
                out.append(f"</{value_tag}>")
                if entry:
                    out.append(f"</{entry}>")

        return write

    @staticmethod
    def write_timestamp(value: datetime, out: list[str]) -> None:
        out.append(value.strftime("%Y-%m-%dT%H:%M:%SZ"))

    # Documents ----------------------------------------------------------------------

    def body(
        self, op: OperationModel, namespace: str, request_id: str, result: dict[str, Any]
    ) -> str | bytes:
        name = op.name
        out = [XML_DECL, f'<{name}Response xmlns="{namespace}">']
        shape = op.output_shape
        if shape is not None:
            wrapper = shape.serialization.get("resultWrapper", f"{name}Result")
            out.append(f"<{wrapper}>")
            self.writer(shape)(result, out)
            out.append(f"</{wrapper}>")
        out.append(
            f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{name}Response>"
        )
        return _join(out)

    def error_body(self, error: AwsError, namespace: str, request_id: str) -> str:
        kind = "Sender" if error.sender_fault else "Receiver"
        return (
            f'{XML_DECL}<ErrorResponse xmlns="{namespace}"><Error><Type>{kind}</Type>'
            f"<Code>{escape(error.code)}</Code><Message>{_error_message(error)}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        )


class Ec2Renderer(QueryRenderer):
    """The EC2 protocol: no result wrapper, ``item`` lists, ``requestId`` first."""

    default_item_name = "item"
    content_type = "text/xml;charset=UTF-8"

    @staticmethod
    def write_timestamp(value: datetime, out: list[str]) -> None:
        out.append(f"{value:%Y-%m-%dT%H:%M:%S}.{value.microsecond // 1000:03d}Z")

    def body(
        self, op: OperationModel, namespace: str, request_id: str, result: dict[str, Any]
    ) -> str | bytes:
        name = op.name
        out = [XML_DECL, f'<{name}Response xmlns="{namespace}"><requestId>{request_id}</requestId>']
        shape = op.output_shape
        if shape is None:
            out.append("<return>true</return>")
        else:
            self.writer(shape)(result, out)
        out.append(f"</{name}Response>")
        return _join(out)

    def error_body(self, error: AwsError, namespace: str, request_id: str) -> str:
        return (
            f"{XML_DECL}<Response><Errors><Error><Code>{escape(error.code)}</Code>"
            f"<Message>{_error_message(error)}</Message></Error></Errors>"
            f"<RequestID>{request_id}</RequestID></Response>"
        )


class Renderer(Protocol):
    content_type: str

    def body(
        self, op: OperationModel, namespace: str, request_id: str, result: dict[str, Any]
    ) -> str | bytes: ...

    def error_body(self, error: AwsError, namespace: str, request_id: str) -> str: ...


EC2_RENDERER = Ec2Renderer()  # also renders the fragments DescribeInstances caches
RENDERERS: dict[str, Renderer] = {"query": QueryRenderer(), "ec2": EC2_RENDERER, "json": JsonRenderer()}


def renderer_for(info: ServiceInfo) -> Renderer:
    return RENDERERS[info.protocol]
