"""Every implemented action, authorized as AWS does: an authorization matrix built from the registry.

For each registered (service, action), in a fresh account, an IAM user signing with its own key:
- with no policies, is denied (EC2: UnauthorizedOperation; IAM and STS: AccessDenied; HTTP 403);
- with ``Allow *`` and a Deny of the action, is denied all the same;
- with a policy allowing only the action's IAM actions on the request's resources, succeeds,
  and lacking any one of those resources, is denied; EC2's DryRun answers DryRunOperation when
  allowed, UnauthorizedOperation when not;
and no denial changes anything in the account. A newly registered action fails
`test_every_action_has_a_case` until it has a case in `CASES`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from fnmatch import fnmatchcase
from typing import Any

import pytest

from ec2sim.api.registry import HANDLERS, load_all
from ec2sim.server import Server
from tests.authz_cases import Builder
from tests.authz_cases_cloudtrail import CLOUDTRAIL_CASES
from tests.authz_cases_ec2 import EC2_CASES
from tests.authz_cases_iam import IAM_CASES, STS_CASES
from tests.authz_cases_iam_account import REFUSED
from tests.authz_env import CALLER, Env, Statement, changes, document, fingerprint, invoke, statement
from tests.helpers import aws_error

load_all()  # every operation registered: the tests below enumerate them

CASES: dict[tuple[str, str], Builder] = {
    **{("ec2", action): build for action, build in EC2_CASES.items()},
    **{("iam", action): build for action, build in IAM_CASES.items()},
    **{("sts", action): build for action, build in STS_CASES.items()},
    **{("cloudtrail", action): build for action, build in CLOUDTRAIL_CASES.items()},
}

# Actions AWS performs whatever the caller's policies say, an explicit Deny included:
# - sts:GetCallerIdentity: "No permissions are required to perform this operation. If an administrator
#   attaches a policy to your identity that explicitly denies access to the sts:GetCallerIdentity action,
#   you can still perform this operation." (STS API Reference, GetCallerIdentity)
# - sts:GetSessionToken: "No permissions are required for a user to get a session token. [...] You cannot
#   use policies to control authentication operations." (IAM User Guide, "Permissions for GetSessionToken")
# - sts:AssumeRoleWithSAML, sts:AssumeRoleWithWebIdentity: unsigned ("You can call this operation
#   without AWS credentials", STS API Reference): the caller has no identity-based policies; the role's
#   trust policy alone decides.
ALWAYS_ALLOWED = frozenset(
    {
        ("sts", "GetCallerIdentity"),
        ("sts", "GetSessionToken"),
        ("sts", "AssumeRoleWithSAML"),
        ("sts", "AssumeRoleWithWebIdentity"),
    }
)

DENIED_CODE = {
    "ec2": "UnauthorizedOperation",
    "iam": "AccessDenied",
    "sts": "AccessDenied",
    "cloudtrail": "AccessDeniedException",
}
DENIED_STATUS = {"cloudtrail": 400}  # a JSON protocol service answers its AccessDeniedException with 400


def _param(key: tuple[str, str]) -> Any:
    return pytest.param(key, id=f"{key[0]}:{key[1]}")


def test_every_action_has_a_case() -> None:
    assert sorted(set(HANDLERS) - set(CASES)) == []
    assert sorted(set(CASES) - set(HANDLERS)) == []


def test_fingerprint_sees_changes(server: Server, make_client: Callable[..., Any], account_id: str) -> None:
    """The state a denial must leave alone is really looked at: EC2 resources, IAM, credentials."""
    env = Env(make_client, account_id)
    volume, user, sts = env.volume, env.user, env.caller_client("sts")
    steps = [
        lambda: env.ec2.create_tags(Resources=[volume], Tags=[{"Key": "k", "Value": "v"}]),
        lambda: env.ec2.modify_volume(VolumeId=volume, Size=9),
        lambda: env.iam.tag_user(UserName=user, Tags=[{"Key": "k", "Value": "v"}]),
        lambda: sts.get_session_token(),
    ]
    for step in steps:
        before = fingerprint(server.store, account_id)
        step()
        assert changes(before, fingerprint(server.store, account_id)) != {}


@pytest.mark.parametrize("key", [_param(key) for key in sorted(HANDLERS)])
def test_authorization(
    key: tuple[str, str], server: Server, make_client: Callable[..., Any], account_id: str
) -> None:
    service, action = key
    iam_action = f"{service}:{action}"
    env = Env(make_client, account_id)
    client = env.caller_client(service)
    case = CASES[key](env, iam_action)

    shape = client.meta.service_model.operation_model(action).input_shape
    dry_run = shape is not None and "DryRun" in shape.members

    def request(**extra: Any) -> Any:
        return invoke(client, action, {**case.params, **extra})

    def set_policy(policy: str) -> None:
        env.iam.put_user_policy(UserName=CALLER, PolicyName="only", PolicyDocument=policy)

    deny = document(statement("Allow", "*"), statement("Deny", iam_action))
    if key in ALWAYS_ALLOWED:
        request()
        set_policy(deny)
        request()
        return
    for policy, denied_action in [(None, iam_action), (deny, iam_action), *short_of(case.allow)]:
        if policy is not None:
            set_policy(policy)
        before = fingerprint(server.store, account_id)
        with aws_error(
            DENIED_CODE[service],
            DENIED_STATUS.get(service, 403),
            f"is not authorized to perform: {denied_action} ",
        ):
            request()
        if dry_run and policy is None:
            with aws_error("UnauthorizedOperation", 403):
                request(DryRun=True)
        assert changes(before, fingerprint(server.store, account_id)) == {}, (
            f"{iam_action} denied changed state"
        )
    set_policy(document(*case.allow))
    if key in REFUSED:  # allowed, it answers what AWS answers a standalone account
        with aws_error(*REFUSED[key]):
            request()
        return
    if dry_run:  # "If you have the required permissions, the error response is DryRunOperation"
        before = fingerprint(server.store, account_id)
        with aws_error("DryRunOperation", 412):
            request(DryRun=True)
        assert changes(before, fingerprint(server.store, account_id)) == {}, (
            f"{iam_action} dry run changed state"
        )
    request()


def short_of(allow: tuple[Statement, ...]) -> Iterator[tuple[str, str]]:
    """Each policy that lacks one resource of `allow` (not matched by another of the same action),
    with that action: every resource AWS lists for a request must be allowed."""
    for index, granted in enumerate(allow):
        resources = granted["Resource"]
        if resources == "*":
            continue
        for resource in resources:
            rest = [r for r in resources if r != resource]
            if any(fnmatchcase(resource, other) for other in rest):
                continue
            shorter = [
                *allow[:index],
                *([{**granted, "Resource": rest}] if rest else []),
                *allow[index + 1 :],
            ]
            if shorter:  # else: the case without policies
                yield document(*shorter), granted["Action"]
