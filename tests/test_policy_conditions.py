"""Condition operators, one by one, with the IAM User Guide's examples ("Condition operators",
"Single-valued vs. multivalued context keys", "...IfExists", "Condition keys with multiple values")."""

from __future__ import annotations

import json

import pytest

from ec2sim.iam.policy.conditions import CompiledCondition
from ec2sim.iam.policy.document import Condition, ConditionValue
from ec2sim.iam.policy.engine import AuthRequest, PolicySource, evaluate
from ec2sim.iam.policy.grammar import parse_policy
from ec2sim.iam.policy.variables import ContextValue


def holds(
    operator: str,
    key: str,
    values: ConditionValue | list[ConditionValue],
    context: dict[str, ContextValue],
    *,
    variables: bool = True,
) -> bool:
    listed = values if isinstance(values, list) else [values]
    return CompiledCondition(Condition(operator, key, tuple(listed)), variables).holds(context)


# String --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operator", "values", "actual", "expected"),
    [
        ("StringEquals", "iamuser-admin", "iamuser-admin", True),
        ("StringEquals", "iamuser-admin", "IAMuser-admin", False),
        ("StringEquals", ["a", "b"], "b", True),  # values of one key are ORed
        ("StringEquals", "a*", "abc", False),  # no wildcards in StringEquals
        ("StringNotEquals", ["a", "b"], "b", False),  # NOR: true only when the value is neither
        ("StringNotEquals", ["a", "b"], "c", True),
        ("StringEqualsIgnoreCase", "johndoe", "JohnDoe", True),
        ("StringNotEqualsIgnoreCase", ["JOHNDOE"], "johndoe", False),
        ("StringLike", "home/*", "home/bob/x", True),
        ("StringLike", "home/?ob", "home/bob", True),
        ("StringLike", "home/?ob", "home/bbob", False),
        ("StringLike", "Home/*", "home/bob", False),  # case-sensitive
        ("StringLike", "a.c", "abc", False),  # regex metacharacters are literal
        ("StringLike", "a+(b)", "a+(b)", True),
        ("StringNotLike", ["x*", "y*"], "zed", True),
        ("StringNotLike", ["x*", "y*"], "yes", False),
    ],
)
def test_string_operators(operator: str, values: list[str] | str, actual: str, expected: bool) -> None:
    assert (
        holds(operator, "aws:PrincipalTag/job-category", values, {"aws:principaltag/job-category": actual})
        is expected
    )


def test_keys_are_case_insensitive_values_are_not() -> None:
    assert holds("StringEquals", "AWS:UserName", "johndoe", {"aws:username": "johndoe"})
    assert not holds("StringEquals", "aws:username", "johndoe", {"aws:username": "JohnDoe"})


def test_missing_key_is_false_for_positive_and_true_for_negated_operators() -> None:
    """'If the policy condition requires that the key is not matched, such as StringNotLike or
    ArnNotLike, and the right key is not present, the condition is true.'"""
    assert not holds("StringEquals", "aws:principaltag/team", "a", {})
    assert not holds("StringLike", "aws:principaltag/team", "*", {})
    assert holds("StringNotEquals", "aws:principaltag/team", "a", {})
    assert holds("StringNotLike", "aws:principaltag/team", "a*", {})
    assert holds("ArnNotLike", "aws:sourcearn", "arn:aws:s3:::b", {})
    assert holds("NotIpAddress", "aws:sourceip", "10.0.0.0/8", {})
    assert not holds("NumericLessThan", "s3:max-keys", "10", {})


# Numeric and date ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operator", "policy", "actual", "expected"),
    [
        ("NumericEquals", "10", "10", True),
        ("NumericEquals", 10, "10.0", True),
        ("NumericNotEquals", ["1", "2"], "2", False),
        ("NumericNotEquals", ["1", "2"], "3", True),
        ("NumericLessThan", "10", "9", True),
        ("NumericLessThan", "10", "10", False),
        ("NumericLessThanEquals", "10", "10", True),
        ("NumericGreaterThan", "10", "10.5", True),
        ("NumericGreaterThanEquals", "10", "9.99", False),
        ("NumericEquals", "10", "ten", False),
    ],
)
def test_numeric_operators(operator: str, policy: ConditionValue, actual: str, expected: bool) -> None:
    assert holds(operator, "s3:max-keys", policy, {"s3:max-keys": actual}) is expected


@pytest.mark.parametrize(
    ("operator", "policy", "actual", "expected"),
    [
        ("DateLessThan", "2020-06-30T00:00:00Z", "2020-06-29T23:59:59Z", True),
        ("DateLessThan", "2020-06-30T00:00:00Z", "2020-06-30T00:00:00Z", False),
        ("DateLessThanEquals", "2020-06-30T00:00:00Z", "2020-06-30T00:00:00Z", True),
        ("DateGreaterThan", "2020-01-01T00:00:00Z", "2020-06-30T12:00:00+02:00", True),
        ("DateGreaterThanEquals", "2020-01-01", "2019-12-31T23:59:59Z", False),
        ("DateEquals", "2020-01-01T00:00:00Z", "1577836800", True),  # epoch seconds
        ("DateEquals", "1577836800", "2020-01-01T00:00:00.000Z", True),
        ("DateNotEquals", "2020-01-01T00:00:00Z", "2020-01-02T00:00:00Z", True),
        ("DateLessThan", "2020-01-01T00:00:00Z", "not a date", False),
    ],
)
def test_date_operators(operator: str, policy: str, actual: str, expected: bool) -> None:
    assert holds(operator, "aws:CurrentTime", policy, {"aws:currenttime": actual}) is expected


