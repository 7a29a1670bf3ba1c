"""docs/actions.md is what `make docs` (bench/tools/actions.py) makes of the handler registry today."""

from __future__ import annotations

import re

from bench.tools import actions


def test_actions_doc_is_current() -> None:
    expected, current = actions.generate(), actions.DOC.read_text(encoding="utf-8")
    documented = re.search(r"botocore (\S+)'s", current)
    if documented is None or documented.group(1) != actions.botocore_version():
        # Another botocore counts other operations in its models: compare what ec2sim implements.
        expected, current = (text[text.index(actions.LISTS_HEADING) :] for text in (expected, current))
    assert current == expected, "docs/actions.md is stale: run `make docs`"
