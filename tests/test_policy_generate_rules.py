"""The policy generator and the replay, without a server: how resources are generalised, where `*`
goes, how statements are grouped and conditioned, the size limit, whose calls count, and (property)
that for any recorded checks the policy allows every one and no action of it can go."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ec2sim.api.least_privilege import policy_file_name, scoped
from ec2sim.iam.policy.engine import PolicySource, evaluate
from ec2sim.iam.policy.generate import (
    MANAGED_POLICY_LIMIT,
    GenerationError,
    NothingRecorded,
    generate_policy,
    verify,
)
from ec2sim.iam.policy.grammar import parse_policy
from ec2sim.iam.policy.replay import (
    RecordedCheck,
    created_resources,
    denied_calls,
    matches,
    owner_of,
    recorded_checks,
)
from ec2sim.iam.policy.variables import ContextValue
from ec2sim.store.trail import Caller, CallRecord, CheckTrace

A, B = "111122223333", "444455556666"
T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def instance(n: int, account: str = A) -> str:
    return f"arn:aws:ec2:us-east-1:{account}:instance/i-{n:017x}"


def check(
    action: str, resource: str = "*", context: Mapping[str, ContextValue] | None = None, request: str = "r1"
) -> RecordedCheck:
    context = dict(context or {})
    return RecordedCheck(
        request, T0, action, action, resource, context, {k.lower(): v for k, v in context.items()}
    )


def statements(checks: Sequence[RecordedCheck], conditions: bool = False) -> list[dict[str, Any]]:
    return list(generate_policy(checks, scoped, conditions).document["Statement"])


def test_several_resources_of_a_type_become_its_pattern_one_stays_itself() -> None:
    role = f"arn:aws:iam::{A}:role/app"
    (terminate, passing) = statements(
        [
            check("ec2:TerminateInstances", instance(1)),
            check("ec2:TerminateInstances", instance(2)),
            check("ec2:TerminateInstances", instance(3, B)),  # another account: a type of its own
            check("iam:PassRole", role),
        ]
    )
    assert terminate == {
        "Sid": "Ec2TerminateInstances",
        "Effect": "Allow",
        "Action": ["ec2:TerminateInstances"],
        "Resource": [f"arn:aws:ec2:us-east-1:{A}:instance/*", instance(3, B)],
    }
    assert passing["Resource"] == [role]
    (paths,) = statements(
        [check("iam:PassRole", f"arn:aws:iam::{A}:role/ops/web"), check("iam:PassRole", role)]
    )
    assert paths["Resource"] == [f"arn:aws:iam::{A}:role/*"]


def test_star_only_where_the_action_has_no_resource_level_permissions() -> None:
    found = statements(
        [
            check("ec2:DescribeInstances", instance(1)),  # the SAR lists no resource type
            check("ec2:StopInstances", instance(1)),
            check("ec2:StartInstances", instance(1)),
            check("iam:GetRole", "*"),  # checked on * although the SAR has resource types: must be *
        ]
    )
    assert [(s["Sid"], s["Action"], s["Resource"]) for s in found] == [
        ("Ec2IamOnAny", ["ec2:DescribeInstances", "iam:GetRole"], ["*"]),
        ("Ec2OnInstance", ["ec2:StartInstances", "ec2:StopInstances"], [instance(1)]),
    ]


def test_conditions_carry_the_values_every_check_had() -> None:
    tags = {"aws:RequestTag/team": "blue", "aws:TagKeys": ["team"], "ec2:CreateAction": "RunInstances"}
    found = statements(
        [
            check("ec2:CreateTags", instance(1), {**tags, "aws:RequestTag/env": "test"}),
            check(
                "ec2:CreateTags", instance(2), {"aws:RequestTag/team": "red", "aws:TagKeys": ["team", "x"]}
            ),
            check(
                "ec2:StopInstances",
                instance(1),
                {"aws:ResourceTag/team": "blue", "ec2:ResourceTag/team": "blue"},
            ),
            check("ec2:StopInstances", instance(1), {"ec2:ResourceTag/team": "${aws:username}"}),
        ],
        conditions=True,
    )
    by_sid = {s["Sid"]: s for s in found}
    assert by_sid["Ec2CreateTagsTagged"]["Condition"] == {
        "StringEquals": {"aws:RequestTag/team": ["blue", "red"]},  # env: only one check had it
        "ForAllValues:StringEquals": {"aws:TagKeys": ["team", "x"]},
    }
    assert by_sid["Ec2StopInstancesTagged"]["Condition"] == {
        "StringEquals": {"ec2:ResourceTag/team": ["${$}{aws:username}", "blue"]}  # literal, not a variable
    }


def test_empty_and_size_limit() -> None:
    with pytest.raises(NothingRecorded):
        generate_policy([], scoped)
    # Each action on its own instance: too large as it is, fits once each becomes instance/*.
    spread = [check(f"ec2:Action{n:03}", instance(n)) for n in range(120)]
    fitted = generate_policy(spread, lambda action: True)
    assert fitted.within_limit and fitted.notes and len(fitted.document["Statement"]) == 1
    # Each in its own account: nothing to merge, so it stays too large, and says so.
    apart = [check(f"ec2:Action{n:03}", instance(n, f"{100000000000 + n}")) for n in range(120)]
    large = generate_policy(apart, lambda action: True)
    assert not large.within_limit and large.size > MANAGED_POLICY_LIMIT
    assert "more than the 6144" in large.notes[-1]


def test_verify_refuses_a_policy_that_denies_or_is_not_minimal() -> None:
    checks = [check("ec2:StopInstances", instance(1))]
    allow = {"Effect": "Allow", "Action": ["ec2:StopInstances"], "Resource": ["*"]}
    with pytest.raises(GenerationError, match="denies 1 recorded check"):
        verify({"Version": "2012-10-17", "Statement": [{**allow, "Resource": [instance(2)]}]}, checks)
    with pytest.raises(GenerationError, match="not minimal"):
        verify(
            {"Version": "2012-10-17", "Statement": [{**allow, "Sid": "One"}, {**allow, "Sid": "Two"}]}, checks
        )


def _record(
    request: str, arn: str, kind: str, minutes: int, *checks: CheckTrace, result: dict[str, Any] | None = None
) -> CallRecord:
    caller = Caller(arn.split(":")[4], kind, arn, "AIDA", arn.rsplit("/", 1)[-1])
    when = T0 + timedelta(minutes=minutes)
    return CallRecord(
        request,
        request,
        when,
        "ec2",
        "StopInstances",
        "us-east-1",
        "10.0.0.1",
        "ua",
        200,
        caller,
        checks=checks,
        result=result,
    )


def test_whose_calls_and_when() -> None:
    session = f"arn:aws:sts::{A}:assumed-role/web/i-1"
    stop = CheckTrace("ec2:StopInstances", instance(1), {})
    records = [
        _record("r1", session, "assumed-role", 0, stop),
        _record("r2", f"arn:aws:sts::{A}:assumed-role/webserver/x", "assumed-role", 1, stop),
        _record("r3", f"arn:aws:iam::{A}:user/web", "user", 2, stop),
        _record("r4", session, "assumed-role", 3),  # no checks: nothing needed
        _record("r5", session, "assumed-role", 4, stop, CheckTrace("ec2:CreateTags", instance(1), {})),
    ]
    role = f"arn:aws:iam::{A}:role/ops/web"  # the path: session ARNs carry the name only
    assert [c.request_id for c in recorded_checks(records, role)] == ["r1", "r5", "r5"]
    assert [c.request_id for c in recorded_checks(records, role, since=T0 + timedelta(minutes=1))] == [
        "r5",
        "r5",
    ]
    assert [c.request_id for c in recorded_checks(records, role, until=T0)] == ["r1"]
    assert [c.request_id for c in recorded_checks(records, f"arn:aws:iam::{A}:user/web")] == ["r3"]
    assert matches(session, session) and not matches(f"arn:aws:iam::{B}:role/web", session)
    assert owner_of(session) == f"arn:aws:iam::{A}:role/web"
    assert policy_file_name(f"arn:aws:iam::{A}:role/ops/web") == f"{A}-role-ops-web.json"
    replayed = recorded_checks(records, role)[0]
    assert replayed.keys["aws:principalarn"] == session and replayed.keys["aws:sourceip"] == "10.0.0.1"

    candidate = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "ec2:*", "Resource": "*"},
            {"Sid": "NoTags", "Effect": "Deny", "Action": "ec2:CreateTags", "Resource": "*"},
        ],
    }
    (denied,) = denied_calls(recorded_checks(records, role), parse_policy(json.dumps(candidate), "inline"))
    shown = denied.to_json()
    assert (shown["RequestId"], shown["Action"], shown["Decision"], shown["Statements"]) == (
        "r5",
        "ec2:CreateTags",
        "explicitDeny",
        ["NoTags"],
    )
    assert (
        shown["Reason"]
        == f"ec2:CreateTags on {instance(1)} with an explicit deny in an identity-based policy"
    )


def test_resources_the_calls_created_are_named_by_their_type() -> None:
    role = f"arn:aws:sts::{A}:assumed-role/app/s"
    launch = CheckTrace("ec2:RunInstances", f"arn:aws:ec2:us-east-1:{A}:instance/*", {})
    image = CheckTrace("ec2:RunInstances", "arn:aws:ec2:us-east-1::image/ami-1", {})
    launched = _record(
        "r1",
        role,
        "assumed-role",
        0,
        launch,
        image,
        result={"Instances": [{"InstanceId": "i-00000000000000001", "ImageId": "ami-1"}]},
    )
    records = [
        launched,
        _record("r2", role, "assumed-role", 1, CheckTrace("ec2:StopInstances", instance(1), {})),
        _record("r3", role, "assumed-role", 2, CheckTrace("ec2:StopInstances", instance(2, B), {})),
    ]
    created = created_resources(records)
    assert ("instance", "i-00000000000000001") in created and ("image", "ami-1") not in created
    checks = recorded_checks(records, f"arn:aws:iam::{A}:role/app")
    found = {
        s["Sid"]: s["Resource"]
        for s in generate_policy(checks, scoped, created=created).document["Statement"]
    }
    assert found["Ec2StopInstances"] == [f"arn:aws:ec2:us-east-1:{A}:instance/*", instance(2, B)]
    assert "arn:aws:ec2:us-east-1::image/ami-1" in found["Ec2RunInstances"]  # used, not created


# Property: any recorded checks --------------------------------------------------------------------

ACTIONS = (
    "ec2:TerminateInstances",
    "ec2:CreateTags",
    "ec2:DescribeInstances",
    "iam:PassRole",
    "sts:AssumeRole",
)
RESOURCES = (
    "*",
    instance(1),
    instance(2),
    instance(3, B),
    f"arn:aws:ec2:us-east-1:{A}:volume/*",
    f"arn:aws:iam::{A}:role/app",
    f"arn:aws:iam::{A}:role/path/web",
    f"arn:aws:iam::{B}:role/app",
)
CONTEXTS = st.dictionaries(
    st.sampled_from(("aws:RequestTag/team", "ec2:ResourceTag/env", "aws:ResourceTag/env", "ec2:Region")),
    st.sampled_from(("blue", "red", "us-east-1", "$x", "${y}")),
    max_size=3,
) | st.builds(lambda keys: {"aws:TagKeys": keys}, st.lists(st.sampled_from(("a", "b", "c")), max_size=3))
CHECKS = st.lists(
    st.builds(
        check, st.sampled_from(ACTIONS), st.sampled_from(RESOURCES), CONTEXTS, st.sampled_from(("r1", "r2"))
    ),
    min_size=1,
    max_size=12,
)


@given(CHECKS, st.booleans())
def test_any_recorded_checks_get_a_policy_that_allows_them_all_and_is_minimal(
    checks: list[RecordedCheck], conditions: bool
) -> None:
    document = generate_policy(checks, scoped, conditions).document  # verified by the generator itself
    # ...and again here, independently of it.
    text = json.dumps(document)

    def allowed(doc: dict[str, Any]) -> list[bool]:
        source = (PolicySource("p", "user-managed", parse_policy(json.dumps(doc), "managed")),)
        return [evaluate(c.request(), source).allowed for c in checks]

    assert all(allowed(document))
    for at in range(len(document["Statement"])):
        fewer = json.loads(text)
        del fewer["Statement"][at]
        assert not fewer["Statement"] or not all(allowed(fewer))
    recorded = {c.action for c in checks}
    for statement in document["Statement"]:
        assert set(statement["Action"]) <= recorded
        if "*" in statement["Resource"]:
            assert all(
                not scoped(a) or any(c.action == a and c.resource == "*" for c in checks)
                for a in statement["Action"]
            )