# Bool, binary, IP ----------------------------------------------------------------------------


def test_bool() -> None:
    assert holds("Bool", "aws:SecureTransport", True, {"aws:securetransport": "true"})
    assert holds("Bool", "aws:SecureTransport", "false", {"aws:securetransport": "false"})
    assert holds("Bool", "aws:SecureTransport", "true", {"aws:securetransport": "TRUE"})
    assert not holds("Bool", "aws:SecureTransport", "true", {"aws:securetransport": "false"})
    assert not holds("Bool", "aws:MultiFactorAuthPresent", "true", {})


def test_binary_equals_compares_base64_bytes() -> None:
    assert holds(
        "BinaryEquals", "key", "QmluYXJ5VmFsdWVJbkJhc2U2NA==", {"key": "QmluYXJ5VmFsdWVJbkJhc2U2NA=="}
    )
    assert not holds("BinaryEquals", "key", "QmluYXJ5VmFsdWVJbkJhc2U2NA==", {"key": "QmluYXJ5"})
    assert not holds("BinaryEquals", "key", "QmluYXJ5", {"key": "not base64!"})


@pytest.mark.parametrize(
    ("operator", "cidrs", "address", "expected"),
    [
        ("IpAddress", "203.0.113.0/24", "203.0.113.7", True),
        ("IpAddress", "203.0.113.0/24", "203.0.114.7", False),
        ("IpAddress", ["203.0.113.0/24", "2001:DB8:1234:5678::/64"], "2001:db8:1234:5678::1", True),
        ("IpAddress", "203.0.113.5", "203.0.113.5", True),  # a bare address is a /32
        ("IpAddress", "2001:DB8::/32", "203.0.113.5", False),  # v4 against v6
        ("NotIpAddress", ["192.0.2.0/24", "203.0.113.0/24"], "203.0.113.9", False),
        ("NotIpAddress", ["192.0.2.0/24", "203.0.113.0/24"], "198.51.100.1", True),
        ("IpAddress", "203.0.113.0/24", "garbage", False),
    ],
)
def test_ip_address(operator: str, cidrs: str | list[str], address: str, expected: bool) -> None:
    assert holds(operator, "aws:SourceIp", cidrs, {"aws:sourceip": address}) is expected


# ARN ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operator", "pattern", "arn", "expected"),
    [
        (
            "ArnEquals",
            "arn:aws:sns:us-east-1:123456789012:topic",
            "arn:aws:sns:us-east-1:123456789012:topic",
            True,
        ),
        ("ArnLike", "arn:aws:sns:*:123456789012:*", "arn:aws:sns:us-east-1:123456789012:topic", True),
        ("ArnEquals", "arn:aws:sns:*:123456789012:*", "arn:aws:sns:us-east-1:123456789012:topic", True),
        ("ArnLike", "arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a:b/c", True),  # 6th segment holds ':'
        # a wildcard in one of the first five segments never crosses into the next
        ("ArnLike", "arn:aws:iam::*:x", "arn:aws:iam::123456789012:role/x", False),
        ("ArnLike", "arn:aws:iam::*:role/x", "arn:aws:iam::123456789012:role/x", True),
        ("ArnLike", "arn:aws:iam::12345678901?:role/x", "arn:aws:iam::123456789012:role/x", True),
        ("ArnLike", "arn:aws:iam::123456789012:role/X", "arn:aws:iam::123456789012:role/x", False),
        ("ArnLike", "*", "arn:aws:iam::123456789012:role/x", True),
        ("ArnNotLike", "arn:aws:iam::*:role/admin*", "arn:aws:iam::123456789012:role/dev", True),
        ("ArnNotEquals", "arn:aws:iam::*:role/admin*", "arn:aws:iam::123456789012:role/admin1", False),
        ("ArnLike", "arn:aws:iam::*:role/x", "not-an-arn", False),
    ],
)
def test_arn_operators(operator: str, pattern: str, arn: str, expected: bool) -> None:
    assert holds(operator, "aws:SourceArn", pattern, {"aws:sourcearn": arn}) is expected


# Null and IfExists ---------------------------------------------------------------------------


def test_null() -> None:
    assert holds("Null", "aws:TokenIssueTime", "true", {})  # true: the key is absent
    assert not holds("Null", "aws:TokenIssueTime", "true", {"aws:tokenissuetime": "2020-01-01T00:00:00Z"})
    assert holds("Null", "aws:TokenIssueTime", False, {"aws:tokenissuetime": "2020-01-01T00:00:00Z"})
    assert not holds("Null", "aws:TokenIssueTime", "false", {})
    assert holds("Null", "aws:TagKeys", "true", {"aws:tagkeys": []})  # an empty set is null


