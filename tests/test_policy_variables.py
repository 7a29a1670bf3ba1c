"""Policy variables (IAM User Guide, "IAM policy elements: Variables and tags")."""

from __future__ import annotations

import json
import time

from ec2sim.iam.policy.conditions import CompiledCondition
from ec2sim.iam.policy.document import Condition
from ec2sim.iam.policy.engine import AuthRequest, PolicySource, evaluate
from ec2sim.iam.policy.grammar import parse_policy
from ec2sim.iam.policy.variables import Literal, Var, resolve, split_template

BUCKET = "arn:aws:s3:::amzn-s3-demo-bucket"


def allowed(
    resource_pattern: str, resource: str, context: dict[str, str], version: str = "2012-10-17"
) -> bool:
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": resource_pattern}
    document = parse_policy(json.dumps({"Version": version, "Statement": [statement]}), "inline")
    return evaluate(
        AuthRequest("s3:GetObject", resource, context), [PolicySource("p", "user", document)]
    ).allowed


def test_split_template() -> None:
    assert split_template("plain") == ("plain",)
    assert split_template("home/${aws:UserName}/*") == ("home/", Var("aws:username"), "/*")
    assert split_template("${aws:PrincipalTag/team, 'company-wide'}") == (
        Var("aws:principaltag/team", "company-wide"),
    )
    assert split_template("a${*}b${?}${$}") == ("a", Literal("*"), "b", Literal("?"), Literal("$"))
    assert split_template("${}x${") == ("${}x${",)  # malformed: plain text


def test_resolve_missing_and_multivalued() -> None:
    parts = split_template("${aws:username}")
    assert resolve(parts, {"aws:username": "bob"}) == [Literal("bob")]
    assert resolve(parts, {}) is None
    assert resolve(parts, {"aws:username": ["a", "b"]}) is None  # multivalued keys aren't variables
    assert resolve(split_template("${aws:username, 'anon'}"), {}) == [Literal("anon")]


def test_user_home_folder() -> None:
    pattern = f"{BUCKET}/home/${{aws:username}}/*"
    assert allowed(pattern, f"{BUCKET}/home/bob/notes.txt", {"aws:username": "bob"})
    assert not allowed(pattern, f"{BUCKET}/home/alice/notes.txt", {"aws:username": "bob"})


def test_unresolvable_variable_doesnt_match() -> None:
    """A role session has no aws:username: the element doesn't match, nothing is allowed."""
    pattern = f"{BUCKET}/home/${{aws:username}}/*"
    assert not allowed(pattern, f"{BUCKET}/home//notes.txt", {})
    assert not allowed(pattern, f"{BUCKET}/home/${{aws:username}}/notes.txt", {})


def test_default_value() -> None:
    pattern = f"{BUCKET}/${{aws:PrincipalTag/team, 'company-wide'}}/*"
    assert allowed(pattern, f"{BUCKET}/company-wide/x", {})
    assert allowed(pattern, f"{BUCKET}/blue/x", {"aws:principaltag/team": "blue"})
    assert not allowed(pattern, f"{BUCKET}/company-wide/x", {"aws:principaltag/team": "blue"})


def test_substituted_value_is_literal() -> None:
    """A user name containing '*' must not act as a wildcard."""
    pattern = f"{BUCKET}/home/${{aws:username}}"
    assert allowed(pattern, f"{BUCKET}/home/a*", {"aws:username": "a*"})
    assert not allowed(pattern, f"{BUCKET}/home/abc", {"aws:username": "a*"})
    assert not allowed(pattern, f"{BUCKET}/home/aXc", {"aws:username": "a?c"})


def test_escapes_are_literal_characters() -> None:
    pattern = f"{BUCKET}/literal${{*}}star-${{?}}-${{$}}"
    assert allowed(pattern, f"{BUCKET}/literal*star-?-$", {})
    assert not allowed(pattern, f"{BUCKET}/literalXstar-?-$", {})


def test_version_2008_treats_variables_as_text() -> None:
    pattern = f"{BUCKET}/home/${{aws:username}}/*"
    assert not allowed(pattern, f"{BUCKET}/home/bob/x", {"aws:username": "bob"}, "2008-10-17")
    assert allowed(pattern, f"{BUCKET}/home/${{aws:username}}/x", {"aws:username": "bob"}, "2008-10-17")


def test_variable_with_wildcards_around_it() -> None:
    pattern = "arn:aws:ec2:*:*:instance/*${aws:userid}*"
    context = {"aws:userid": "AIDAEXAMPLE"}
    assert allowed(pattern, "arn:aws:ec2:us-east-1:123456789012:instance/x-AIDAEXAMPLE-y", context)
    assert not allowed(pattern, "arn:aws:ec2:us-east-1:123456789012:instance/x-AIDAOTHER-y", context)


def test_variables_in_condition_values() -> None:
    """aws:ResourceTag/access-project must equal the principal's own tag."""
    condition = Condition(
        "StringEquals", "aws:ResourceTag/access-project", ("${aws:PrincipalTag/access-project}",)
    )
    compiled = CompiledCondition(condition, variables=True)
    same = {"aws:resourcetag/access-project": "p1", "aws:principaltag/access-project": "p1"}
    assert compiled.holds(same)
    assert not compiled.holds({**same, "aws:principaltag/access-project": "p2"})
    assert not compiled.holds({"aws:resourcetag/access-project": "p1"})  # unresolvable → no match
    negated = CompiledCondition(Condition("StringNotEquals", condition.key, condition.values), variables=True)
    assert negated.holds({"aws:resourcetag/access-project": "p1"})


def test_variables_in_like_arn_and_ignore_case_values() -> None:
    like = CompiledCondition(Condition("StringLike", "s3:prefix", ("home/${aws:username}/*",)), True)
    assert like.holds({"s3:prefix": "home/bob/docs", "aws:username": "bob"})
    assert not like.holds({"s3:prefix": "home/bobby/docs", "aws:username": "bob"})
    arn = CompiledCondition(
        Condition("ArnLike", "aws:SourceArn", ("arn:aws:iam::*:user/${aws:username}",)), True
    )
    assert arn.holds({"aws:sourcearn": "arn:aws:iam::123456789012:user/bob", "aws:username": "bob"})
    folded = CompiledCondition(Condition("StringEqualsIgnoreCase", "k", ("${aws:username}",)), True)
    assert folded.holds({"k": "BOB", "aws:username": "Bob"})


def test_numeric_operators_take_no_variables() -> None:
    compiled = CompiledCondition(Condition("NumericEquals", "s3:max-keys", ("${aws:username}",)), True)
    assert not compiled.holds({"s3:max-keys": "5", "aws:username": "5"})


def test_variable_syntax_is_read_without_backtracking():
    """Whitespace inside ``${...}`` once took cubic time in a regex (2,000 spaces: 14 s)."""
    started = time.perf_counter()
    for inner in (" " * 20_000, " " * 10_000 + "," + " " * 10_000, "k," + " " * 20_000 + "'"):
        assert split_template("${" + inner + "}") == ("${" + inner + "}",)
    assert time.perf_counter() - started < 0.5  # a hang detector, not a benchmark
    assert split_template("${ k ,  'a,b'c' }") == (Var("k", "a,b'c"),)
