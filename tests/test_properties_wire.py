"""The query/form parameter decoder under random keys and bodies: a 4xx in the protocol's envelope
or success, never another exception.

In process, `parse_request` and `unflatten` get keys made from each implemented operation's real
wire paths, then mutated (Unicode digits, empty segments, index 0 or 01, huge indexes, keys past
a scalar, a value that is also a prefix). Through a server of this module's own (its requests
are unsigned, so they act as the default account's root), raw form bodies and random bytes must
get a status below 500 and, for an error, a well-formed envelope: EC2's
``<Response><Errors><Error><Code>`` or Query's ``<ErrorResponse><Error><Code>``.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from urllib.parse import parse_qsl, urlencode
from xml.etree import ElementTree

import pytest
import requests
from hypothesis import example, given
from hypothesis import strategies as st

from ec2sim.api.errors import AwsError
from ec2sim.api.models import SERVICE_INFO, SERVICES
from ec2sim.api.parsing import MAX_PARAMETERS, PARSERS, QueryParser, parse_request, unflatten
from ec2sim.api.registry import HANDLERS, load_all
from ec2sim.api.shapes import Shape
from ec2sim.api.wire import form_pairs
from ec2sim.config import Config
from ec2sim.server import Server

load_all()  # every operation registered: the tests below enumerate them

HANG_SECONDS = 30  # a generous hang detector, not a timing assertion
OPERATIONS = sorted(
    key for key in HANDLERS if SERVICE_INFO[key[0]].protocol != "json"
)  # JSON: test_cloudtrail_protocol
QUERY_NS = {
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
}

# Segments that are not what a shape expects, or nearly: Unicode digits (superscript, Arabic-Indic,
# mathematical), index 0, leading zeros, past Java's int, past Python's int-string limit.
ODD_SEGMENTS = [
    "",
    "0",
    "01",
    "1",
    "2",
    "10",
    "2147483647",
    "2147483648",
    "9" * 30,
    "9" * 5000,
    "²",
    "١",
    "𝟙",
    "-1",
    "+1",
    " 1",
    "member",
    "entry",
    "key",
    "value",
    "item",
    "Key",
    "Value",
    "Name",
    "Filter",
]
segments = st.one_of(st.sampled_from(ODD_SEGMENTS), st.text(max_size=6))
values = st.one_of(
    st.sampled_from(["", "1", "true", "x", "i-12345678", "vpc-1", "ami-1", "²", "9" * 5000, "a" * 70_000]),
    st.text(max_size=40),
)


@cache
def wire_paths(service: str, action: str) -> tuple[str, ...]:
    """Every key an SDK could send for the operation (lists at indexes 1 and 2, plus ``Name=``)."""
    shape = SERVICE_INFO[service].operation(action).input_shape
    parser = PARSERS[SERVICE_INFO[service].protocol]
    return tuple(_paths(shape, parser, "")) if shape is not None else ()


def _paths(shape: Shape, parser: QueryParser, prefix: str) -> Iterator[str]:
    kind = shape.type_name
    if kind == "structure":
        for name, member in shape.members.items():
            wire = parser.wire_name(name, member)
            yield from _paths(member, parser, f"{prefix}.{wire}" if prefix else wire)
    elif kind == "list":
        yield prefix
        wrapper = parser.list_wrapper(shape)
        base = f"{prefix}.{wrapper}" if wrapper else prefix
        for index in ("1", "2"):
            yield from _paths(shape.member, parser, f"{base}.{index}")
    elif kind == "map":
        base = prefix if shape.serialization.get("flattened") else f"{prefix}.entry"
        for half in ("key", "value"):
            part = shape.key if half == "key" else shape.value
            yield from _paths(part, parser, f"{base}.1.{parser.wire_name(half, part)}")
    else:
        yield prefix


@st.composite
def keys_for(draw: st.DrawFn, service: str, action: str) -> str:
    """A real wire path, perhaps mutated: a segment replaced, added or dropped, dots doubled."""
    paths = wire_paths(service, action)
    parts = (draw(st.sampled_from(paths)) if paths else draw(st.text(max_size=10))).split(".")
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(parts)))
        change = draw(st.sampled_from(["replace", "insert", "drop", "append"]))
        if change == "replace" and at < len(parts):
            parts[at] = draw(segments)
        elif change == "insert":
            parts.insert(at, draw(segments))
        elif change == "drop" and len(parts) > 1 and at < len(parts):
            del parts[at]
        elif change == "append":
            parts.append(draw(segments))
    return ".".join(parts)


@st.composite
def params_for(draw: st.DrawFn, service: str, action: str) -> dict[str, str]:
    """Keys for the operation, some of them also as another key's prefix (``A=x`` with ``A.1=y``)."""
    keys = draw(st.lists(keys_for(service, action), max_size=12))
    params = {key: draw(values) for key in keys}
    if keys and draw(st.booleans()):
        prefix = draw(st.sampled_from(keys))
        params[f"{prefix}.{draw(segments)}"] = draw(values)
    return params