def test_if_exists() -> None:
    """The User Guide's StringLikeIfExists on ec2:InstanceType: true when the key is absent,
    checked when present; negated operators too."""
    key, value = "ec2:InstanceType", ["t1.*", "t2.*", "m3.*"]
    assert holds("StringLikeIfExists", key, value, {})
    assert holds("StringLikeIfExists", key, value, {"ec2:instancetype": "t2.micro"})
    assert not holds("StringLikeIfExists", key, value, {"ec2:instancetype": "c5.large"})
    assert holds("StringNotEqualsIfExists", key, "x", {})
    assert not holds("StringNotEqualsIfExists", key, "x", {"ec2:instancetype": "x"})
    assert holds("NumericLessThanIfExists", "s3:max-keys", "10", {})
    assert holds("ForAnyValue:StringEqualsIfExists", "aws:TagKeys", "a", {})


# Multivalued keys ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operator", "values", "request_values", "expected"),
    [
        # ForAllValues: every request value matches one of the policy values (a subset test)
        ("ForAllValues:StringEquals", ["environment", "cost-center"], ["environment"], True),
        ("ForAllValues:StringEquals", ["environment", "cost-center"], ["environment", "owner"], False),
        ("ForAllValues:StringLike", "Created*", ["CreatedBy", "CreatedAt"], True),
        ("ForAllValues:StringEquals", ["environment"], [], True),  # empty set → true
        ("ForAllValues:StringEquals", ["environment"], None, True),  # missing key → true
        # ForAnyValue: at least one request value matches
        ("ForAnyValue:StringEquals", ["environment", "cost-center"], ["owner", "environment"], True),
        ("ForAnyValue:StringEquals", ["environment", "cost-center"], ["owner"], False),
        ("ForAnyValue:StringEquals", ["environment"], None, False),  # missing key → false
        ("ForAnyValue:StringEquals", ["environment"], [], False),
        # negated operators under a set operator apply per request value
        ("ForAllValues:StringNotEquals", ["a", "b"], ["c", "d"], True),
        ("ForAllValues:StringNotEquals", ["a", "b"], ["c", "a"], False),
        ("ForAnyValue:StringNotEquals", ["a", "b"], ["a", "c"], True),
        ("ForAnyValue:StringNotEquals", ["a", "b"], ["a", "b"], False),
        ("ForAnyValue:StringNotLike", ["dev*"], None, False),
        # a plain operator on a multivalued key: any value matches (negated: none does)
        ("StringEquals", ["a"], ["b", "a"], True),
        ("StringNotEquals", ["a"], ["b", "a"], False),
        ("StringNotEquals", ["a"], ["b", "c"], True),
        # a single-valued request key with a set operator
        ("ForAllValues:StringEquals", ["a"], "a", True),
        ("ForAnyValue:StringEquals", ["a"], "b", False),
    ],
)
def test_set_operators(
    operator: str, values: list[str] | str, request_values: list[str] | str | None, expected: bool
) -> None:
    context: dict[str, ContextValue] = {} if request_values is None else {"aws:tagkeys": request_values}
    assert holds(operator, "aws:TagKeys", values, context) is expected


def test_unknown_operator_never_holds() -> None:
    assert not holds("StringSounds", "aws:username", "bob", {"aws:username": "bob"})
    assert not holds("NullIfExists", "aws:username", "true", {})


# Several operators and keys in one Condition block (through the engine) -----------------------


def _allowed(condition: dict[str, dict[str, object]], context: dict[str, ContextValue]) -> bool:
    statement = {"Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "*", "Condition": condition}
    document = parse_policy(json.dumps({"Version": "2012-10-17", "Statement": [statement]}), "inline")
    request = AuthRequest("ec2:RunInstances", "*", context)
    return evaluate(request, [PolicySource("p", "user", document)]).allowed


def test_operators_and_keys_are_anded() -> None:
    condition = {
        "StringEquals": {"aws:PrincipalTag/team": "blue", "ec2:InstanceType": "t3.micro"},
        "IpAddress": {"aws:SourceIp": "10.0.0.0/8"},
    }
    full = {"aws:principaltag/team": "blue", "ec2:instancetype": "t3.micro", "aws:sourceip": "10.1.2.3"}
    assert _allowed(condition, full)
    assert not _allowed(condition, {**full, "ec2:instancetype": "m5.large"})
    assert not _allowed(condition, {**full, "aws:sourceip": "192.0.2.1"})
    assert not _allowed(condition, {k: v for k, v in full.items() if k != "aws:principaltag/team"})


def test_numbers_past_a_double_never_hold() -> None:
    """A number no double can hold (10**400) compares as no number, never as an exception."""
    assert not holds("NumericLessThan", "aws:MultiFactorAuthAge", 10**400, {"aws:MultiFactorAuthAge": "10"})
    assert not holds("NumericLessThan", "aws:MultiFactorAuthAge", 10, {"aws:MultiFactorAuthAge": "9" * 400})
