"""Policy evaluation logic (IAM User Guide: "Policy evaluation logic", "Policy evaluation for
requests within a single account", "Cross-account policy evaluation logic", "Permissions
boundaries for IAM entities", "Session policies", NotAction / NotResource / NotPrincipal pages)."""

from __future__ import annotations

import dataclasses
import gc
import json
from typing import Any

import pytest

from ec2sim.iam.policy import engine
from ec2sim.iam.policy.document import PolicyDocument
from ec2sim.iam.policy.engine import AuthRequest, PolicySource, compile_policy, evaluate, evaluate_trust
from ec2sim.iam.policy.grammar import parse_policy
from ec2sim.iam.policy.matching import PrincipalFacts
from ec2sim.iam.policy.variables import ContextValue

ACCOUNT, OTHER = "111122223333", "444455556666"
INSTANCE = f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-0123456789abcdef0"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/ops/Deployer"
USER = PrincipalFacts(ACCOUNT, f"arn:aws:iam::{ACCOUNT}:user/bob")
SESSION = PrincipalFacts(ACCOUNT, f"arn:aws:sts::{ACCOUNT}:assumed-role/Deployer/s1", role_arn=ROLE)
ROOT = PrincipalFacts(ACCOUNT, f"arn:aws:iam::{ACCOUNT}:root")
STRANGER = PrincipalFacts(OTHER, f"arn:aws:iam::{OTHER}:user/eve")


def doc(*statements: dict[str, Any], kind: str = "inline", version: str = "2012-10-17") -> PolicyDocument:
    return parse_policy(json.dumps({"Version": version, "Statement": list(statements)}), kind)


def allow(action: str | list[str] = "ec2:*", resource: str | list[str] = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: str | list[str] = "ec2:*", resource: str | list[str] = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def policies(*statements: dict[str, Any], policy_id: str = "p") -> list[PolicySource]:
    return [PolicySource(policy_id, "user", doc(*statements))]


def resource_policy(*statements: tuple[dict[str, Any], dict[str, Any] | str]) -> list[PolicySource]:
    """A resource-based policy: the grammar builds each statement; the Principal is added here
    because no resource-policy kind is parsed (yet)."""
    built = []
    for statement, principal in statements:
        parsed = doc(statement).statements[0]
        if isinstance(principal, str):
            pairs: tuple[tuple[str, tuple[str, ...]], ...] = (("*", ("*",)),)
        else:
            pairs = tuple((k, (v,) if isinstance(v, str) else tuple(v)) for k, v in principal.items())
        built.append(dataclasses.replace(parsed, principals=pairs))
    document = PolicyDocument("2012-10-17", tuple(built), "{}")
    return [PolicySource("bucket-policy", "resource", document)]


def decide(
    action: str,
    resource: str,
    identity: list[PolicySource],
    context: dict[str, ContextValue] | None = None,
    principal: PrincipalFacts | None = USER,
    **kwargs: Any,
) -> engine.Decision:
    return evaluate(AuthRequest(action, resource, context or {}, principal), identity, **kwargs)


# Actions ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "action", "expected"),
    [
        ("ec2:RunInstances", "ec2:runinstances", True),  # case-insensitive
        ("EC2:Describe*", "ec2:DescribeInstances", True),
        ("ec2:Describe*", "ec2:RunInstances", False),
        ("ec2:*Instances", "ec2:TerminateInstances", True),
        ("ec2:?unInstances", "ec2:RunInstances", True),
        ("*", "iam:CreateUser", True),
        ("ec2:*", "iam:CreateUser", False),
        ("iam:Get*", "iam:GetUserPolicy", True),
    ],
)
def test_action_matching(pattern: str, action: str, expected: bool) -> None:
    assert decide(action, "*", policies(allow(pattern))).allowed is expected


