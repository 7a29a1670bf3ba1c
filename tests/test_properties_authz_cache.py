"""Property: after any sequence of IAM changes, the decision authorization takes through its
per-principal cache (`ec2sim.iam.principal_cache`) equals one taken from scratch, for every check."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ec2sim.api.authorization import Check, _context, _decide, first_denial
from ec2sim.api.context import RequestContext
from ec2sim.config import Config
from ec2sim.iam.authn import principal_of
from ec2sim.iam.principal_policies import _gather
from ec2sim.store import Store

ACCOUNT = "111122223333"
USER_ARN = f"arn:aws:iam::{ACCOUNT}:user/u"
INSTANCE = f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-0123456789abcdef0"
READ_ONLY = "arn:aws:iam::aws:policy/IAMReadOnlyAccess"
NAMES = {"user": "u", "group": "g"}


def _doc(effect: str, action: str, resource: str = "*", condition: dict[str, Any] | None = None) -> str:
    statement: dict[str, Any] = {"Effect": effect, "Action": action, "Resource": resource}
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


DOCUMENTS = [
    _doc("Allow", "iam:List*"),
    _doc("Deny", "iam:ListUsers"),
    _doc("Allow", "iam:*", condition={"StringEquals": {"aws:PrincipalTag/team": "blue"}}),
    _doc("Allow", "ec2:StopInstances", condition={"StringEquals": {"ec2:ResourceTag/env": "dev"}}),
    _doc("Allow", "iam:GetUser", "arn:aws:iam::*:user/${aws:username}"),
    _doc("Allow", "*"),
]
CHECKS = [
    Check("iam:ListUsers"),
    Check("iam:ListRoles"),
    Check("iam:GetUser", USER_ARN),
    Check("ec2:StopInstances", INSTANCE, {"ec2:ResourceTag/env": "dev"}),
    Check("ec2:StopInstances", INSTANCE, {"ec2:ResourceTag/env": "prod"}),
]
documents = st.sampled_from(range(len(DOCUMENTS)))
changes = st.one_of(
    st.tuples(st.just("inline"), st.sampled_from(["user", "group"]), st.none() | documents),
    st.tuples(st.just("attach"), st.sampled_from(["user", "group"]), st.booleans()),
    st.tuples(st.just("version"), documents, st.booleans()),
    st.tuples(st.just("boundary"), st.sampled_from([None, "managed", READ_ONLY])),
    st.tuples(st.just("member"), st.booleans()),
    st.tuples(st.just("tags"), st.sampled_from([{}, {"team": "blue"}, {"team": "red"}])),
    st.tuples(st.just("key"), st.sampled_from(["Active", "Inactive"])),
)


class World:
    """One account with the user ``u`` (and its key), the group ``g`` and the managed policy ``m``."""

    def __init__(self) -> None:
        self.store = Store()
        self.iam = iam = self.store.account(ACCOUNT).iam
        now = self.now = self.store.clock.now()
        iam.create_user(now, "u", "/", "AIDAEXAMPLE0000000001", {}, None)
        iam.create_group(now, "g", "/", "AGPAEXAMPLE0000000001")
        self.managed = iam.create_policy(now, "m", "/", "ANPAEXAMPLE000000001", None, DOCUMENTS[0], {}).arn
        iam.create_access_key(now, "u", "AKIAEXAMPLE000000001", "secret")
        self.credential = self.store.credentials["AKIAEXAMPLE000000001"]

    def apply(self, change: tuple[Any, ...]) -> None:
        iam, now, kind = self.iam, self.now, change[0]
        if kind == "inline":
            document = None if change[2] is None else DOCUMENTS[change[2]]
            name = NAMES[change[1]]
            if document is not None or "p" in iam.table(change[1]).get(name).inline_policies:
                iam.set_inline_policy(now, change[1], name, "p", document)
        elif kind == "attach":
            name = NAMES[change[1]]
            if (self.managed in iam.table(change[1]).get(name).attached_policies) != change[2]:
                iam.set_attachment(now, change[1], name, self.managed, change[2])
        elif kind == "version":
            policy = iam.policies[self.managed]
            if len(policy.versions) >= 5:  # IAM keeps five: drop the oldest that isn't the default
                old = next(v for v in policy.versions if v != policy.default_version_id)
                iam.delete_policy_version(now, self.managed, old)
            iam.create_policy_version(now, self.managed, DOCUMENTS[change[1]], change[2])
        elif kind == "boundary":
            arn = self.managed if change[1] == "managed" else change[1]
            iam.set_boundary(now, "user", "u", arn)
        elif kind == "member":
            if ("g" in iam.users.get("u").group_names) != change[1]:
                iam.set_group_membership(now, "u", "g", change[1])
        elif kind == "tags":
            iam.set_tags(now, "user", "u", change[1])
        elif kind == "key":
            iam.update_access_key(now, "u", self.credential.access_key_id, change[1])

    def decisions(self) -> list[tuple[str, str]] | None:
        """Each check's decision through the cache, and from scratch (None: the key is refused)."""
        if self.iam.users.get("u").access_keys[self.credential.access_key_id].status != "Active":
            return None
        principal = principal_of(self.store, self.credential)
        ctx = RequestContext(
            "r", "iam", "ListUsers", "us-east-1", principal, "127.0.0.1", "ua", self.now, self.store, Config()
        )
        fresh = _gather(self.iam, principal, None)
        found = []
        for check in CHECKS:
            cached = first_denial(ctx, [check])
            again = first_denial(ctx, [check])  # from the remembered decision this time
            scratch = _decide(ctx, check, fresh, _context(ctx, check))
            for denial in (cached, again):
                assert (denial is None) == scratch.allowed
                assert denial is None or denial.decision == scratch
            found.append((check.action, scratch.decision))
        return found


@given(st.lists(changes, max_size=12))
def test_cached_decisions_equal_fresh_ones_after_any_changes(steps: list[tuple[Any, ...]]) -> None:
    world = World()
    world.decisions()
    for change in steps:
        world.apply(change)
        world.decisions()