# In process --------------------------------------------------------------------------------------


def _assert_client_error(service: str, error: AwsError) -> None:
    assert error.status_for(service) < 500, error


@given(operation=st.sampled_from(OPERATIONS), data=st.data())
def test_parse_request_answers_aws_errors_only(operation: tuple[str, str], data: st.DataObject) -> None:
    service, action = operation
    params = data.draw(params_for(service, action))
    try:
        parse_request(service, action, params)
    except AwsError as error:
        _assert_client_error(service, error)


@given(
    params=st.dictionaries(st.lists(segments, min_size=1, max_size=5).map(".".join), values, max_size=12),
    protocol=st.sampled_from(sorted(PARSERS)),
)
@example(params={"A": "x", "A.1": "y"}, protocol="ec2")
@example(params={"A.1": "y", "A": "x"}, protocol="query")
def test_unflatten_answers_aws_errors_only(params: dict[str, str], protocol: str) -> None:
    try:
        tree = unflatten(params, protocol)
    except AwsError as error:
        _assert_client_error("ec2" if protocol == "ec2" else "iam", error)
    else:
        assert isinstance(tree, dict)


@pytest.mark.parametrize(
    ("service", "action", "key"),
    [
        ("ec2", "DescribeRegions", "RegionName.²"),
        ("ec2", "DescribeInstances", "Filter.١.Name"),
        ("ec2", "DescribeInstances", "Filter.1..Name"),
        ("ec2", "DescribeInstances", "Filter.1.Name."),
        ("ec2", "DescribeInstances", "Filter.0.Name"),
        ("ec2", "DescribeInstances", "Filter.01.Name"),
        ("ec2", "DescribeInstances", "Filter.2147483648.Name"),
        ("ec2", "DescribeInstances", "Filter." + "9" * 5000 + ".Name"),
        ("ec2", "DescribeInstances", "Filter.1.Name.1"),
        ("ec2", "DescribeInstances", "Filter.1"),
        ("ec2", "DescribeInstances", "Filter.1.Value"),
        ("ec2", "DescribeInstances", "Bogus"),
        ("iam", "TagUser", "Tags.member.².Key"),
        ("iam", "TagUser", "Tags.1.Key"),
        ("sts", "AssumeRole", "PolicyArns.member.0.arn"),
    ],
)
def test_keys_that_do_not_fit_are_unknown_parameters(service: str, action: str, key: str) -> None:
    required = {
        "iam": {"UserName": "u"},
        "sts": {"RoleArn": "arn:aws:iam::123456789012:role/r", "RoleSessionName": "s"},
    }
    params = {**required.get(service, {}), key: "x"}
    code = "UnknownParameter" if service == "ec2" else "ValidationError"
    with pytest.raises(AwsError) as error:
        parse_request(service, action, params)
    assert (error.value.code, error.value.message) == (code, f"The parameter {key} is not recognized")
    assert error.value.status_for(service) == 400


def test_a_value_that_is_also_a_prefix_is_unknown() -> None:
    with pytest.raises(AwsError) as error:
        parse_request("ec2", "DescribeRegions", {"RegionName": "", "RegionName.1": "us-east-1"})
    assert error.value.code == "UnknownParameter" and "RegionName" in error.value.message


def test_query_services_ignore_names_that_are_no_member() -> None:
    """Assumed (as before): IAM and STS ignore parameters their operation doesn't have."""
    assert parse_request("iam", "ListUsers", {"Foo.²": "x", "Bar": "y"}) == {}


def test_indexes_order_items_and_may_skip() -> None:
    parsed = parse_request("ec2", "DescribeRegions", {"RegionName.10": "b", "RegionName.2": "a"})
    assert parsed == {"RegionNames": ["a", "b"]}


def test_too_many_parameters() -> None:
    params = {f"RegionName.{i}": "x" for i in range(1, MAX_PARAMETERS + 2)}
    for service, action in (("ec2", "DescribeRegions"), ("iam", "ListUsers")):
        with pytest.raises(AwsError) as error:
            parse_request(service, action, params)
        assert error.value.status_for(service) == 400


# Through the server ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def wire_server() -> Iterator[Server]:
    """Its own server: unsigned requests act on the default account, which other tests may use."""
    with Server(Config(port=0, imds_port=0)) as running:
        yield running


@st.composite
def form_bodies(draw: st.DrawFn) -> tuple[str | None, bytes]:
    """(the service whose Version the body names, or None; the body)."""
    if draw(st.integers(0, 4)) == 0:
        return None, draw(st.binary(max_size=300))
    service, action = draw(st.sampled_from(OPERATIONS))
    pairs = [("Action", action), ("Version", SERVICES[service]), *draw(params_for(service, action)).items()]
    if pairs[2:] and draw(st.booleans()):  # a repeated key
        pairs.append((draw(st.sampled_from(pairs[2:]))[0], draw(values)))
    body = urlencode(pairs).encode()
    if draw(st.integers(0, 4)) == 0:
        body += draw(st.sampled_from([b"&%zz=1", b"&a=%ff%fe", b"&=x", b"&&", b"&\xff\xfe=1", b"&x"]))
    return service, body


