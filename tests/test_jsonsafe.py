"""The one JSON loader for what users send: a value or JsonError, never another exception."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ec2sim import jsonsafe
from ec2sim.jsonsafe import JsonError, loads

carried_text = st.text(st.characters(exclude_categories=("Cs", "Cc", "Cn")))  # what a response can carry
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**40), 10**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | carried_text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(carried_text, children, max_size=4),
    max_leaves=20,
)


@given(json_values)
def test_json_round_trips(value: Any) -> None:
    assert loads(json.dumps(value)) == value
    assert loads(json.dumps(value).encode()) == value


@given(st.one_of(st.text(), st.binary(), json_values.map(json.dumps).map(lambda t: t[: len(t) // 2])))
@example("1" * 5000)
@example("[" + "1" * 4301 + "]")
@example("1e400")
@example("-Infinity")
@example('"\\ud800"')
@example("[" * 100_000)
@example('"' + "\\" * 50_001)
def test_anything_else_is_a_json_error(data: str | bytes) -> None:
    try:
        loads(data)
    except JsonError:
        pass


@pytest.mark.parametrize(
    "text",
    [
        "1" * 4301,
        "1" * 310,
        str(-(10**309)),
        '{"a": ' + "9" * 5000 + "}",
        "1e400",
        "-1e400",
        "NaN",
        "Infinity",
        '"\\udc00"',
        '["\\ud800x"]',
        '{"a\\u0001": 1}',
        '["\\u001f"]',
        '"\\uffff"',
        '"\uffff"',
        "[" * 65 + "]" * 65,
        '{"a": 1} x',
        "",
    ],
)
def test_rejected_documents(text: str) -> None:
    with pytest.raises(JsonError):
        loads(text)


def test_bounds_are_the_callers_to_choose() -> None:
    assert loads("[" * 65 + "]" * 65, max_depth=100)
    assert loads(str(10**308)) == 10**308 and loads("-1e308") == -1e308  # a double holds them
    assert loads('"\\ud83d\\ude00"') == "😀"  # a surrogate pair is one character
    assert loads('"\\t\\n\\r\\u0009"') == "\t\n\r\t"  # control characters XML carries
    assert loads('{"a": "[[["}', max_depth=1) == {"a": "[[["}  # brackets in strings don't nest
    with pytest.raises(JsonError, match="larger than"):
        loads(" " * 11 + "1", max_size=10)
    with pytest.raises(JsonError, match="not UTF-8"):
        loads(b"\xff")
    assert jsonsafe.MAX_SIZE >= 131_072  # IAM's largest policy document
