"""IAM and STS resolve once: each operation's plan finds the entities the request names, its
handler takes them from the plan (no second look-up)."""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from ec2sim.store.iam.entities import NamedTable
from tests.helpers import aws_error

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """How often the API layer looks each IAM name up (the server runs in this process); the
    store's own change methods find their entities by name too, which doesn't count."""
    counts: Counter[str] = Counter()
    original = NamedTable.get

    def counting(self: NamedTable[Any], name: str) -> Any:
        if sys._getframe(1).f_globals["__name__"].startswith("ec2sim.api."):
            counts[name.lower()] += 1
        return original(self, name)

    monkeypatch.setattr(NamedTable, "get", counting)
    yield counts


def _calls(iam: Any) -> list[tuple[str, Callable[[], Any]]]:
    """Requests of the common shape (one named entity, or two), and the name looked up."""
    return [
        ("bob", lambda: iam.get_user(UserName="bob")),
        ("bob", lambda: iam.tag_user(UserName="bob", Tags=[{"Key": "k", "Value": "v"}])),
        ("bob", lambda: iam.list_user_tags(UserName="bob")),
        ("bob", lambda: iam.put_user_policy(UserName="bob", PolicyName="p", PolicyDocument=_allow())),
        ("devs", lambda: iam.add_user_to_group(GroupName="devs", UserName="bob")),
        ("bob", lambda: iam.list_groups_for_user(UserName="bob")),
        ("app", lambda: iam.get_role(RoleName="app")),
        ("app", lambda: iam.update_role(RoleName="app", Description="d")),
        ("prof", lambda: iam.add_role_to_instance_profile(InstanceProfileName="prof", RoleName="app")),
        ("prof", lambda: iam.get_instance_profile(InstanceProfileName="prof")),
        ("app", lambda: iam.list_attached_role_policies(RoleName="app")),
    ]


def _allow() -> str:
    return json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    )


def test_handlers_take_the_entity_from_the_plan(iam: Any, lookups: Counter[str]) -> None:
    iam.create_user(UserName="bob")
    iam.create_group(GroupName="devs")
    iam.create_role(RoleName="app", AssumeRolePolicyDocument=TRUST)
    iam.create_instance_profile(InstanceProfileName="prof")
    for name, call in _calls(iam):
        lookups.clear()
        call()
        assert lookups[name] == 1, (name, call)


def test_first_missing_entity_is_the_error(iam: Any) -> None:
    """The plan records NotFound in the handler's order: the group before the user."""
    with aws_error("NoSuchEntity", 404, "The group with name devs cannot be found."):
        iam.add_user_to_group(GroupName="devs", UserName="nobody")
    iam.create_group(GroupName="devs")
    with aws_error("NoSuchEntity", 404, "The user with name nobody cannot be found."):
        iam.add_user_to_group(GroupName="devs", UserName="nobody")
    with aws_error("NoSuchEntity", 404, "Instance Profile prof cannot be found."):
        iam.add_role_to_instance_profile(InstanceProfileName="prof", RoleName="nobody")
