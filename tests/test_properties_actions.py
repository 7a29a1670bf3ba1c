"""Every implemented action under random parameters: never a 5xx.

Parameters are drawn from the operation's input shape: required members usually present, others
sometimes; strings from the account's own resources (so handlers get past their look-ups), enum
values, weird Unicode and very long text; integers out of range; lists empty, short or long;
structures where a scalar goes and back. The flattened pairs are then mutated (one dropped, one
repeated with another value) and posted, signed as the root of this module's own account, to
the session's server. Each action is its own test with a few examples.
"""

from __future__ import annotations

import base64
import json
import random
from typing import Any
from urllib.parse import urlencode
from xml.etree import ElementTree

import boto3
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import given, settings
from hypothesis import strategies as st

from ec2sim.api.models import SERVICE_INFO, SERVICES
from ec2sim.api.parsing import PARSERS, QueryParser, pattern
from ec2sim.api.registry import HANDLERS, load_all
from ec2sim.api.shapes import Shape
from ec2sim.server import Server

load_all()  # every operation registered: the tests below enumerate them

HANG_SECONDS = 60  # a generous hang detector, not a timing assertion
OPERATIONS = sorted(
    key for key in HANDLERS if SERVICE_INFO[key[0]].protocol != "json"
)  # JSON: test_cloudtrail_protocol
# A few examples per action, scaled with the profile's budget (EC2SIM_HYPOTHESIS_EXAMPLES raises it).
PER_ACTION = max(4, settings().max_examples // 8)

HUGE_NUMBER_POLICY = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*",'
    '"Condition":{"NumericLessThan":{"aws:MultiFactorAuthAge":' + "1" * 5000 + "}}}]}"
)
POLICY = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}]}
)
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)
NOISE = [
    "",
    " ",
    "x",
    "²",
    "١٢",
    "*",
    "..",
    "%",
    "\x00",
    "é" * 3,
    "a" * 129,
    "a" * 2049,
    "9" * 5000,
    "a" * 70_000,
]


