"""Linear-time wildcard matching (issue 11, defect 2): no backtracking, whoever writes the pattern.

A policy pattern such as ``a*a*a*a*a*a*ab`` used to become a backtracking regex evaluated under
the store lock: against a long request value (a StringLike on aws:UserAgent, an EC2 filter on a
tag value) it froze every account for seconds or more. The matcher is checked against a slow,
obviously correct reference; the timing assertions are hang detectors, not benchmarks.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import example, given
from hypothesis import strategies as st

from ec2sim.iam.policy.matching import Mode, PatternSet
from ec2sim.wildcards import ANY, ONE, ONE_SEG, SEG, Token, compile_any, compile_tokens, normalize, parse
from tests.helpers import aws_error

PATHOLOGICAL = "a*a*a*a*a*a*ab"
HANG = 0.5  # seconds: far beyond what any of these takes, far below what backtracking took


def reference(tokens: Sequence[Token], subject: str) -> bool:
    """Every position each token can reach, one token at a time (slow, obviously right)."""
    reachable = {0}
    for token in tokens:
        after: set[int] = set()
        for pos in reachable:
            if isinstance(token, str):
                if subject.startswith(token, pos):
                    after.add(pos + len(token))
            elif token == ANY:
                after.update(range(pos, len(subject) + 1))
            elif token == SEG:
                end = pos
                while end < len(subject) and subject[end] != ":":
                    end += 1
                after.update(range(pos, end + 1))
            elif pos < len(subject) and (token == ONE or subject[pos] != ":"):
                after.add(pos + 1)
        reachable = after
    return len(subject) in reachable


def quickly(match: Callable[[str], bool], subject: str) -> bool:
    start = time.perf_counter()
    result = match(subject)
    assert time.perf_counter() - start < HANG
    return result


tokens_st = st.lists(
    st.one_of(st.sampled_from([ANY, SEG, ONE, ONE_SEG]), st.text(alphabet="ab:", min_size=1, max_size=3)),
    max_size=8,
)
# Repetitive subjects make many candidate positions: they exercise the fall-back paths.
subjects_st = st.one_of(
    st.text(alphabet="ab:", max_size=30),
    st.builds(lambda unit, times: unit * times, st.text(alphabet="aab:", max_size=6), st.integers(1, 60)),
)


@given(tokens_st, subjects_st)
@example([ANY, "a", ONE, "b", ANY], "a" * 100 + "ab")  # more failed starts than the greedy allows
@example([SEG, ":a", ANY, ONE_SEG, "b"], "xx:a:b:cb")
@example(["x", SEG, ":", SEG], "x:yy")
@example([ANY, "ab", SEG, "ab"], "ab" * 30)  # a frequent literal: bitsets built from its characters
def test_matches_like_the_reference(tokens: list[Token], subject: str) -> None:
    assert compile_tokens(tuple(tokens))(subject) == reference(tokens, subject)
    assert reference(normalize(tokens), subject) == reference(tokens, subject)


@given(st.lists(tokens_st, max_size=4), subjects_st)
@example([["ab", ANY], [ANY, "b"], ["a"], [ANY]], "b")
def test_pattern_sets_match_any_of_their_patterns(patterns: list[list[Token]], subject: str) -> None:
    assert compile_any(patterns)(subject) == any(reference(tokens, subject) for tokens in patterns)


@pytest.mark.parametrize(
    ("pattern", "escapes", "tokens"),
    [
        ("ec2:Describe*", False, ("ec2:Describe", ANY)),
        ("a?b**c", False, ("a", ONE, "b", ANY, ANY, "c")),
        (r"a\*b\?c\\d*", True, ("a*b?c\\d", ANY)),
        ("tail\\", True, ("tail\\",)),
        (r"a\*", False, ("a\\", ANY)),
        ("", False, ()),
    ],
)
def test_parse(pattern: str, escapes: bool, tokens: tuple[Token, ...]) -> None:
    assert parse(pattern, escapes=escapes) == tokens


@pytest.mark.parametrize(
    ("pattern", "hit", "miss"),
    [
        ("ec2:describe*", "ec2:describeinstances", "ec2:runinstances"),
        ("*tags", "ec2:createtags", "ec2:createtag"),
        ("*instance*", "ec2:describeinstances", "ec2:runvolume"),
        ("ec2:*tags", "ec2:deletetags", "iam:deletetags"),
        ("ec2:?reate*", "ec2:createvolume", "ec2:ccreatevolume"),
        ("a.b+c(d)[e]", "a.b+c(d)[e]", "aXb+c(d)[e]"),  # regex syntax is plain text
        ("x*y", "x\ny", "x\ny\n"),  # any character, newlines included
    ],
)
def test_glob_shapes(pattern: str, hit: str, miss: str) -> None:
    match = compile_tokens(parse(pattern))
    assert match(hit) and not match(miss)


@pytest.mark.parametrize(
    "tokens",
    [
        parse(PATHOLOGICAL),
        parse("a?a*a?a*a?a*a?a*a?a*ab"),
        parse("*a?a?a?a?a?a?b*"),  # every start is a near miss
        parse("*" + "a?" * 200 + "b*"),
        tuple(token for _ in range(6) for token in ("a", SEG)) + ("ab",),
        tuple(token for _ in range(6) for token in ("a", SEG, ONE_SEG)) + ("ab",),
        tuple(token for _ in range(6) for token in ("a", SEG, ":")) + ("ab",),
    ],
)
@pytest.mark.parametrize("subject", ["a" * 10_000, ("a" * 99 + ":") * 100, "a" * 9_999 + "b"])
def test_pathological_patterns_decide_quickly(tokens: tuple[Token, ...], subject: str) -> None:
    quickly(compile_tokens(tokens), subject)


def test_pathological_pattern_results() -> None:
    match = compile_tokens(parse(PATHOLOGICAL))
    assert not quickly(match, "a" * 10_000)
    assert quickly(match, "a" * 9_998 + "ab")


@pytest.mark.parametrize("mode", [Mode.GLOB, Mode.RESOURCE, Mode.ARN])
@pytest.mark.parametrize("pattern", [PATHOLOGICAL, "arn:aws:a*a*a:a*a*a:a*a*:a?a*a:a*a*ab"])
def test_policy_elements_decide_quickly(mode: Mode, pattern: str) -> None:
    patterns = PatternSet([pattern], mode, variables=True)
    for subject in ("a" * 10_000, "arn:aws:" + ("a" * 1_000 + ":") * 10):
        quickly(lambda text: patterns.match(text, {}), subject)


def test_policy_variables_are_literal_and_long_values_decide_quickly() -> None:
    patterns = PatternSet(["arn:aws:s3:::${aws:useragent}/a*a*a*a*a*a*ab"], Mode.RESOURCE, variables=True)
    wild = {"aws:useragent": "*"}
    assert patterns.match("arn:aws:s3:::*/aaaaaaab", wild)
    assert not patterns.match("arn:aws:s3:::x/aaaaaaab", wild)  # the value's '*' is no wildcard
    long = {"aws:useragent": "a" * 5_000}  # too long to keep compiled: compiled per request
    assert quickly(
        lambda text: patterns.match(text, long), "arn:aws:s3:::" + "a" * 5_000 + "/" + "a" * 5_000 + "b"
    )
    assert not quickly(lambda text: patterns.match(text, long), "arn:aws:s3:::" + "a" * 10_001)


# End to end ---------------------------------------------------------------------------------


def _user_client(iam: Any, make_client: Callable[..., Any], name: str, statement: dict[str, Any]) -> Any:
    iam.create_user(UserName=name)
    document = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=document)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return make_client("iam", key["AccessKeyId"], secret=key["SecretAccessKey"])


def _with_user_agent(client: Any, agent: str) -> Any:
    """Send exactly ``agent`` as User-Agent (botocore would append its own name; SigV4 doesn't
    sign the header)."""

    def replace(request: Any, **_: Any) -> None:
        request.headers["User-Agent"] = agent

    client.meta.events.register("before-send", replace)
    return client


def test_user_agent_condition_cannot_freeze_other_accounts(iam, make_client) -> None:
    statement = {
        "Effect": "Allow",
        "Action": "iam:GetUser",
        "Resource": "*",
        "Condition": {"StringLike": {"aws:UserAgent": PATHOLOGICAL}},
    }
    user = _user_client(iam, make_client, "agent", statement)
    other_account = str(random.randrange(10**11, 10**12))  # another fresh account, as conftest makes them
    other = make_client("sts", other_account)

    def pathological() -> str:
        try:
            _with_user_agent(user, "a" * 10_000).get_user()
        except ClientError as error:
            return f"{error.response['Error']['Code']} {error.response['ResponseMetadata']['HTTPStatusCode']}"
        return "allowed"

    with ThreadPoolExecutor(max_workers=2) as pool:
        denied = pool.submit(pathological)
        identity = pool.submit(other.get_caller_identity)
        assert identity.result(timeout=10)["Account"] == other_account
        assert denied.result(timeout=10) == "AccessDenied 403"
    matching = _user_client(iam, make_client, "agent2", statement)
    assert _with_user_agent(matching, "a" * 9_998 + "ab").get_user()["User"]["UserName"] == "agent2"


def test_filter_wildcards_against_long_tag_values(ec2) -> None:
    vpc_id = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    ec2.create_tags(Resources=[vpc_id], Tags=[{"Key": "Name", "Value": "a" * 256}])

    def found(*values: str) -> int:
        return len(ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": list(values)}])["Vpcs"])

    start = time.perf_counter()
    assert found(PATHOLOGICAL, "a?a*a?a*a?a*a?a*ab", "*a?a?a?a?a?b*") == 0
    assert found(PATHOLOGICAL, "a*a*a*a*a*a*a") == 1
    assert found(r"a\*", "*a?a") == 1
    assert time.perf_counter() - start < 10  # hang detector: backtracking took hours here
    with aws_error("InvalidParameterValue", 400, "The filter 'bogus' is invalid"):
        ec2.describe_vpcs(Filters=[{"Name": "bogus", "Values": [PATHOLOGICAL]}])
