"""The trail's packed form of a record's parts (`ec2sim.store.trail_packing`) reads back equal:
same keys in the same order, same types, same values, whatever the shapes."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ec2sim.cloudtrail.persistence import decode, encode
from ec2sim.store.trail import CallRecord
from ec2sim.store.trail_packing import SIZE, pack, unpack

_IDS = st.builds(
    "{}-{:017x}".format, st.sampled_from(["i", "eni", "eni-attach", "vol"]), st.integers(0, 2**68 - 1)
)
_MACS = st.builds(
    lambda n: ":".join(f"{(n >> (8 * i)) & 255:02x}" for i in range(6)), st.integers(0, 2**48 - 1)
)
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


@given(st.lists(_VALUES, min_size=4, max_size=8), st.integers(0, 12))
def test_any_value_reads_back_the_same(items: list[Any], repeat: int) -> None:
    _same({"Items": items * repeat, "Other": items})


@given(st.lists(st.tuples(_IDS, _MACS, st.booleans(), st.integers(0, 1)), min_size=4, max_size=12))
def test_rows_of_one_shape_read_back_the_same(rows: list[tuple[str, str, bool, int]]) -> None:
    when = datetime(2026, 1, 2, tzinfo=timezone.utc)
    items = [
        {"Id": i, "Mac": m, "Flag": f, "Count": c, "Nics": [{"Id": i, "Mac": m, "At": when}], "Key": "x"}
        for i, m, f, c in rows
    ]
    _same({"Instances": items * 4})


def test_items_without_leaves_read_back_as_many() -> None:
    _same({"Items": [{}, {}, {}, {}], "Lists": [{"A": []}] * 5})


def test_a_large_answer_is_compressed() -> None:
    items = [{"InstanceId": f"i-{n:017x}", "State": {"Name": "pending"}} for n in range(100)]
    packed = pack({"Instances": items})
    assert len(packed) < len(json.dumps(items)) // 4 and len(pack({"A": 1})) < SIZE


# A row of trail.sqlite as the version before packed records wrote it (a dataclass's fields).
SAVED = (
    '{"$type":"CallRecord","request_id":"0f8e3c1a-2b4d-4e6f-8a9b-0c1d2e3f4a5b","event_id":"7d2a7f59-3c35-4b8e-9a61-5f0e4c3b2a19","time":{"$dt":"2026-12-05T06:00:01.250000+00:00"},"service":"ec2","action":"CreateTags","region":"us-east-1","source_ip":"127.0.0.1","user_agent":"Boto3/1.34","status":200'
    ',"caller":{"$type":"Caller","account_id":"123456789012","kind":"user","arn":"arn:aws:iam::123456789012:user/app","principal_id":"AIDAEXAMPLE","name":"app","credential":null},"access_key_id":"AKIAEXAMPLE","read_only":false,"params":{"Resources":["i-0123456789abcdef0"],"Tags":[{"Key":"Name","Value":"web"}],"Blob":"AAE="},"result":{"Return":true},"error_code":"","error_message":"","decision":"allow"'
    ',"checks":{"$tuple":[{"$type":"CheckTrace","action":"ec2:CreateTags","resource":"arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0","context":{"aws:RequestTag/Name":"web"},"decision":"allowed","reason":"","policy_kind":"","statements":{"$tuple":[{"$type":"StatementRef","policy_kind":"identity-based policy","policy_type":"user","policy_id":"tags","index":0,"sid":"Tag","effect":"Allow"}]},"resource_policy":false,"partial_allows":{"$tuple":[]}}]},"via_endpoint":"","secure":true,"host":"ec2.local:4566"}'
)


def test_a_saved_row_reads_back_and_saves_the_same() -> None:
    record = decode(SAVED)
    assert encode(record) == SAVED
    assert record.event_id == "7d2a7f59-3c35-4b8e-9a61-5f0e4c3b2a19" and record.secure
    assert record.params["Blob"] == "AAE=" and record.result == {"Return": True}
    (check,) = record.checks
    assert check.context == {"aws:RequestTag/Name": "web"} and check.statements[0].sid == "Tag"


def test_an_event_id_drawn_from_the_request_id_survives_saving() -> None:
    when = datetime(2026, 1, 2, tzinfo=timezone.utc)
    made = CallRecord("0f8e3c1a-2b4d-4e6f-8a9b-0c1d2e3f4a5b", None, when, "iam", "GetUser", "", "", "", 200)
    assert made.event_id not in ("", made.request_id)
    assert decode(encode(made)).event_id == made.event_id
    other = CallRecord("r1", None, when, "iam", "GetUser", "", "", "", 200)  # no UUID to draw from
    first = other.event_id
    assert len(first) == 36 and other.event_id == first  # made once, kept
