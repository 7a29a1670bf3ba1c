"""The trail's packed form of a record's parts (`ec2sim.store.trail_packing`) reads back equal:
same keys in the same order, same types, same values, whatever the shapes."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ec2sim.store.trail_packing import SIZE, pack, unpack

_IDS = st.from_regex(r"(i|eni|eni-attach|vol)-[0-9a-f]{17}", fullmatch=True)
_MACS = st.from_regex(r"[0-9a-f]{2}(:[0-9a-f]{2}){5}", fullmatch=True)
_LEAVES = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.text(max_size=5), _IDS, _MACS, st.just(1.5)
)
_VALUES = st.recursive(
    _LEAVES,
    lambda inner: st.one_of(
        st.lists(inner, max_size=6), st.dictionaries(st.sampled_from("abcdef"), inner, max_size=4)
    ),
    max_leaves=40,
)


def _typed(value: Any) -> Any:
    """`value` with each leaf's type beside it (so 1 and True, or 1 and 1.0, differ)."""
    if isinstance(value, dict):
        return [[key, _typed(item)] for key, item in value.items()]
    if isinstance(value, list):
        return [_typed(item) for item in value]
    return [type(value).__name__, repr(value)]


def _same(value: Any) -> None:
    back = unpack(pack(value))
    assert json.dumps(_typed(back)) == json.dumps(_typed(value))


@given(st.lists(_VALUES, min_size=4, max_size=8), st.integers(0, 40))
def test_any_value_reads_back_the_same(items: list[Any], repeat: int) -> None:
    _same({"Items": items * repeat, "Other": items})


@given(st.lists(st.tuples(_IDS, _MACS, st.booleans(), st.integers(0, 1)), min_size=4, max_size=30))
def test_rows_of_one_shape_read_back_the_same(rows: list[tuple[str, str, bool, int]]) -> None:
    when = datetime(2026, 1, 2, tzinfo=timezone.utc)
    items = [
        {"Id": i, "Mac": m, "Flag": f, "Count": c, "Nics": [{"Id": i, "Mac": m, "At": when}], "Key": "x"}
        for i, m, f, c in rows
    ]
    _same({"Instances": items * 20})


def test_a_large_answer_is_compressed() -> None:
    items = [{"InstanceId": f"i-{n:017x}", "State": {"Name": "pending"}} for n in range(100)]
    packed = pack({"Instances": items})
    assert len(packed) < len(json.dumps(items)) // 4 and len(pack({"A": 1})) < SIZE