def test_not_action_allows_everything_else() -> None:
    """NotAction page: allow everything except IAM."""
    identity = policies({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
    assert decide("ec2:RunInstances", "*", identity).allowed
    assert not decide("iam:CreateUser", "*", identity).allowed


def test_not_action_with_deny() -> None:
    """Deny everything except the listed actions (MFA-style)."""
    identity = policies(allow("*"), {"Effect": "Deny", "NotAction": ["iam:ListUsers"], "Resource": "*"})
    assert decide("iam:ListUsers", "*", identity).allowed
    assert decide("ec2:RunInstances", "*", identity).decision == "explicitDeny"


# Resources ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "resource", "expected"),
    [
        ("*", INSTANCE, True),
        ("arn:aws:ec2:*:*:instance/*", INSTANCE, True),
        ("arn:aws:ec2:*:*:volume/*", INSTANCE, False),
        (f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-0123456789abcdef0", INSTANCE, True),
        (f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/I-0123456789ABCDEF0", INSTANCE, False),  # case-sensitive
        ("arn:aws:s3:::amzn-s3-demo-bucket*", "arn:aws:s3:::amzn-s3-demo-bucket/any/key", True),
        ("arn:aws:s3:::amzn-s3-demo-bucket/*", "arn:aws:s3:::amzn-s3-demo-bucket", False),
        # a trailing '*' of a segment crosses colons; one inside a segment does not
        ("arn:aws:logs:us-east-1:*", "arn:aws:logs:us-east-1:1:log-group:g:log-stream:s", True),
        ("arn:aws:iam::*x:user/bob", f"arn:aws:iam::{ACCOUNT}:user/bob", False),
        ("arn:aws:ec2:us-*-1:*:instance/*", INSTANCE, True),
        ("arn:aws:ec2:us*1:*:instance/*", "arn:aws:ec2:us:x:1:1:instance/i", False),
        ("arn:aws:ec2:us-east-?:*:instance/*", INSTANCE, True),
        # regex metacharacters in ARNs are literal (moto's bug turned '.' into any character)
        ("arn:aws:s3:::my.bucket", "arn:aws:s3:::myXbucket", False),
        ("arn:aws:s3:::a+b(c)", "arn:aws:s3:::a+b(c)", True),
        ("arn:aws:s3:::[ab]", "arn:aws:s3:::a", False),
    ],
)
def test_resource_matching(pattern: str, resource: str, expected: bool) -> None:
    assert decide("ec2:RunInstances", resource, policies(allow(resource=pattern))).allowed is expected


def test_not_resource() -> None:
    """NotResource page: allow everything except the listed resources."""
    identity = policies(
        {"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::HRBucket/Payroll*"}
    )
    assert decide("s3:GetObject", "arn:aws:s3:::HRBucket/Other", identity).allowed
    assert not decide("s3:GetObject", "arn:aws:s3:::HRBucket/Payroll/2024", identity).allowed


# Allow / deny ------------------------------------------------------------------------------------


def test_default_deny() -> None:
    result = decide("ec2:RunInstances", INSTANCE, [])
    assert result.decision == "implicitDeny" and not result.allowed
    assert result.reason == "no identity-based policy allows"
    assert result.explanation("ec2:RunInstances") == (
        "because no identity-based policy allows the ec2:RunInstances action"
    )


def test_explicit_deny_beats_allow_across_policies() -> None:
    identity = policies(allow("ec2:*")) + policies(deny("ec2:TerminateInstances"), policy_id="guard")
    assert decide("ec2:RunInstances", INSTANCE, identity).allowed
    result = decide("ec2:TerminateInstances", INSTANCE, identity)
    assert result.decision == "explicitDeny" and result.reason == "explicit deny"
    assert [m.source_policy_id for m in result.matched_statements] == ["guard"]
    assert result.explanation("ec2:TerminateInstances") == "with an explicit deny in an identity-based policy"


def test_deny_whose_condition_fails_does_not_deny() -> None:
    guard = deny("ec2:*", Condition={"Bool": {"aws:MultiFactorAuthPresent": "false"}})
    identity = policies(allow(), guard)
    assert decide("ec2:RunInstances", "*", identity, {"aws:multifactorauthpresent": "true"}).allowed
    assert decide("ec2:RunInstances", "*", identity, {"aws:multifactorauthpresent": "false"}).decision == (
        "explicitDeny"
    )
    # with the key missing, Bool is false: the Deny doesn't apply (the User Guide's advice is
    # BoolIfExists for exactly this reason)
    assert decide("ec2:RunInstances", "*", identity).allowed


def test_matched_statements_carry_offsets() -> None:
    document = doc(allow("ec2:Describe*"), allow("ec2:RunInstances"))
    result = evaluate(AuthRequest("ec2:RunInstances", "*"), [PolicySource("arn:p", "user-managed", document)])
    (matched,) = result.matched_statements
    assert (matched.source_policy_id, matched.source_policy_type) == ("arn:p", "user-managed")
    assert json.loads(document.text[matched.start : matched.end])["Action"] == "ec2:RunInstances"


def test_missing_context_keys_are_reported() -> None:
    identity = policies(allow("ec2:RunInstances", Condition={"StringEquals": {"aws:RequestTag/Team": "a"}}))
    result = decide("ec2:RunInstances", "*", identity)
    assert not result.allowed and result.missing_context_keys == {"aws:requesttag/team"}
    assert decide("ec2:DescribeInstances", "*", identity).missing_context_keys == frozenset()


def test_root_is_not_limited_by_identity_policies() -> None:
    assert decide("ec2:RunInstances", INSTANCE, [], principal=ROOT, is_root=True).allowed
    bucket = resource_policy((deny("s3:*"), {"AWS": ACCOUNT}))
    result = decide(
        "s3:GetObject", "arn:aws:s3:::b/k", [], principal=ROOT, is_root=True, resource_policies=bucket
    )
    assert result.decision == "explicitDeny" and result.policy_kind == "resource-based policy"


# Permissions boundaries and session policies ------------------------------------------------------


def test_boundary_limits_to_the_intersection() -> None:
    """User Guide example: identity allows iam:CreateUser, boundary allows s3/cloudwatch/ec2:
    only actions in both are allowed."""
    identity = policies(allow("iam:CreateUser"), allow("ec2:*"))
    boundary = policies(allow(["s3:*", "cloudwatch:*", "ec2:*"]))
    assert decide("ec2:RunInstances", "*", identity, boundary=boundary).allowed
    result = decide("iam:CreateUser", "*", identity, boundary=boundary)
    assert (result.decision, result.reason, result.boundary_decision) == (
        "implicitDeny",
        "permissions boundary",
        "implicitDeny",
    )
    assert (
        result.explanation("iam:CreateUser")
        == "because no permissions boundary allows the iam:CreateUser action"
    )
    assert not decide(
        "s3:GetObject", "*", identity, boundary=boundary
    ).allowed  # boundary alone grants nothing


def test_boundary_deny_is_explicit() -> None:
    boundary = policies(allow("*"), deny("ec2:TerminateInstances"))
    result = decide("ec2:TerminateInstances", "*", policies(allow()), boundary=boundary)
    assert (result.decision, result.policy_kind, result.boundary_decision) == (
        "explicitDeny",
        "permissions boundary",
        "explicitDeny",
    )
    assert (
        decide("ec2:RunInstances", "*", policies(allow()), boundary=boundary).boundary_decision == "allowed"
    )


def test_session_policies_limit_to_the_intersection() -> None:
    identity = policies(allow(["ec2:*", "s3:*"]))
    session = policies(allow("ec2:Describe*"))
    assert decide("ec2:DescribeVpcs", "*", identity, principal=SESSION, session=session).allowed
    result = decide("s3:GetObject", "*", identity, principal=SESSION, session=session)
    assert (result.reason, result.policy_kind) == ("session policy", "session policy")
    assert not decide(
        "iam:GetUser", "*", identity, principal=SESSION, session=policies(allow("iam:*"))
    ).allowed
    assert not decide("ec2:DescribeVpcs", "*", identity, principal=SESSION, session=[]).allowed


# Resource-based policies ---------------------------------------------------------------------------

BUCKET = "arn:aws:s3:::amzn-s3-demo-bucket/key"


def test_resource_policy_naming_the_user_grants_within_the_account() -> None:
    bucket = resource_policy((allow("s3:GetObject"), {"AWS": USER.arn}))
    result = decide("s3:GetObject", BUCKET, [], resource_policies=bucket)
    assert result.allowed and result.matched_statements[0].source_policy_type == "resource"
    # the user's permissions boundary doesn't limit a grant to the user ARN
    assert decide(
        "s3:GetObject", BUCKET, [], resource_policies=bucket, boundary=policies(allow("ec2:*"))
    ).allowed
    assert not decide("s3:GetObject", BUCKET, [], principal=SESSION, resource_policies=bucket).allowed


def test_resource_policy_naming_the_account_delegates_to_identity_policies() -> None:
    bucket = resource_policy((allow("s3:GetObject"), {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}))
    assert not decide("s3:GetObject", BUCKET, [], resource_policies=bucket).allowed
    assert decide("s3:GetObject", BUCKET, policies(allow("s3:*")), resource_policies=bucket).allowed


def test_resource_policy_role_arn_vs_session_arn() -> None:
    """Naming the role ARN grants its sessions within their boundary and session policies;
    naming the session ARN grants regardless of them."""
    boundary = policies(allow("ec2:*"))
    by_role = resource_policy((allow("s3:GetObject"), {"AWS": ROLE}))
    assert decide("s3:GetObject", BUCKET, [], principal=SESSION, resource_policies=by_role).allowed
    assert not decide(
        "s3:GetObject", BUCKET, [], principal=SESSION, resource_policies=by_role, boundary=boundary
    ).allowed
    by_session = resource_policy((allow("s3:GetObject"), {"AWS": SESSION.arn}))
    assert decide(
        "s3:GetObject",
        BUCKET,
        [],
        principal=SESSION,
        resource_policies=by_session,
        boundary=boundary,
        session=[],
    ).allowed


def test_cross_account_needs_both_sides() -> None:
    bucket = "arn:aws:s3:::shared/key"
    grant = resource_policy((allow("s3:GetObject"), {"AWS": OTHER}))
    own = policies(allow("s3:GetObject"))
    request = AuthRequest("s3:GetObject", bucket, {}, STRANGER, resource_account=ACCOUNT)
    assert evaluate(request, own, resource_policies=grant).allowed
    assert not evaluate(request, [], resource_policies=grant).allowed
    result = evaluate(request, own)
    assert (result.decision, result.reason) == ("implicitDeny", "no resource-based policy allows")


def test_resource_policy_principal_forms() -> None:
    anyone = resource_policy((allow("s3:GetObject"), "*"))
    assert decide("s3:GetObject", BUCKET, [], principal=None, resource_policies=anyone).allowed
    aws_star = resource_policy((allow("s3:GetObject"), {"AWS": ["*"]}))
    assert decide("s3:GetObject", BUCKET, [], resource_policies=aws_star).allowed
    other_user = resource_policy((allow("s3:GetObject"), {"AWS": f"arn:aws:iam::{ACCOUNT}:user/alice"}))
    assert not decide("s3:GetObject", BUCKET, [], resource_policies=other_user).allowed


def test_resource_policy_deny_applies_only_to_named_principals() -> None:
    bucket = resource_policy((deny("s3:*"), {"AWS": f"arn:aws:iam::{ACCOUNT}:user/alice"}))
    assert decide("s3:GetObject", BUCKET, policies(allow("s3:*")), resource_policies=bucket).allowed
    bucket = resource_policy((deny("s3:*"), {"AWS": USER.arn}))
    assert (
        decide("s3:GetObject", BUCKET, policies(allow("s3:*")), resource_policies=bucket).decision
        == "explicitDeny"
    )


def test_not_principal_with_deny() -> None:
    """NotPrincipal page: a session is exempt only when its session ARN, role ARN and account
    are all listed."""
    identity = policies(allow("s3:*"))

    def exempted(names: list[str]) -> bool:
        statement = doc(deny("s3:*")).statements[0]
        document = PolicyDocument(
            "2012-10-17", (dataclasses.replace(statement, not_principals=(("AWS", tuple(names)),)),), "{}"
        )
        source = [PolicySource("bucket", "resource", document)]
        return decide("s3:GetObject", BUCKET, identity, principal=SESSION, resource_policies=source).allowed

    assert not exempted([SESSION.arn])
    assert not exempted([SESSION.arn, ROLE])
    assert exempted([SESSION.arn, ROLE, f"arn:aws:iam::{ACCOUNT}:root"])


# Trust policies ------------------------------------------------------------------------------------


def trust(principal: dict[str, Any] | str, **extra: Any) -> PolicyDocument:
    return doc({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole", **extra}, kind="trust")


def test_trust_naming_the_account_needs_identity_permission() -> None:
    document = trust({"AWS": ACCOUNT})
    result = evaluate_trust(document, USER, role_arn=ROLE)
    assert (result.allowed, result.reason) == (False, "no identity-based policy allows")
    assert evaluate_trust(document, USER, role_arn=ROLE, identity=policies(allow("sts:AssumeRole"))).allowed
    assert evaluate_trust(trust({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}), ROOT, role_arn=ROLE).allowed


def test_trust_naming_the_caller_is_enough_in_the_same_account() -> None:
    assert evaluate_trust(trust({"AWS": USER.arn}), USER, role_arn=ROLE).allowed
    # a role ARN principal matches that role's sessions
    assert evaluate_trust(trust({"AWS": ROLE}), SESSION, role_arn=ROLE).allowed
    other_role = PrincipalFacts(ACCOUNT, f"arn:aws:sts::{ACCOUNT}:assumed-role/Other/s", role_arn=f"{ROLE}2")
    assert not evaluate_trust(trust({"AWS": ROLE}), other_role, role_arn=ROLE).allowed


def test_trust_service_principal_and_wildcard() -> None:
    ec2 = PrincipalFacts(service="ec2.amazonaws.com")
    assert evaluate_trust(trust({"Service": "ec2.amazonaws.com"}), ec2, role_arn=ROLE).allowed
    result = evaluate_trust(trust({"Service": "lambda.amazonaws.com"}), ec2, role_arn=ROLE)
    assert (result.allowed, result.reason) == (False, "no resource-based policy allows")
    assert evaluate_trust(trust("*"), USER, role_arn=ROLE).allowed


def test_trust_policy_is_required_even_for_admins() -> None:
    admin = policies(allow("*"))
    result = evaluate_trust(
        trust({"AWS": f"arn:aws:iam::{ACCOUNT}:user/alice"}), USER, role_arn=ROLE, identity=admin
    )
    assert (result.allowed, result.policy_kind) == (False, "resource-based policy")


def test_trust_cross_account_needs_identity_permission() -> None:
    document = trust({"AWS": STRANGER.arn})
    assert not evaluate_trust(document, STRANGER, role_arn=ROLE).allowed
    assert evaluate_trust(
        document, STRANGER, role_arn=ROLE, identity=policies(allow("sts:AssumeRole", ROLE))
    ).allowed


def test_trust_conditions_and_deny() -> None:
    document = trust({"AWS": USER.arn}, Condition={"StringEquals": {"sts:ExternalId": "secret"}})
    assert evaluate_trust(document, USER, {"sts:externalid": "secret"}, role_arn=ROLE).allowed
    assert not evaluate_trust(document, USER, {}, role_arn=ROLE).allowed
    denied = doc(
        {"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"},
        {"Effect": "Deny", "Principal": {"AWS": USER.arn}, "Action": "sts:AssumeRole"},
        kind="trust",
    )
    result = evaluate_trust(denied, USER, role_arn=ROLE, identity=policies(allow("sts:*")))
    assert result.decision == "explicitDeny"


# Compilation cache -------------------------------------------------------------------------------


def test_documents_compile_once_and_leave_the_cache_with_the_document() -> None:
    document = PolicyDocument("2012-10-17", doc(allow()).statements, "{}")
    compiled = compile_policy(document)
    assert compile_policy(document) is compiled
    key = id(document)
    assert engine._compiled[key] is compiled
    del document
    gc.collect()
    assert key not in engine._compiled
