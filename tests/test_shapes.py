"""The thin model reader presents every shape it keeps exactly as botocore's own model classes do,
and the checked-in compact models are what the installed botocore makes."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from botocore.loaders import Loader
from botocore.model import ServiceModel as BotocoreServiceModel

from bench.tools import models as compact_models
from ec2sim.api.models import SERVICES, service_model
from ec2sim.api.shapes import Shape


def _same(ours: Shape, theirs: Any, depth: int, seen: set[tuple[str, str]]) -> None:
    """Compare one shape as one reference sees it, then its references' shapes, `depth` levels down."""
    assert (ours.name, ours.type_name) == (theirs.name, theirs.type_name)
    assert ours.serialization == theirs.serialization, ours.name
    assert ours.metadata == theirs.metadata, ours.name
    assert ours.required_members == theirs.required_members
    key = (ours.name, repr(sorted(ours.serialization.items())))
    if depth == 0 or key in seen:
        return
    seen.add(key)
    children: list[tuple[Shape, Any]] = []
    if ours.type_name == "structure":
        assert list(ours.members) == list(theirs.members)
        children = [(m, theirs.members[n]) for n, m in ours.members.items()]
    elif ours.type_name == "list":
        children = [(ours.member, theirs.member)]
    elif ours.type_name == "map":
        children = [(ours.key, theirs.key), (ours.value, theirs.value)]
    for child, their_child in children:
        _same(child, their_child, depth - 1, seen)


@pytest.mark.parametrize("service", list(SERVICES))
def test_every_shape_and_operation_matches_botocore(service: str) -> None:
    description = Loader().load_service_model(service, "service-2", SERVICES[service])
    theirs = BotocoreServiceModel(description, service)
    ours = service_model(service)
    assert ours.metadata == theirs.metadata
    assert ours.operation_names == theirs.operation_names  # every name: the rest answer Unsupported
    assert [name for name in theirs.shape_names if name in set(ours.shape_names)] == ours.shape_names
    assert [s.name for s in ours.error_shapes] == [s.name for s in theirs.error_shapes]
    seen: set[tuple[str, str]] = set()
    for name in ours.shape_names:
        _same(ours.shape_for(name), theirs.shape_for(name), 2, seen)
    for name in ours.operation_names:
        op, their_op = ours.operation_model(name), theirs.operation_model(name)
        assert op.name == their_op.name and op.auth_type == their_op.auth_type
    for name in sorted(compact_models.registered()[service]):
        op, their_op = ours.operation_model(name), theirs.operation_model(name)
        assert op.http == their_op.http
        for mine, other in ((op.input_shape, their_op.input_shape), (op.output_shape, their_op.output_shape)):
            assert (mine is None) == (other is None)
            if mine is not None:
                _same(mine, other, 1, seen)


def test_compact_models_are_generated_from_installed_botocore() -> None:
    stale = [
        name
        for name, data in compact_models.generate().items()
        if (compact_models.DIRECTORY / name).read_bytes() != data
    ]
    assert stale == [], "regenerate: PYTHONPATH=. python -m bench.tools.models"


def test_resolved_shapes_are_cached() -> None:
    model = service_model("ec2")
    op = model.operation_model("RunInstances")
    assert op is model.operation_model("RunInstances")
    assert op.input_shape.members["MinCount"] is op.input_shape.members["MinCount"]
    assert model.shape_for("InstanceType") is model.shape_for("InstanceType")


def test_the_server_does_not_import_botocore_or_cryptography() -> None:
    code = "import sys, ec2sim.server; print(sorted({m.split('.')[0] for m in sys.modules}"
    code += " & {'botocore', 'cryptography'}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
