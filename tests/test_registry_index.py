"""The operation index (`ec2sim.api.operation_index`) is current, and each module it names
registers its operations when imported: the server imports an operation's module on first call."""

from __future__ import annotations

import subprocess
import sys

from bench.tools import operations
from ec2sim.api import registry
from ec2sim.api.operation_index import MODULES


def test_the_index_is_generated_from_the_registrations() -> None:
    assert operations.TARGET.read_text() == operations.generate(), (
        "regenerate: PYTHONPATH=. python -m bench.tools.operations"
    )
    registry.load_all()
    assert registry.names() == sorted(registry.HANDLERS) == sorted(registry.OPERATIONS)


_IMPORT_EACH = """
import importlib
from ec2sim.api.operation_index import MODULES
from ec2sim.api.registry import HANDLERS

for module in sorted(set(MODULES.values()), reverse=True):
    importlib.import_module(module)
    missing = [key for key, owner in MODULES.items() if owner == module and key not in HANDLERS]
    assert not missing, (module, missing)
"""


def test_each_named_module_registers_its_operations() -> None:
    ran = subprocess.run([sys.executable, "-c", _IMPORT_EACH], capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0, ran.stderr


def test_an_operation_loads_its_module_on_first_use() -> None:
    operation = registry.operation("ec2", "DescribeRegions")
    assert operation is not None and registry.OPERATIONS[("ec2", "DescribeRegions")] is operation
    assert registry.operation("ec2", "DescribeNoSuchThing") is None
    assert len(MODULES) == len(registry.names())
