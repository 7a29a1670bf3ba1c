"""Handlers take their request as boto3's own TypedDict of the operation (types-boto3-*, typing only),
so mypy checks every member name a handler reads against AWS's model.

The stubs are imported under TYPE_CHECKING only, so the annotations are read as text: a handler's
``req`` names its operation's TypedDict, or a union alias (one implementation serving the User, Group
and Role forms of an action) whose definition in the module lists it. Operations whose input shape
is missing or empty have no TypedDict and take a plain mapping.
"""

from __future__ import annotations

import ast
import inspect
import sys
from functools import cache
from types import ModuleType

from ec2sim.api.models import SERVICE_INFO
from ec2sim.api.registry import HANDLERS, load_all

load_all()  # every operation registered: the tests below enumerate them


def _request_annotation(handler: object) -> str:
    parameter = inspect.signature(handler).parameters.get("req")  # type: ignore[arg-type]
    return str(parameter.annotation) if parameter is not None else ""


@cache
def _aliases(module: ModuleType) -> dict[str, str]:
    """Every ``NAME = …`` assignment of the module (TYPE_CHECKING blocks included), as source text."""
    source = inspect.getsource(module)
    found: dict[str, str] = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            found[node.targets[0].id] = ast.get_source_segment(source, node.value) or ""
    return found


def _typed(service: str, operation: str, handler: object) -> bool:
    shape = SERVICE_INFO[service].operation(operation).input_shape
    if shape is None or not shape.members:  # types-boto3 makes no TypedDict for an empty input
        return True
    annotation = _request_annotation(handler)
    names = (f"{operation}RequestTypeDef", f"{operation}RequestRequestTypeDef")
    if annotation in names:
        return True
    alias = _aliases(sys.modules[handler.__module__]).get(annotation, "")  # type: ignore[attr-defined]
    return any(name in alias.replace("(", " ").replace(")", " ").replace("|", " ").split() for name in names)


def test_every_handler_takes_its_operations_typed_request() -> None:
    untyped = sorted(
        f"{service}:{name} ({_request_annotation(handler) or 'no req'})"
        for (service, name), handler in HANDLERS.items()
        if not _typed(service, name, handler)
    )
    assert not untyped, untyped


def test_request_types_are_imported_for_type_checking_only() -> None:
    """The stubs are a lint dependency: nothing at run time may import them."""
    assert not [name for name in sys.modules if name.startswith("types_boto3")]
