"""Every ARN ec2sim builds is formatted in ec2sim/store/resources.py (issue 12: one descriptor per type)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "ec2sim"
HOME = PACKAGE / "store" / "resources.py"


def _built_arns(path: Path) -> list[int]:
    """Lines of f-strings that start an ARN (building one; plain prefixes to match against don't count)."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.JoinedStr) and node.values:
            first = node.values[0]
            if isinstance(first, ast.Constant) and str(first.value).startswith("arn:"):
                lines.append(node.lineno)
    return lines


def test_arns_are_built_by_the_descriptors_only() -> None:
    elsewhere = {
        str(path.relative_to(PACKAGE.parent)): lines
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != HOME and (lines := _built_arns(path))
    }
    assert not elsewhere, elsewhere
    assert _built_arns(HOME)  # the check sees f-strings at all