class Account:
    """One account with a resource of each kind, so drawn names and ids often exist."""

    def __init__(self, server: Server) -> None:
        self.id = str(random.randrange(10**11, 10**12))
        self.url = server.api_url
        self.pools: dict[str, list[str]] = {}

    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            region_name="us-east-1",
            endpoint_url=self.url,
            aws_access_key_id=self.id,
            aws_secret_access_key="secret",
        )

    def populate(self) -> None:
        ec2, iam = self.client("ec2"), self.client("iam")
        image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
        vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
        subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
        group = ec2.create_security_group(GroupName="web", Description="d", VpcId=vpc)["GroupId"]
        ec2.create_key_pair(KeyName="k")
        instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
        volume = ec2.create_volume(AvailabilityZone="us-east-1a", Size=1)["VolumeId"]
        snapshot = ec2.create_snapshot(VolumeId=volume)["SnapshotId"]
        own_image = ec2.create_image(InstanceId=instance, Name="img")["ImageId"]
        iam.create_user(UserName="u")
        iam.create_group(GroupName="g")
        role_arn = iam.create_role(RoleName="r", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
        iam.create_instance_profile(InstanceProfileName="p")
        policy_arn = iam.create_policy(PolicyName="m", PolicyDocument=POLICY)["Policy"]["Arn"]
        key = iam.create_access_key(UserName="u")["AccessKey"]["AccessKeyId"]
        ids = [image, own_image, vpc, subnet, group, instance, volume, snapshot]
        self.pools = {
            "imageid": [image, own_image, "ami-12345678"],
            "instanceid": [instance, "i-0123456789abcdef0"],
            "volumeid": [volume, "vol-1"],
            "snapshotid": [snapshot, "snap-1"],
            "groupid": [group, "sg-1"],
            "vpcid": [vpc],
            "subnetid": [subnet],
            "resource": ids,
            "resourceid": ids,
            "keyname": ["k", "nope"],
            "groupname": ["g", "web", "default"],
            "username": ["u", "nobody"],
            "rolename": ["r"],
            "instanceprofilename": ["p"],
            "policyarn": [policy_arn, "arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::1:policy/x"],
            "rolearn": [role_arn, "arn:aws:iam::123456789012:role/x"],
            "arn": [role_arn, policy_arn, f"arn:aws:iam::{self.id}:user/u"],
            "accesskeyid": [key, "AKIAEXAMPLE"],
            "policydocument": [POLICY, TRUST, HUGE_NUMBER_POLICY, "{}", "[" * 100],
            "assumerolepolicydocument": [TRUST, POLICY, HUGE_NUMBER_POLICY],
            "policyname": ["inline", "m"],
            "availabilityzone": ["us-east-1a", "mars-1a"],
            "regionname": ["us-east-1", "eu-west-1"],
            "cidrip": ["10.0.0.0/8", "::/0", "999.0.0.0/8"],
            "cidrblock": ["10.0.0.0/16", "10.0.0.0/33"],
        }

    def post(self, service: str, pairs: list[tuple[str, str]]) -> requests.Response:
        """The pairs as a form body, signed with SigV4 as this account's root."""
        body = urlencode(pairs).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        request = AWSRequest("POST", self.url, data=body, headers=headers)
        SigV4Auth(Credentials(self.id, "secret"), service, "us-east-1").add_auth(request)
        return requests.post(self.url, data=body, headers=dict(request.headers), timeout=HANG_SECONDS)


@pytest.fixture(scope="module")
def account(server: Server) -> Account:
    """The fuzzed actions' account, shared by the module (its resources come and go)."""
    created = Account(server)
    created.populate()
    return created


@pytest.fixture
def fresh(server: Server) -> Account:
    """An empty account of the test's own."""
    return Account(server)


# Values by shape ----------------------------------------------------------------------------------

unicode_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
# Scalars by type: values the type accepts, and values it doesn't (out of range, Unicode digits, ...).
SCALARS: dict[str, tuple[st.SearchStrategy[str], list[str]]] = {
    "integer": (
        st.integers(1, 100).map(str),
        ["0", "-1", "2147483648", "-2147483649", "9" * 5000, "1.5", "٣"],
    ),
    "boolean": (st.sampled_from(["true", "false"]), ["TRUE", "yes", "1"]),
    "timestamp": (
        st.sampled_from(["2024-01-02T03:04:05Z", "1700000000", "2030-01-01T00:00:00.123+02:00"]),
        ["0", "99999999999999999999", "9" * 400, "²", "2024-13-45"],
    ),
    "blob": (st.binary(max_size=40).map(lambda b: base64.b64encode(b).decode()), ["not base64!", "="]),
    "double": (st.sampled_from(["1.5", "0.01", "10"]), ["nan", "inf", "1e400", "-0", "x"]),
}
SCALARS["long"] = SCALARS["integer"]
SCALARS["float"] = SCALARS["double"]


def _pool_key(name: str) -> str:
    lowered = name.lower()
    return lowered[:-1] if lowered.endswith("s") and lowered[:-1].endswith("id") else lowered


PLAIN = ["a", "abc", "test-1", "/", "Name", "team", "k", "v", "1", "true", "ec2:RunInstances", "aws:username"]


def _plausible(shape: Shape) -> st.SearchStrategy[str]:
    """Strings the model's pattern and lengths accept (plain words, and for Python-compatible
    patterns, strings drawn from them)."""
    regex, low, high = (
        shape.metadata.get("pattern"),
        shape.metadata.get("min", 0),
        shape.metadata.get("max", 200),
    )
    fits = [w for w in PLAIN if low <= len(w) <= high and (not regex or pattern(regex).fullmatch(w))]
    words = st.sampled_from(fits or [("a" * low)[:high]])
    if not regex or "\\p{" in regex:
        return words
    return st.one_of(words, st.from_regex(regex, fullmatch=True).filter(lambda t: low <= len(t) <= high))


def string_values(name: str, shape: Shape, pools: dict[str, list[str]]) -> st.SearchStrategy[str]:
    """Mostly values that get past validation (the account's own names and ids, enum values,
    strings of the model's pattern), sometimes noise."""
    known = pools.get(_pool_key(name)) or pools.get(_pool_key(shape.name)) or shape.enum
    plausible = st.sampled_from(known) if known else _plausible(shape)
    noise = st.one_of(st.sampled_from(NOISE), unicode_text)
    return st.integers(0, 7).flatmap(lambda n: plausible if n else noise)


def values_for(
    name: str, shape: Shape, pools: dict[str, list[str]], depth: int = 0
) -> st.SearchStrategy[Any]:
    """A value for `shape`: nested dicts/lists of strings, sometimes of the wrong kind."""
    kind = shape.type_name
    if kind in ("structure", "list", "map") and depth > 6:
        return st.just("x")
    if kind == "structure":
        members = {n: values_for(n, m, pools, depth + 1) for n, m in shape.members.items()}
        required = {n: s for n, s in members.items() if n in shape.required_members}
        optional = {n: s for n, s in members.items() if n not in required}
        container: st.SearchStrategy[Any] = st.fixed_dictionaries(required, optional=optional)
    elif kind == "list":
        item = values_for(name, shape.member, pools, depth + 1)
        container = st.lists(item, max_size=3)
        if shape.member.type_name not in ("structure", "list", "map"):  # long lists of scalars only
            container |= item.flatmap(lambda one: st.integers(40, 60).map(lambda n: [one] * n))
    elif kind == "map":
        container = st.dictionaries(unicode_text, values_for(name, shape.value, pools, depth + 1), max_size=2)
    elif kind == "string":
        return string_values(name, shape, pools)
    else:
        plausible, odd = SCALARS[kind]
        return st.integers(0, 7).flatmap(lambda n: plausible if n else st.sampled_from(odd + NOISE))
    return st.integers(0, 29).flatmap(lambda n: container if n else st.sampled_from(NOISE))


def flatten(parser: QueryParser, shape: Shape, value: Any, prefix: str, out: list[tuple[str, str]]) -> None:
    """Wire pairs for `value` as an SDK would send them (a scalar where a container goes stays one)."""
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        for name, item in value.items():
            member = shape.members[name]
            wire = parser.wire_name(name, member)
            flatten(parser, member, item, f"{prefix}.{wire}" if prefix else wire, out)
    elif kind == "list" and isinstance(value, list):
        if not value:
            out.append((prefix, ""))
        wrapper = parser.list_wrapper(shape)
        base = f"{prefix}.{wrapper}" if wrapper else prefix
        for index, item in enumerate(value, 1):
            flatten(parser, shape.member, item, f"{base}.{index}", out)
    elif kind == "map" and isinstance(value, dict):
        base = prefix if shape.serialization.get("flattened") else f"{prefix}.entry"
        for index, (key, item) in enumerate(value.items(), 1):
            out.append((f"{base}.{index}.{parser.wire_name('key', shape.key)}", key))
            flatten(
                parser, shape.value, item, f"{base}.{index}.{parser.wire_name('value', shape.value)}", out
            )
    else:
        out.append((prefix, value if isinstance(value, str) else json.dumps(value)))


def request_pairs(
    service: str, action: str, pools: dict[str, list[str]]
) -> st.SearchStrategy[list[tuple[str, str]]]:
    """Action, Version and drawn parameters; sometimes one dropped, sometimes one repeated."""
    shape = SERVICE_INFO[service].operation(action).input_shape
    parser = PARSERS[SERVICE_INFO[service].protocol]
    envelope = [("Action", action), ("Version", SERVICES[service])]
    if shape is None:
        return st.just(envelope)

    @st.composite
    def pairs(draw: st.DrawFn) -> list[tuple[str, str]]:
        value = draw(values_for(action, shape, pools))
        out: list[tuple[str, str]] = []
        flatten(parser, shape, value, "", out)
        if out and draw(st.integers(0, 9)) == 0:
            del out[draw(st.integers(0, len(out) - 1))]
        if out and draw(st.integers(0, 4)) == 0:
            out.append((draw(st.sampled_from(out))[0], draw(st.sampled_from(NOISE))))
        return envelope + out

    return pairs()


@pytest.mark.parametrize("operation", OPERATIONS, ids=[f"{s}:{a}" for s, a in OPERATIONS])
def test_every_action_answers_below_500(account: Account, operation: tuple[str, str]) -> None:
    service, action = operation

    @settings(max_examples=PER_ACTION)
    @given(pairs=request_pairs(service, action, account.pools))
    def check(pairs: list[tuple[str, str]]) -> None:
        response = account.post(service, pairs)
        assert response.status_code < 500, (pairs[:20], response.text[:500])
        if response.status_code != 413:  # the HTTP server's own answer past max_request_bytes
            ElementTree.fromstring(response.content)  # well-formed, whatever the answer

    check()


# The reproducers -------------------------------------------------------------------------------


def test_delete_tags_value_without_key(fresh: Account) -> None:
    vpc = fresh.client("ec2").describe_vpcs()["Vpcs"][0]["VpcId"]
    for action in ("DeleteTags", "CreateTags"):
        response = fresh.post(
            "ec2",
            [("Action", action), ("Version", "2016-11-15"), ("ResourceId.1", vpc), ("Tag.1.Value", "v")],
        )
        assert response.status_code == 400, response.text
        assert "<Code>MissingParameter</Code>" in response.text
        assert "<Message>The request must contain the parameter Tag.1.Key</Message>" in response.text


def test_characters_xml_cannot_carry_are_invalid(fresh: Account) -> None:
    vpc = fresh.client("ec2").describe_vpcs()["Vpcs"][0]["VpcId"]
    tagged = fresh.post(
        "ec2",
        [("Action", "CreateTags"), ("Version", "2016-11-15"), ("ResourceId.1", vpc), ("Tag.1.Key", "k\x01")],
    )
    assert tagged.status_code == 400 and "<Code>InvalidParameterValue</Code>" in tagged.text
    assert "Value (k\ufffd) for parameter Tag.1.Key is invalid." in tagged.text
    user = fresh.post("iam", [("Action", "CreateUser"), ("Version", "2010-05-08"), ("UserName", "a\x0bb")])
    assert user.status_code == 400 and "<Code>ValidationError</Code>" in user.text


def test_tag_specification_without_key(fresh: Account) -> None:
    response = fresh.post(
        "ec2",
        [
            ("Action", "CreateSecurityGroup"),
            ("Version", "2016-11-15"),
            ("GroupName", "tagged"),
            ("GroupDescription", "d"),
            ("TagSpecification.1.ResourceType", "security-group"),
            ("TagSpecification.1.Tag.1.Key", "a"),
            ("TagSpecification.1.Tag.2.Value", "v"),
        ],
    )
    assert response.status_code == 400, response.text
    assert "The request must contain the parameter TagSpecification.1.Tag.2.Key" in response.text


@pytest.mark.parametrize(
    ("action", "extra", "code", "digits"),
    [
        ("CreatePolicy", [("PolicyName", "huge")], "MalformedPolicyDocument", 5000),
        ("CreatePolicy", [("PolicyName", "big")], "MalformedPolicyDocument", 400),
        ("PutUserPolicy", [("UserName", "u"), ("PolicyName", "big")], "MalformedPolicyDocument", 400),
        ("SimulateCustomPolicy", [("ActionNames.member.1", "ec2:RunInstances")], "InvalidInput", 5000),
    ],
)
def test_policy_with_a_huge_number_is_malformed(
    fresh: Account, action: str, extra: list[tuple[str, str]], code: str, digits: int
) -> None:
    """A number no double holds is a syntax error (the inline quota, 2,048 characters, is checked
    before the grammar, so inline documents get the shorter number)."""
    fresh.client("iam").create_user(UserName="u")
    document = HUGE_NUMBER_POLICY.replace("1" * 5000, "1" * digits)
    name = "PolicyInputList.member.1" if action.startswith("Simulate") else "PolicyDocument"
    response = fresh.post("iam", [("Action", action), ("Version", "2010-05-08"), (name, document), *extra])
    assert response.status_code == 400, response.text
    assert f"<Code>{code}</Code><Message>Syntax errors in policy.</Message>" in response.text