def _check_envelope(service: str | None, status: int, body: bytes) -> None:
    root = ElementTree.fromstring(body)  # raises on malformed XML
    if status < 400:
        return
    ec2_code = root.find("./Errors/Error/Code")
    query_codes = [root.find(f"./{{{ns}}}Error/{{{ns}}}Code") for ns in QUERY_NS.values()]
    if service == "ec2" or (service is None and root.tag == "Response"):
        assert root.tag == "Response" and ec2_code is not None and ec2_code.text, body[:300]
    else:
        namespaces = [QUERY_NS[service]] if service else list(QUERY_NS.values())
        assert root.tag in {f"{{{ns}}}ErrorResponse" for ns in namespaces}, body[:300]
        assert any(code is not None and code.text for code in query_codes), body[:300]


@given(form=form_bodies())
@example(form=("ec2", b"Action=DescribeRegions&Version=2016-11-15&RegionName.%C2%B2=x"))
@example(form=("ec2", "Action=DescribeInstances&Version=2016-11-15&Filter.١.Name=x".encode()))
@example(form=("iam", "Action=TagUser&Version=2010-05-08&UserName=u&Tags.member.١.Key=k".encode()))
@example(form=("ec2", b"Action=DeleteTags&Version=2016-11-15&ResourceId.1=vpc-1&Tag.1.Value=v"))
def test_any_form_body_gets_a_client_error_or_success(
    wire_server: Server, form: tuple[str | None, bytes]
) -> None:
    service, body = form
    response = requests.post(
        wire_server.api_url,
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        timeout=HANG_SECONDS,
    )
    assert response.status_code < 500, response.text[:500]
    _check_envelope(service, response.status_code, response.content)


@pytest.mark.parametrize(
    ("query", "code", "message"),
    [
        (
            "Action=DescribeRegions&RegionName.%C2%B2=x",
            "UnknownParameter",
            "The parameter RegionName.² is not recognized",
        ),
        (
            "Action=DescribeInstances&Filter.%D9%A1.Name=x",
            "UnknownParameter",
            "The parameter Filter.١.Name is not recognized",
        ),
        (
            "Action=DescribeRegions&RegionName.1=a&RegionName.1.X=b",
            "UnknownParameter",
            "The parameter RegionName.1.X is not recognized",
        ),
    ],
)
def test_issue_reproducers_answer_400(wire_server: Server, query: str, code: str, message: str) -> None:
    response = requests.post(
        wire_server.api_url,
        data=f"{query}&Version=2016-11-15",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=HANG_SECONDS,
    )
    assert response.status_code == 400
    root = ElementTree.fromstring(response.content)
    assert root.findtext("./Errors/Error/Code") == code
    assert root.findtext("./Errors/Error/Message") == message


def test_query_malformed_key_answers_validation_error(wire_server: Server) -> None:
    response = requests.post(
        wire_server.api_url,
        data="Action=TagUser&Version=2010-05-08&UserName=u&Tags.member.%D9%A1.Key=k",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=HANG_SECONDS,
    )
    assert response.status_code == 400
    ns = {"a": QUERY_NS["iam"]}
    root = ElementTree.fromstring(response.content)
    assert root.findtext("./a:Error/a:Code", namespaces=ns) == "ValidationError"
    assert (
        root.findtext("./a:Error/a:Message", namespaces=ns)
        == "The parameter Tags.member.١.Key is not recognized"
    )


def test_control_characters_in_a_message_stay_well_formed(wire_server: Server) -> None:
    response = requests.post(
        wire_server.api_url,
        data="Action=DescribeRegions&Version=2016-11-15&Bogus%01%0B=x",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=HANG_SECONDS,
    )
    assert response.status_code == 400
    message = ElementTree.fromstring(response.content).findtext("./Errors/Error/Message")
    assert message == "The parameter Bogus\ufffd\ufffd is not recognized"


def test_too_many_parameters_through_the_server(wire_server: Server) -> None:
    pairs = [("Action", "DescribeRegions"), ("Version", "2016-11-15")]
    pairs += [(f"RegionName.{i}", "us-east-1") for i in range(1, MAX_PARAMETERS + 1)]
    response = requests.post(wire_server.api_url, data=pairs, timeout=HANG_SECONDS)
    assert response.status_code == 400
    assert ElementTree.fromstring(response.content).findtext("./Errors/Error/Code") == "InvalidRequest"


# Characters that matter to the form syntax, mixed with any others.
form_text = st.text(st.sampled_from("&=+%20aZ~é\x00") | st.characters(), max_size=60)


@given(text=form_text)
def test_form_pairs_reads_what_parse_qsl_reads(text: str) -> None:
    """The AWS endpoint's own reading of query strings and form bodies agrees with the standard library's."""
    assert form_pairs(text) == parse_qsl(text, keep_blank_values=True)
