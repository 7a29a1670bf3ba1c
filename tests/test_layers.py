"""Layers point one way: protocol → handlers → request support → IAM engine → store → leaves.

The import graph of the `ec2sim` package is built statically (every ``import`` in every module,
including those inside functions and ``if TYPE_CHECKING:`` blocks: a typing-only import is still
a dependency), each module gets its layer, and no edge may point to a higher layer or close a
cycle. Modules past the size budget are reported, not failed.
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "ec2sim"
MAX_LINES = 600

# Lowest first: a module may import from its own layer or a lower one.
LAYERS = ("leaf", "store", "iam", "request", "handlers", "protocol")

# The layer of a module is that of its longest matching prefix; modules no prefix matches are
# leaves, which import nothing from ec2sim at all.
LAYER_PREFIXES: dict[str, str] = {
    "ec2sim.store": "store",
    "ec2sim.iam": "iam",
    # What every handler is written against: the request context, the action registry, AWS errors
    # (their statuses come from the service models) and the bridge to the policy engine.
    "ec2sim.api.context": "request",
    "ec2sim.api.registry": "request",
    "ec2sim.api.operation_index": "request",  # which module registers each operation (data)
    "ec2sim.api.errors": "request",
    "ec2sim.api.models": "request",
    "ec2sim.api.shapes": "request",
    "ec2sim.api.model_types": "request",  # request TypedDicts the stubs lack (typing only)
    "ec2sim.api.authorization": "request",
    # The wire renderer: a handler may hand back a structure already rendered (cached instances).
    "ec2sim.api.rendering": "request",
    "ec2sim.api.json_protocol": "request",  # the JSON protocol's renderer beside the others
    "ec2sim.api.ec2": "handlers",
    "ec2sim.api.iam": "handlers",
    "ec2sim.api.sts": "handlers",
    "ec2sim.api.sts_sessions": "handlers",
    "ec2sim.api.sts_federation": "handlers",
    "ec2sim.api.sts_saml": "handlers",
    "ec2sim.metadata": "handlers",  # the IMDS category tree and what its leaves read
    "ec2sim.api.cloudtrail": "handlers",
    "ec2sim.cloudtrail": "handlers",  # CloudTrail's events and lookups over the store's trail
    "ec2sim.api": "protocol",
    "ec2sim.metadata.app": "protocol",
    "ec2sim.server": "protocol",
    "ec2sim.cli": "protocol",
    # The commands that are HTTP clients of a running server (explain, tail, policy) and their client.
    "ec2sim.cli_control": "protocol",
    "ec2sim.cli_explain": "protocol",
    "ec2sim.cli_policy": "protocol",
    "ec2sim.testing": "protocol",
    "ec2sim.web": "protocol",  # the Flask applications
    "ec2sim.seed": "protocol",  # applies a seed by calling the operation handlers
    "ec2sim.pytest_plugin": "protocol",
    "ec2sim.__main__": "protocol",
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES: dict[str, Path] = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _resolve(name: str) -> str:
    """The module an imported name lives in: the name itself, else its closest enclosing module."""
    while name not in MODULES:
        name = name.rpartition(".")[0]
    return name


def _ours(name: str) -> bool:
    return name == "ec2sim" or name.startswith("ec2sim.")


def _imports(module: str, source: str, is_package: bool = False) -> Iterator[str]:
    """Every ec2sim module `module` (whose text is `source`) imports, wherever the import statement is."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source, module)):
        if isinstance(node, ast.Import):
            yield from (_resolve(alias.name) for alias in node.names if _ours(alias.name))
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            origin = ".".join(part for part in (base, node.module) if part)
            if _ours(origin):
                for alias in node.names:  # `from ec2sim.store.ec2 import lifecycle` imports a module
                    submodule = f"{origin}.{alias.name}"
                    yield submodule if submodule in MODULES else _resolve(origin)


def _module_imports(module: str) -> frozenset[str]:
    path = MODULES[module]
    found = _imports(module, path.read_text(encoding="utf-8"), path.name == "__init__.py")
    return frozenset(found) - {module}


GRAPH: dict[str, frozenset[str]] = {m: _module_imports(m) for m in MODULES}
EDGES: frozenset[tuple[str, str]] = frozenset((a, b) for a, targets in GRAPH.items() for b in targets)


def layer(module: str) -> str:
    prefixes = [p for p in LAYER_PREFIXES if module == p or module.startswith(p + ".")]
    return LAYER_PREFIXES[max(prefixes, key=len)] if prefixes else "leaf"


def _upward(edge: tuple[str, str]) -> bool:
    source, target = (layer(m) for m in edge)
    return source == "leaf" or LAYERS.index(target) > LAYERS.index(source)


def _cycles(edges: frozenset[tuple[str, str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    successors: dict[str, list[str]] = {m: [] for m in MODULES}
    for source, target in sorted(edges):
        successors[source].append(target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for target in successors[module]:
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = stack[stack.index(module) :]
            del stack[stack.index(module) :]
            if len(component) > 1:
                found.append(sorted(component))

    for module in MODULES:
        if module not in index:
            visit(module)
    return found


def test_the_graph_sees_every_kind_of_import() -> None:
    source = """
from typing import TYPE_CHECKING
import ec2sim.clock
from ec2sim.store.ec2 import lifecycle, region as _region
from . import sharing
from ..table import Table

if TYPE_CHECKING:
    from ec2sim.api.context import RequestContext

def later() -> None:
    from ec2sim.api.models import service_model
"""
    assert set(_imports("ec2sim.store.ec2.images", source)) == {
        "ec2sim.clock",
        "ec2sim.store.ec2.lifecycle",
        "ec2sim.store.ec2.region",
        "ec2sim.store.ec2.sharing",
        "ec2sim.store.table",
        "ec2sim.api.context",
        "ec2sim.api.models",
    }
    assert ("ec2sim.cli", "ec2sim.server") in EDGES  # imported inside a function (lazy start-up)


def test_layer_assignment() -> None:
    assert layer("ec2sim.api.app") == "protocol"
    assert layer("ec2sim.api.ec2.instances") == "handlers"
    assert layer("ec2sim.api.context") == "request"
    assert layer("ec2sim.metadata.tree") == "handlers"
    assert layer("ec2sim.metadata.app") == "protocol"
    assert layer("ec2sim.iam.policy.engine") == "iam"
    assert layer("ec2sim.store.ec2.region") == "store"
    assert layer("ec2sim.clock") == layer("ec2sim.botocore_data") == "leaf"


def test_no_upward_imports() -> None:
    upward = sorted(e for e in EDGES if _upward(e))
    assert not upward, "imports against the layers:\n" + "\n".join(
        f"  {a} ({layer(a)}) → {b} ({layer(b)})" for a, b in upward
    )


def test_no_import_cycles() -> None:
    cycles = _cycles(EDGES)
    assert not cycles, "import cycles:\n" + "\n".join("  " + " ↔ ".join(c) for c in cycles)


def test_the_metadata_service_shares_no_code_with_the_api() -> None:
    """IMDS reads the store, never the EC2 API's handlers (a separate protocol on its own listener)."""
    assert not sorted(
        (a, b) for a, b in EDGES if a.startswith("ec2sim.metadata") and b.startswith("ec2sim.api")
    )


def test_report_modules_past_the_size_budget() -> None:
    """Reported as a warning, not failed: splitting a module is a change of its own."""
    for module, path in MODULES.items():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES:
            warnings.warn(f"{module}: {lines} lines (budget {MAX_LINES})", stacklevel=1)
