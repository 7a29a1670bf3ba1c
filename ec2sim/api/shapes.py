"""A thin reading of AWS's service models (botocore's data files, see `ec2sim.botocore_data`).

botocore's runtime model classes pull in its auth, HTTP and date stacks (tens of
milliseconds at start-up); the emulator needs only the shapes. These classes read
a ``service-2`` model (the compact part `ec2sim.api.models` loads) as plain dicts and present the same shape API botocore's
`botocore.model` does for what the emulator (and botocore's own serializers and
parsers, in the protocol tests) reads: a member reference's traits are merged over
the shape's definition, then split into ``serialization`` and ``metadata`` exactly
as botocore splits them. Every resolved shape is cached, so requests only do
attribute and dict lookups.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

# botocore.model.Shape.SERIALIZED_ATTRS and METADATA_ATTRS.
_SERIALIZED_ATTRS = (
    "locationName",
    "queryName",
    "flattened",
    "location",
    "payload",
    "streaming",
    "timestampFormat",
    "xmlNamespace",
    "resultWrapper",
    "xmlAttribute",
    "eventstream",
    "event",
    "eventheader",
    "eventpayload",
    "jsonvalue",
    "hostLabel",
)
_METADATA_ATTRS = (
    "required",
    "min",
    "max",
    "pattern",
    "sensitive",
    "enum",
    "idempotencyToken",
    "error",
    "exception",
    "endpointdiscoveryid",
    "retryable",
    "document",
    "union",
    "contextParam",
    "clientContextParams",
    "requiresLength",
)

Json = dict[str, Any]


class Shape:
    """One shape as one reference sees it (the reference's traits override the definition)."""

    def __init__(self, name: str, model: Json, resolver: ServiceModel) -> None:
        self.name = name
        self.type_name: str = model["type"]
        self._model = model
        self._resolver = resolver

    def __repr__(self) -> str:
        return f"<Shape({self.name})>"

    @cached_property
    def serialization(self) -> Json:
        found = {attr: self._model[attr] for attr in _SERIALIZED_ATTRS if attr in self._model}
        if "locationName" in found:
            found["name"] = found.pop("locationName")
        return found

    @cached_property
    def metadata(self) -> Json:
        return {attr: self._model[attr] for attr in _METADATA_ATTRS if attr in self._model}

    @cached_property
    def required_members(self) -> list[str]:
        return self.metadata.get("required", [])

    @cached_property
    def members(self) -> dict[str, Shape]:
        resolve = self._resolver.resolve_shape_ref
        return {name: resolve(ref) for name, ref in self._model.get("members", {}).items()}

    @cached_property
    def member(self) -> Shape:
        return self._resolver.resolve_shape_ref(self._model["member"])

    @cached_property
    def key(self) -> Shape:
        return self._resolver.resolve_shape_ref(self._model["key"])

    @cached_property
    def value(self) -> Shape:
        return self._resolver.resolve_shape_ref(self._model["value"])

    @property
    def enum(self) -> list[str]:
        return self.metadata.get("enum", [])

    # What botocore's serializers, validator and parsers read besides the above (protocol tests).

    @property
    def is_tagged_union(self) -> bool:
        return self.metadata.get("union", False)

    @property
    def is_document_type(self) -> bool:
        return self.metadata.get("document", False)


class OperationModel:
    """An operation: its name and its input and output shapes (``None`` when not modelled)."""

    def __init__(self, name: str, model: Json, service: ServiceModel) -> None:
        self.name = name
        self.metadata = service.metadata
        self.http: Json = model.get("http", {})
        self.endpoint: Json | None = model.get("endpoint")
        self.auth_type: str | None = model.get("authtype")  # "none": served without a signature
        self._model = model
        self._service = service

    @cached_property
    def input_shape(self) -> Shape | None:
        ref = self._model.get("input")
        return None if ref is None else self._service.resolve_shape_ref(ref)

    @cached_property
    def output_shape(self) -> Shape | None:
        ref = self._model.get("output")
        return None if ref is None else self._service.resolve_shape_ref(ref)


class ServiceModel:
    """A service's metadata, operations and shapes, resolved on first use and cached."""

    def __init__(self, description: Json, service_name: str) -> None:
        self.service_name = service_name
        self.metadata: Json = description.get("metadata", {})
        self._operations: Json = description.get("operations", {})
        self._shapes: Json = description.get("shapes", {})
        self._operation_cache: dict[str, OperationModel] = {}
        self._shape_cache: dict[str, Shape] = {}

    @cached_property
    def operation_names(self) -> list[str]:
        return list(self._operations)

    @cached_property
    def shape_names(self) -> list[str]:
        return list(self._shapes)

    @cached_property
    def error_shapes(self) -> list[Shape]:
        """The shapes modelled as exceptions (found without resolving every other shape)."""
        return [self.shape_for(name) for name, shape in self._shapes.items() if shape.get("exception")]

    def operation_model(self, name: str) -> OperationModel:
        """The operation (KeyError when the service has none of that name)."""
        found = self._operation_cache.get(name)
        if found is None:
            found = self._operation_cache.setdefault(name, OperationModel(name, self._operations[name], self))
        return found

    def shape_for(self, name: str) -> Shape:
        """The shape as its definition alone describes it (KeyError when undefined)."""
        found = self._shape_cache.get(name)
        if found is None:
            found = self._shape_cache.setdefault(name, Shape(name, self._shapes[name], self))
        return found

    def resolve_shape_ref(self, ref: Json) -> Shape:
        """The shape a reference names; a reference carrying traits gets its own Shape."""
        if len(ref) == 1:
            return self.shape_for(ref["shape"])
        traits = dict(ref)
        name = traits.pop("shape")
        return Shape(name, {**self._shapes[name], **traits}, self)
