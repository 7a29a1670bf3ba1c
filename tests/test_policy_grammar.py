"""The policy grammar alone: every form it accepts and every error IAM words."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ec2sim.iam.policy.document import Condition
from ec2sim.iam.policy.grammar import PolicyError, parse_policy, policy_size

V = "2012-10-17"
S3 = {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::example_bucket"}
TRUST = {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}


def doc(statement: Any, version: str | None = V, **extra: Any) -> str:
    body: dict[str, Any] = {"Version": version} if version else {}
    return json.dumps({**body, "Statement": statement, **extra})


def error_of(text: str, kind: str = "managed") -> str:
    with pytest.raises(PolicyError) as info:
        parse_policy(text, kind)
    return str(info.value)


PREFACED = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
LEGACY = "The policy failed legacy parsing"
SYNTAX = "Syntax errors in policy."


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("This is not a json document", SYNTAX),
        ('{"Version": "2012-10-17", "Statement": {}} trailing', SYNTAX),
        ("[]", SYNTAX),
        (doc(S3, version="2013-10-17"), SYNTAX),
        (json.dumps({"Version": V}), SYNTAX),
        (doc(["afd"]), SYNTAX),
        (doc([]), SYNTAX),
        (doc(S3, **{"Extra field": "value"}), SYNTAX),
        (doc({**S3, "Extra field": "value"}), SYNTAX),
        (doc(S3, Id=["x"]), SYNTAX),
        (doc({**S3, "Effect": "invalid"}), SYNTAX),
        (doc({"Action": "s3:ListBucket", "Resource": "*"}), SYNTAX),
        (doc({**S3, "Resource": {"a": "b"}}), SYNTAX),
        (doc({**S3, "Action": [[]]}), SYNTAX),
        (doc({**S3, "NotResource": "*"}), SYNTAX),
        (doc({**S3, "NotAction": "iam:dsf"}), SYNTAX),
        (doc({**S3, "Sid": {}}), SYNTAX),
        (doc({**S3, "Condition": []}), SYNTAX),
        (doc({**S3, "Condition": {"DateGreaterThan": []}}), SYNTAX),
        (doc({**S3, "Condition": {"DateGreaterThan": {"a": {}}}}), SYNTAX),
        (doc({**S3, "Condition": {"x": {"a": "1"}}}), SYNTAX),
        (doc({**S3, "Condition": {"ForAnyValue::StringEqualsIfExists": {"a": "asf"}}}), SYNTAX),
        (doc(S3, version=None), "Policy document must be version 2012-10-17 or greater."),
        (doc(S3, version="2008-10-17"), "Policy document must be version 2012-10-17 or greater."),
        (doc({**S3, "Effect": "denY"}), LEGACY),
        (doc({**S3, "Resource": "arn:aws:s3::example_bucket"}), LEGACY),
        (doc({**S3, "Resource": "arn:aws::fdsasf"}), LEGACY),
        (doc({**S3, "Condition": {"DateGreaterThan": {"a": "sdfdsf"}}}), LEGACY),
        (doc({**S3, "Condition": {"DateLessThanEquals": {"a": "234-13"}}}), LEGACY),
        (doc({**S3, "Condition": {"DateLessThanEquals": {"a": "2016-12-13t2:00:00.593194+1"}}}), LEGACY),
        (
            doc({**S3, "Condition": {"DateLessThanEquals": {"a": "2016-12-13t2:00:00.1999999999+10:59"}}}),
            LEGACY,
        ),
        (doc({**S3, "Condition": {"DateLessThan": {"a": "9223372036854775808"}}}), LEGACY),
        (
            doc([{**S3, "Sid": "sdf"}, {"Sid": "sdf", "Effect": "Allow"}]),
            "Statement IDs (SID) in a single policy must be unique.",
        ),
        (doc({"Effect": "Allow", "Resource": "*"}), "Policy statement must contain actions."),
        (doc({**S3, "Action": []}), "Policy statement must contain actions."),
        (doc([{"Effect": "Deny"}, S3]), "Policy statement must contain actions."),
        (doc({"Effect": "Allow", "Action": "s3:ListBucket"}), "Policy statement must contain resources."),
        (doc({**S3, "Resource": []}), "Policy statement must contain resources."),
        (doc({**S3, "Action": "invalid"}), PREFACED),
        (doc({"Effect": "Allow", "Action": "invalid"}), PREFACED),
        (doc({**S3, "Action": "", "Resource": "*"}), PREFACED),
        (doc({**S3, "Action": "a a:ListBucket"}), "Vendor a a is not valid"),
        (doc({**S3, "Action": "s3:List:Bucket"}), "Actions/Condition can contain only one colon."),
        (
            doc({**S3, "Resource": "invalid resource"}),
            'Resource invalid resource must be in ARN format or "*".',
        ),
        (
            doc({**S3, "Action": "s:3:ListBucket", "Resource": "sdfsadf"}),
            'Resource sdfsadf must be in ARN format or "*".',
        ),
        (
            doc({**S3, "Resource": "a:b:cadfsdf"}),
            'Partition "b" is not valid for resource "arn:b:cadfsdf:*:*:*".',
        ),
        (
            doc({**S3, "Resource": "aws:s3:::example_bucket"}),
            'Partition "s3" is not valid for resource "arn:s3:::example_bucket:*".',
        ),
        (
            doc({**S3, "Resource": ["arn:error:s3:::example_bucket", "arn:error:s3::example_bucket"]}),
            'Partition "error" is not valid for resource "arn:error:s3:::example_bucket".',
        ),
        (
            doc({**S3, "Resource": "arn:aws"}),
            "Resource vendor must be fully qualified and cannot contain regexes.",
        ),
        (
            doc({**S3, "Resource": "arn:aws:iam:::example_bucket"}),
            (
                'IAM resource path must either be "*" or start with user/, federated-user/, role/, group/, '
                "instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, saml-provider/, oidc-provider/, "
                "report/, access-report/."
            ),
        ),
        (
            doc({**S3, "Resource": "arn:aws:iam:us-east-1::user/x"}),
            "IAM resource arn:aws:iam:us-east-1::user/x cannot contain region information.",
        ),
        (
            doc({**S3, "Resource": "arn:aws:s3:us-east-1::example_bucket"}),
            "Resource arn:aws:s3:us-east-1::example_bucket can not contain region information.",
        ),
        (doc({**S3, "Principal": "*"}), "Policy document should not specify a principal."),
    ],
)
def test_managed_policy_errors(text: str, message: str) -> None:
    assert error_of(text) == message


@pytest.mark.parametrize(
    "statement",
    [
        S3,
        {**S3, "Action": "iam: asdf safdsf af "},
        {**S3, "Resource": ["arn:aws:s3:::example_bucket", "*"]},
        {**S3, "Action": "*"},
        {**S3, "Resource": "arn:aws:iam:::user/example_bucket"},
        {**S3, "Resource": "arn:aws:fdsasf"},
        {**S3, "Resource": "arn:aws:ec2:us-east-1::example_bucket"},
        {**S3, "Condition": {}},
        {**S3, "Condition": {"x": {}, "y": {}}},
        {**S3, "Condition": {"ForAnyValue:StringEqualsIfExists": {"a": "asf"}}},
        {**S3, "Condition": {"DateGreaterThan": {"a": "01T"}}},
        {**S3, "Condition": {"DateLessThanEquals": {"a": "2016-12-13T21:20:37.593194+00:00"}}},
        {**S3, "Condition": {"DateLessThanEquals": {"a": "2016-12-13t2:00:00.593194+23"}}},
        {**S3, "Condition": {"DateLessThan": {"a": "-292275054"}}},
        {"Effect": "Deny", "NotAction": "s3:ListBucket", "NotResource": "*"},
        {**S3, "Resource": "arn:aws:iam::*:user/${aws:username}"},
    ],
)
def test_valid_managed_documents(statement: dict[str, Any]) -> None:
    parse_policy(doc(statement), "managed")


def test_inline_accepts_old_and_missing_version() -> None:
    assert parse_policy(doc(S3, version=None), "inline").version == "2008-10-17"
    assert parse_policy(doc(S3, version="2008-10-17"), "inline").version == "2008-10-17"
    assert not parse_policy(doc(S3, version=None), "inline").supports_variables
    assert parse_policy(doc(S3), "session").version == V


def test_identity_kinds_reject_principals() -> None:
    for kind in ("inline", "session"):
        assert error_of(doc({**S3, "NotPrincipal": {"AWS": "*"}}), kind) == (
            "Policy document should not specify a principal."
        )


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        ({**TRUST, "Resource": "*"}, "Has prohibited field Resource"),
        (
            {"Effect": "Allow", "Action": "sts:AssumeRole"},
            (
                "Invalid principal in policy: com.amazon.balsa.error.InvalidPolicyException: "
                "The passed in policy has a statement with no principals!"
            ),
        ),
        ({**TRUST, "Action": "s3:GetObject"}, "AssumeRole policy may only specify STS AssumeRole actions."),
        ({**TRUST, "Action": "*"}, "AssumeRole policy may only specify STS AssumeRole actions."),
        ({"Effect": "Allow", "Principal": "*"}, "Policy statement must contain actions."),
        ({**TRUST, "Principal": {"Bogus": "x"}}, SYNTAX),
    ],
)
def test_trust_policy_errors(statement: dict[str, Any], message: str) -> None:
    assert error_of(doc(statement), "trust") == message


def test_trust_policy_forms() -> None:
    parsed = parse_policy(
        doc(
            [
                TRUST,
                {"Effect": "Allow", "Principal": "*", "Action": ["sts:AssumeRole", "sts:TagSession"]},
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/x"},
                    "Action": "sts:AssumeRoleWith*",
                },
            ],
            version=None,
        ),
        "trust",
    )
    assert parsed.statements[0].principals == (("Service", ("ec2.amazonaws.com",)),)
    assert parsed.statements[1].principals == (("*", ("*",)),)
    assert parsed.statements[2].actions == ("sts:AssumeRoleWith*",)


def test_statement_forms_and_offsets() -> None:
    text = (
        '{ "Version": "2012-10-17", "Id": "doc",\n  "Statement": [\n'
        '    {"Sid": "A", "Effect": "Allow", "Action": ["ec2:Describe*", "iam:Get*"], "Resource": "*"},\n'
        '    {"Effect": "Deny", "NotAction": "s3:*", "NotResource": ["arn:aws:s3:::b"],\n'
        '     "Condition": {"Bool": {"aws:SecureTransport": false}, "StringLike": {"s3:prefix": ["a", "b"]}}}\n'
        "  ]\n}\n"
    )
    parsed = parse_policy(text, "managed")
    assert parsed.id == "doc" and parsed.text == text and parsed.supports_variables
    first, second = parsed.statements
    assert (first.sid, first.effect, first.actions, first.resources) == (
        "A",
        "Allow",
        ("ec2:Describe*", "iam:Get*"),
        ("*",),
    )
    assert (second.not_actions, second.not_resources, second.actions) == (
        ("s3:*",),
        ("arn:aws:s3:::b",),
        None,
    )
    assert second.conditions == (
        Condition("Bool", "aws:SecureTransport", (False,)),
        Condition("StringLike", "s3:prefix", ("a", "b")),
    )
    for statement in parsed.statements:
        assert json.loads(text[statement.start : statement.end])["Effect"] == statement.effect
    assert text[first.start] == "{" and text[second.end - 1] == "}"


def test_single_statement_object_offsets() -> None:
    text = doc(S3)
    (statement,) = parse_policy(text, "managed").statements
    assert json.loads(text[statement.start : statement.end]) == S3


def test_duplicate_statement_member_uses_the_last() -> None:
    statements = json.dumps([S3])
    text = f'{{"Version": "2012-10-17", "Statement": {{"Effect": "Deny"}}, "Statement": {statements}}}'
    (statement,) = parse_policy(text, "managed").statements
    assert statement.actions == ("s3:ListBucket",)
    assert json.loads(text[statement.start : statement.end]) == S3


def test_parsed_documents_are_cached() -> None:
    text = doc(S3)
    assert parse_policy(text, "managed") is parse_policy(text, "managed")
    with pytest.raises(ValueError):
        parse_policy(text, "bogus")


def test_policy_size_ignores_whitespace() -> None:
    assert policy_size(' { "a" :\n\t"b c" } ') == len('{"a":"bc"}')


# The root user as a Resource (sts:AssumeRoot's ``root-user`` type) and the SAR's newer IAM types ---

ROOT_USER_RESOURCES = [
    "arn:aws:iam::123456789012:root",
    "arn:aws:iam::*:root",
    "arn:aws:iam::aws:role-template/ec2.amazonaws.com/Template:1",
    "arn:aws:iam::123456789012:delegation-request/abc",
    "arn:aws:iam::123456789012:assumed-role/r/s",
]


@pytest.mark.parametrize("resource", ROOT_USER_RESOURCES)
def test_root_user_and_newer_iam_types_are_resources(resource: str) -> None:
    assume_root = {"Effect": "Allow", "Action": "sts:AssumeRoot", "Resource": resource}
    for kind in ("managed", "inline"):
        parse_policy(doc(assume_root), kind)
        parse_policy(doc({"Effect": "Deny", "Action": "sts:AssumeRoot", "NotResource": [resource]}), kind)


IAM_PATH_ERROR = (
    'IAM resource path must either be "*" or start with user/, federated-user/, role/, group/, '
    "instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, saml-provider/, oidc-provider/, "
    "report/, access-report/."
)


@pytest.mark.parametrize("path", ["roots", "root/x", "Root", "rootuser", "role-templates"])
def test_near_root_paths_are_refused(path: str) -> None:
    statement = {
        "Effect": "Allow",
        "Action": "sts:AssumeRoot",
        "Resource": f"arn:aws:iam::123456789012:{path}",
    }
    assert error_of(doc(statement)) == IAM_PATH_ERROR


_ACCOUNTS = st.one_of(st.from_regex(r"[0-9]{12}", fullmatch=True), st.just("*"))
_PATH_CHARS = st.text(
    st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters='"\\:'), max_size=20
)


@given(account=_ACCOUNTS, path=_PATH_CHARS)
def test_iam_resource_paths(account: str, path: str) -> None:
    """An IAM Resource's path is valid iff it is "*", ``root``, or starts with an IAM resource type."""
    types = IAM_PATH_ERROR.split("start with ")[1].rstrip(".").split(", ")
    types += ["role-template/", "delegation-request/", "assumed-role/"]
    valid = path in ("*", "root") or any(path.startswith(t) for t in types)
    statement = {"Effect": "Allow", "Action": "sts:AssumeRoot", "Resource": f"arn:aws:iam::{account}:{path}"}
    if valid:
        parse_policy(doc(statement), "managed")
    else:
        assert error_of(doc(statement)) == IAM_PATH_ERROR
