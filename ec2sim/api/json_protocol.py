"""AWS's JSON protocol (CloudTrail): ``POST /`` with ``X-Amz-Target: <targetPrefix>.<Operation>``
and a JSON body, answered with a JSON body; errors as ``{"__type": code, "message": text}``.

Driven by the service model like the Query and EC2 protocols (`ec2sim.api.parsing`,
`ec2sim.api.rendering`): the request body is read by the operation's input shape (member names as
boto3 names them, timestamps as epoch seconds), the result written by its output shape.

A body that is no JSON object, or a member of the wrong JSON type, is the protocol's
``SerializationException`` (400); a missing required member is a ``ValidationException`` in the
"1 validation error detected" form. Assumed: AWS's JSON services word these from their Java
deserializer; the messages here say the same thing in ec2sim's words. Value constraints (ranges,
lengths, enums) are left to the operation, which answers them with its service's own exceptions
(CloudTrail's InvalidMaxResultsException, say), as AWS's services do.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from ec2sim.api.errors import AwsError
from ec2sim.api.models import SERVICE_INFO, ServiceInfo
from ec2sim.api.shapes import OperationModel, Shape

_INT_BITS = {"integer": 32, "long": 64}
_MAX_DEPTH = 64  # nesting a request may have (no model nests deeper)


def target(headers: Mapping[str, str]) -> tuple[ServiceInfo, str] | None:
    """The served JSON service and operation an ``X-Amz-Target`` header names (None: not one).
    ``"-"`` is the operation of a target without one."""
    value = headers.get("x-amz-target")
    if not value:
        return None
    prefix, _, operation = value.rpartition(".")
    for info in SERVICE_INFO.values():
        if info.protocol == "json" and info.model.metadata.get("targetPrefix") == prefix:
            return info, operation or "-"
    return None


def serialization_error(message: str) -> AwsError:
    return AwsError("SerializationException", message)


def parse_json(service: str, operation: str, body: bytes) -> dict[str, Any]:
    """The operation's input as boto3 names it, read from the JSON body by the input shape."""
    try:
        document = json.loads(body.decode("utf-8")) if body.strip() else {}
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise serialization_error("The request body is not valid JSON.") from None
    shape = SERVICE_INFO[service].operation(operation).input_shape
    if not isinstance(document, dict):
        raise serialization_error("The request body must be a JSON object.")
    if shape is None:
        return {}
    problems: list[str] = []
    result = _structure(shape, document, "", problems, 0)
    if problems:
        noun = "error" if len(problems) == 1 else "errors"
        raise AwsError(
            "ValidationException", f"{len(problems)} validation {noun} detected: " + "; ".join(problems)
        )
    return result


def _wrong(path: str, expected: str) -> AwsError:
    return serialization_error(f"Expected {expected} at '{path or 'body'}'.")


def _structure(shape: Shape, value: Any, path: str, problems: list[str], depth: int) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _wrong(path, "a JSON object")
    out: dict[str, Any] = {}
    for name, member in shape.members.items():
        member_path = f"{path}.{name[:1].lower()}{name[1:]}" if path else f"{name[:1].lower()}{name[1:]}"
        item = value.get(name)
        if item is None:  # absent or null; other keys are ignored, as AWS's JSON services do
            if name in shape.required_members:
                problems.append(
                    f"Value null at '{member_path}' failed to satisfy constraint: Member must not be null"
                )
            continue
        out[name] = _value(member, item, member_path, problems, depth + 1)
    return out


def _value(shape: Shape, value: Any, path: str, problems: list[str], depth: int) -> Any:  # noqa: PLR0911
    if depth > _MAX_DEPTH:
        raise serialization_error("The request is nested too deeply.")
    kind = shape.type_name
    if kind == "structure":
        return _structure(shape, value, path, problems, depth)
    if kind == "list":
        if not isinstance(value, list):
            raise _wrong(path, "a JSON array")
        return [
            _value(shape.member, item, f"{path}.{i}.member", problems, depth + 1)
            for i, item in enumerate(value, 1)
        ]
    if kind == "map":
        if not isinstance(value, dict):
            raise _wrong(path, "a JSON object")
        return {k: _value(shape.value, v, f"{path}.{k}", problems, depth + 1) for k, v in value.items()}
    if kind == "string":
        if not isinstance(value, str):
            raise _wrong(path, "a string")
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            raise _wrong(path, "a boolean")
        return value
    if kind in _INT_BITS:
        bits = _INT_BITS[kind]
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not -(2 ** (bits - 1)) <= value < 2 ** (bits - 1)
        ):
            raise _wrong(path, f"a {kind}")
        return value
    if kind in ("float", "double"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _wrong(path, "a number")
        return float(value)
    if kind == "timestamp":
        return _timestamp(value, path)
    if kind == "blob":
        if not isinstance(value, str):
            raise _wrong(path, "base64 data")
        try:
            return base64.b64decode(value, validate=True)
        except binascii.Error:
            raise _wrong(path, "base64 data") from None
    return value


def _timestamp(value: Any, path: str) -> datetime:
    """Epoch seconds, as SDKs send them (an ISO 8601 string is taken too)."""
    try:
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            return datetime.fromtimestamp(value, timezone.utc)
        if isinstance(value, str):
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    except (ValueError, OverflowError, OSError):
        pass
    raise _wrong(path, "a timestamp")


class JsonRenderer:
    """Results and errors as the JSON protocol writes them (timestamps as epoch seconds)."""

    content_type = "application/x-amz-json-1.1"

    def body(self, op: OperationModel, namespace: str, request_id: str, result: dict[str, Any]) -> str:
        shape = op.output_shape
        return json.dumps(_render(shape, result) if shape is not None else {})

    def error_body(self, error: AwsError, namespace: str, request_id: str) -> str:
        return json.dumps({"__type": error.code, "message": error.message})


def _render(shape: Shape, value: Any) -> Any:
    kind = shape.type_name
    if kind == "structure":
        members = shape.members
        return {k: _render(members[k], v) for k, v in value.items() if v is not None and k in members}
    if kind == "list":
        return [_render(shape.member, item) for item in value]
    if kind == "map":
        return {k: _render(shape.value, v) for k, v in value.items()}
    if kind == "timestamp":
        return value.timestamp()
    if kind == "blob":
        return base64.b64encode(value.encode() if isinstance(value, str) else value).decode()
    return value


# How a JSON service names what the Query services call AccessDenied and their signature errors.
_JSON_CODES = {
    "AccessDenied": "AccessDeniedException",
    "MissingAuthenticationToken": "MissingAuthenticationTokenException",
    "IncompleteSignature": "IncompleteSignatureException",
    "SignatureDoesNotMatch": "InvalidSignatureException",
    "InvalidClientTokenId": "UnrecognizedClientException",
    "ExpiredToken": "ExpiredTokenException",
    "MissingAction": "UnknownOperationException",
    "InvalidAction": "UnknownOperationException",
}


def json_error(error: AwsError) -> AwsError:
    """A Query-worded error (authentication, authorization) in the JSON services' words: their
    codes end in ``Exception``, and a denial of an action on ``*`` names no resource."""
    code = _JSON_CODES.get(error.code)
    if code is None:
        return error
    message = (
        error.message.replace(" on resource: *", "") if code == "AccessDeniedException" else error.message
    )
    return AwsError(code, message, error.explicit_status)
