"""The policy grammar and engine under random documents and requests.

`parse_policy` answers a document or PolicyError, never another exception, for any text: JSON-ish
trees, policy-shaped documents with odd values (huge numbers written into the JSON, Unicode digits,
variables, every condition operator and qualifier), and valid documents mutated character by
character. A document that parses also evaluates, under any request context, without an exception:
validation and evaluation never disagree.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ec2sim.iam.policy.engine import AuthRequest, PolicySource, evaluate, evaluate_trust
from ec2sim.iam.policy.grammar import CONDITION_OPERATORS, KINDS, PolicyError, parse_policy
from ec2sim.iam.policy.matching import PrincipalFacts

# Every operator the grammar knows, and one it doesn't (last).
OPERATORS = [*sorted(CONDITION_OPERATORS), "Bogus"]
KEYS = [
    "aws:SourceIp",
    "aws:username",
    "aws:userid",
    "aws:CurrentTime",
    "aws:EpochTime",
    "aws:MultiFactorAuthAge",
    "aws:SecureTransport",
    "aws:TagKeys",
    "aws:PrincipalArn",
    "aws:PrincipalTag/team",
    "aws:RequestTag/env",
    "ec2:ResourceTag/team",
    "ec2:InstanceType",
    "iam:PassedToService",
    "s3:prefix",
    "x:é/ü",
]
# Numbers spliced into the JSON text as written (json.dumps can't write some of them).
RAW_NUMBERS = [
    "1" * 300,
    "1e308",
    "1" * 400,
    "1" * 4301,
    "9" * 5000,
    "1e400",
    "-1e-400",
    "0.1",
    "-0",
    "123456789012",
]
ODD_STRINGS = [
    "",
    "*",
    "?",
    "${aws:username}",
    "${aws:PrincipalTag/team, 'none'}",
    "${*}${?}${$}",
    "${unterminated",
    "arn:aws:iam::*:user/${aws:username}",
    "arn:aws:ec2:*:*:instance/*",
    "arn:aws:s3:::bucket/*",
    "arn:aws:iam::123456789012:root",
    "arn:aws:sts::123456789012:assumed-role/r/s",
    "10.0.0.0/8",
    "::1/128",
    "999.1.1.1/40",
    "2024-01-01T00:00:00Z",
    "2024-13-45T99:99:99Z",
    "1700000000",
    "9" * 5000,
    "²",
    "١٢٣",
    "１２",
    "1e400",
    "nan",
    "true",
    "QUJD",
    "not base64",
    "ec2:*",
    "iam:Get*",
    "sts:AssumeRole",
    "s3:Get?bject",
    "ec2:Run:Instances",
    "é:x",
]
PLACEHOLDER = "\u0000number\u0000"

texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
strings = st.one_of(st.sampled_from(ODD_STRINGS), texts)
scalars = st.one_of(
    strings,
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.just(PLACEHOLDER),
)
string_lists = st.one_of(strings, st.lists(strings, max_size=3))
qualified_operators = st.tuples(
    st.sampled_from(["", "", "ForAnyValue:", "ForAllValues:"]),
    st.sampled_from(OPERATORS[:-1] * 3 + OPERATORS[-1:]),
    st.sampled_from(["", "IfExists"]),
).map("".join)
conditions = st.dictionaries(
    qualified_operators,
    st.dictionaries(
        st.one_of(st.sampled_from(KEYS), texts), st.one_of(scalars, st.lists(scalars, max_size=3)), max_size=3
    ),
    max_size=3,
)
principals = st.one_of(
    st.just("*"),
    st.dictionaries(
        st.sampled_from(["AWS", "Service", "Federated", "CanonicalUser", "Other"]), string_lists, max_size=3
    ),
)
statements = st.fixed_dictionaries(
    {"Effect": st.sampled_from(["Allow", "Deny", "Allow", "Deny", "allow", "Maybe"])},
    optional={
        "Sid": strings,
        "Action": string_lists,
        "NotAction": string_lists,
        "Resource": string_lists,
        "NotResource": string_lists,
        "Principal": principals,
        "NotPrincipal": principals,
        "Condition": conditions,
    },
)
policy_shaped = st.fixed_dictionaries(
    {"Statement": st.one_of(statements, st.lists(statements, max_size=3))},
    optional={"Version": st.sampled_from(["2012-10-17", "2008-10-17", "2012-10-17", "1"]), "Id": strings},
)
# Statements IAM accepts but for their conditions, so documents get as far as evaluation.
ACTIONS = ["*", "ec2:*", "ec2:RunInstances", "iam:Get*", "s3:Get?bject", "sts:AssumeRole"]
RESOURCES = ["*", "arn:aws:ec2:*:*:instance/*", "arn:aws:iam::*:user/${aws:username}", "arn:aws:s3:::b/${*}"]
LIKELY_VALUES = ["2024-01-01T00:00:00Z", "1700000000", "10.0.0.0/8", "true", "QUJD", "${aws:username}", "a*"]
likely_statements = st.fixed_dictionaries(
    {
        "Effect": st.sampled_from(["Allow", "Deny"]),
        "Action": st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=2),
        "Resource": st.lists(st.sampled_from(RESOURCES), min_size=1, max_size=2),
    },
    optional={
        "Condition": st.dictionaries(
            st.sampled_from(OPERATORS[:-1]),
            st.dictionaries(
                st.sampled_from(KEYS),
                st.lists(
                    st.one_of(st.just(PLACEHOLDER), st.sampled_from(LIKELY_VALUES), st.integers()), max_size=2
                ),
                min_size=1,
                max_size=2,
            ),
            max_size=2,
        )
    },
)
likely_policies = st.fixed_dictionaries(
    {"Version": st.just("2012-10-17"), "Statement": st.lists(likely_statements, min_size=1, max_size=3)}
)
json_ish = st.recursive(
    scalars | st.none(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(strings, children, max_size=3),
    max_leaves=12,
)


@st.composite
def documents(draw: st.DrawFn) -> str:
    """Policy text: a likely document, a policy-shaped one or any JSON-ish tree, with raw numbers
    spliced in and, sometimes, a few characters deleted, inserted or repeated."""
    tree = draw(st.one_of(likely_policies, policy_shaped, json_ish))
    text = json.dumps(tree, ensure_ascii=draw(st.booleans()))
    while json.dumps(PLACEHOLDER) in text:
        text = text.replace(json.dumps(PLACEHOLDER), draw(st.sampled_from(RAW_NUMBERS)), 1)
    for _ in range(draw(st.integers(0, 2)) if draw(st.booleans()) else 0):
        at = draw(st.integers(0, len(text)))
        end = min(len(text), at + draw(st.integers(0, 8)))
        change = draw(st.sampled_from(["delete", "insert", "repeat"]))
        if change == "delete":
            text = text[:at] + text[end:]
        elif change == "insert":
            text = (
                text[:at]
                + draw(st.sampled_from(['"', "{", "}", "[", "]", ",", ":", "\\", "1", " ", "\\u"]))
                + text[at:]
            )
        else:
            text = text[:end] + text[at:end] + text[end:]
    return text


def _parsed(text: str, kind: str) -> Any:
    try:
        return parse_policy(text, kind)
    except PolicyError:
        return None


HUGE = '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericLessThan":{"aws:MultiFactorAuthAge":%s}}}}'


@given(text=documents(), kind=st.sampled_from(sorted(KINDS)))
@example(text=HUGE % ("1" * 5000), kind="inline")
@example(text=HUGE % "1e400", kind="managed")
@example(text="[" * 5000, kind="inline")
@example(text='{"Statement":{"Effect":"Allow","Action":"x:y","Resource":"*","Sid":"\\ud800"}}', kind="inline")
@example(
    text='{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"²"}}}}',
    kind="inline",
)
@example(
    text='{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"%s"}}}}'
    % ("9" * 5000),
    kind="inline",
)
def test_parse_policy_raises_only_policy_error(text: str, kind: str) -> None:
    _parsed(text, kind)


@pytest.mark.parametrize("number", ["1" * 400, "1" * 4301, "9" * 5000, "1e400", "NaN", "-Infinity"])
def test_unrepresentable_numbers_are_syntax_errors(number: str) -> None:
    with pytest.raises(PolicyError, match="Syntax errors in policy."):
        parse_policy(HUGE % number, "inline")


# Evaluation ---------------------------------------------------------------------------------------------

context_values = st.one_of(
    strings,
    st.lists(strings, max_size=3),
    st.integers(-(10**20), 10**20).map(str),
    st.sampled_from(RAW_NUMBERS),
)
contexts = st.dictionaries(st.one_of(st.sampled_from(KEYS), texts).map(str.lower), context_values, max_size=6)
facts = st.builds(
    PrincipalFacts,
    account_id=st.sampled_from(["", "123456789012", "111122223333"]),
    arn=st.sampled_from(
        [
            "",
            "arn:aws:iam::123456789012:root",
            "arn:aws:iam::123456789012:user/u",
            "arn:aws:sts::1:assumed-role/r/s",
        ]
    ),
    role_arn=st.sampled_from(["", "arn:aws:iam::123456789012:role/r"]),
    service=st.sampled_from(["", "ec2.amazonaws.com"]),
    federated=st.sampled_from(["", "cognito-identity.amazonaws.com"]),
)
requests = st.builds(
    AuthRequest,
    action=st.one_of(
        st.sampled_from(["ec2:RunInstances", "iam:GetUser", "sts:AssumeRole", "s3:GetObject"]), texts
    ),
    resource=st.one_of(st.sampled_from(ODD_STRINGS), texts),
    context=contexts,
    principal=st.one_of(st.none(), facts),
    resource_account=st.sampled_from(["", "123456789012", "999999999999"]),
)


@given(text=documents(), kind=st.sampled_from(sorted(KINDS)), request=requests, root=st.booleans())
def test_documents_that_parse_evaluate(text: str, kind: str, request: AuthRequest, root: bool) -> None:
    document = _parsed(text, kind)
    if document is None:
        return
    source = (PolicySource("p", "user", document),)
    if kind == "trust":
        evaluate_trust(
            document, request.principal or PrincipalFacts(), request.context, role_arn=request.resource
        )
    elif kind == "resource":
        evaluate(request, (), resource_policies=source, is_root=root)
    else:
        evaluate(
            request, source, boundary=source, session=source if kind == "session" else None, is_root=root
        )


@pytest.mark.parametrize("escape", ["\\u0001", "\\ud800", "\\uffff"])
def test_strings_no_response_can_carry_are_syntax_errors(escape: str) -> None:
    """GetContextKeysForCustomPolicy would echo the key into XML, which can't hold it."""
    text = (
        '{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"a:b%s":"true"}}}}'
    )
    with pytest.raises(PolicyError, match="Syntax errors in policy."):
        parse_policy(text % escape, "inline")
