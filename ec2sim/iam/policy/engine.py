"""Policy evaluation: is this request allowed, and which statements decided it.

Pure library: callers pass the policies that apply (identity-based, permissions boundary, session,
resource-based) and a request; nothing here reads the store or the clock.

Logic (IAM User Guide, "Policy evaluation logic", "Policy evaluation for requests within a single
account", "Cross-account policy evaluation logic"):
1. An applicable Deny statement in any policy is an explicit deny (a resource-based Deny applies
   when its Principal/NotPrincipal names the caller).
2. Otherwise the identity path allows when an identity-based policy allows (the account root is
   not limited by identity-based policies) and, when given, the permissions boundary and the
   session policies allow too (effective permissions are the intersection).
3. A resource-based policy in the caller's own account also grants: naming the caller's own ARN
   (user, role session, root), a service, or ``*`` grants outright; naming the role of a role
   session grants within the session's boundary and session policies; naming only the account
   delegates to identity-based policies. Across accounts both sides must allow.
4. Role trust policies must always allow (``require_resource_allow``): `evaluate_trust`.

Compiled documents are cached by object identity (`compile_policy`): a `PolicyDocument` is
immutable and `parse_policy` returns the same object for the same text, so one compile serves every
request that uses it. A WeakKeyDictionary would hash the document by value (a frozen dataclass
hashes every statement, uncached) on each lookup; the id-keyed dict costs one dict lookup plus an
identity check, and a `weakref.finalize` drops the entry when the document is collected.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import NamedTuple

from ec2sim.iam.policy.conditions import CompiledCondition, compile_conditions, conditions_hold
from ec2sim.iam.policy.document import PolicyDocument, Statement
from ec2sim.iam.policy.matching import Grant, Mode, PatternSet, PrincipalFacts, PrincipalSpec
from ec2sim.iam.policy.outcomes import (
    ALLOWED,
    BOUNDARY_POLICY,
    EXPLICIT_DENY,
    IDENTITY_POLICY,
    IMPLICIT_DENY,
    RESOURCE_POLICY,
    SESSION_POLICY,
)
from ec2sim.iam.policy.variables import Context, ContextValue

_EMPTY_CONTEXT: Mapping[str, ContextValue] = MappingProxyType({})
_ANONYMOUS = PrincipalFacts()
_ACTION_MEMO_LIMIT = 4096


class PolicySource(NamedTuple):
    policy_id: str  # what the simulator reports as SourcePolicyId
    policy_type: str  # SourcePolicyType: user | group | role | aws-managed | user-managed | resource | none
    document: PolicyDocument


@dataclass(frozen=True)
class AuthRequest:
    """One (action, resource) check. ``context`` keys are lower-cased condition keys
    (``aws:sourceip``, ``ec2:resourcetag/team``, ``aws:username``, ``aws:principaltag/k``); values
    are strings as AWS passes them (bools "true"/"false", numbers, dates), or a list/tuple of
    strings for multivalued keys (``aws:tagkeys``). ``principal`` is needed only when
    resource-based policies are evaluated. ``resource_account``: the resource owner's account when
    it isn't the caller's and the resource has a resource-based policy (then both sides must
    allow); "" means the caller's own account. It is not read from the ARN, because services
    without resource-based policies (EC2) authorize other accounts' ARNs (a peer VPC) by the
    caller's identity-based policies alone."""

    action: str
    resource: str = "*"
    context: Mapping[str, ContextValue] = field(default_factory=lambda: _EMPTY_CONTEXT)
    principal: PrincipalFacts | None = None
    resource_account: str = ""


@dataclass(frozen=True)
class MatchedStatement:
    source_policy_id: str
    source_policy_type: str
    statement: Statement
    start: int  # character offsets of the statement in the policy text
    end: int
    index: int = 0  # the statement's position in its policy, from 0
    policy_kind: str = IDENTITY_POLICY  # which of the request's policies it is in


@dataclass(frozen=True)
class Decision:
    """``decision``: allowed | explicitDeny | implicitDeny. ``matched_statements``: the Deny
    statements for an explicit deny, the granting Allow statements (identity and resource-based)
    when allowed, none for an implicit deny. ``reason`` and ``policy_kind`` say why a request was
    denied; `explanation` renders AWS's wording. ``stage_allows``: the other Allow statements that
    took part, for explanations (the simulator reports ``matched_statements`` only): when allowed,
    the permissions boundary's and session policies' granting statements; for an implicit deny,
    every stage's that did allow (the identity policy's, when the boundary allowed nothing)."""

    decision: str
    matched_statements: tuple[MatchedStatement, ...] = ()
    reason: str = ""  # "" | explicit deny | no identity-based policy allows | permissions boundary
    #                   | session policy | no resource-based policy allows
    policy_kind: str = ""  # the policy type that denied (IDENTITY_POLICY, BOUNDARY_POLICY, ...)
    missing_context_keys: frozenset[str] = frozenset()
    boundary_decision: str | None = None  # None when no boundary was given
    stage_allows: tuple[MatchedStatement, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.decision == ALLOWED

    def explanation(self, action: str) -> str:
        """AWS's tail of an AccessDenied message: "with an explicit deny in an identity-based
        policy" / "because no permissions boundary allows the ec2:RunInstances action"."""
        if self.decision == EXPLICIT_DENY:
            article = "an" if self.policy_kind[0] in "aeiou" else "a"
            return f"with an explicit deny in {article} {self.policy_kind}"
        if self.decision == IMPLICIT_DENY:
            return f"because no {self.policy_kind} allows the {action} action"
        return ""


# Compilation ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CompiledStatement:
    statement: Statement
    index: int  # its position in the policy
    allow: bool
    actions: PatternSet | None  # None: the statement names no action (never applies)
    not_actions: bool
    resources: PatternSet | None  # None: no Resource element (trust policies): any resource
    not_resources: bool
    principals: PrincipalSpec | None
    not_principals: bool
    conditions: tuple[CompiledCondition, ...]
    condition_keys: frozenset[str]  # keys whose absence the simulator reports

    @classmethod
    def build(cls, statement: Statement, index: int, variables: bool) -> CompiledStatement:
        action_list = statement.actions if statement.actions is not None else statement.not_actions
        resource_list = statement.resources if statement.resources is not None else statement.not_resources
        principal_list = (
            statement.principals if statement.principals is not None else statement.not_principals
        )
        conditions = compile_conditions(statement.conditions, variables)
        return cls(
            statement=statement,
            index=index,
            allow=statement.effect == "Allow",
            actions=None
            if action_list is None
            else PatternSet(action_list, Mode.GLOB, variables=False, ignore_case=True),
            not_actions=statement.actions is None,
            resources=None
            if resource_list is None
            else PatternSet(resource_list, Mode.RESOURCE, variables=variables),
            not_resources=statement.resources is None,
            principals=None if principal_list is None else PrincipalSpec(principal_list),
            not_principals=statement.principals is None,
            conditions=conditions,
            condition_keys=frozenset(c.key for c in conditions if c.null is None),
        )

    def covers_action(self, action: str) -> bool:
        """``action`` is lower-cased; actions match case-insensitively."""
        return self.actions is not None and self.actions.match(action, _EMPTY_CONTEXT) != self.not_actions

    def covers_resource(self, resource: str, context: Context) -> bool:
        return self.resources is None or self.resources.match(resource, context) != self.not_resources

    def grant(self, caller: PrincipalFacts) -> Grant:
        """How the Principal/NotPrincipal element names the caller (resource-based policies)."""
        if self.principals is None:
            return Grant.NONE
        if self.not_principals:
            return Grant.NONE if self.principals.excludes(caller) else Grant.DIRECT
        return self.principals.grant(caller)


class CompiledPolicy:
    """A document's statements, compiled; statements per action are memoised (actions come from
    a fixed table, so the memo stays small; it is cleared if it ever grows past a bound)."""

    __slots__ = ("__weakref__", "_by_action", "_source", "statements")

    def __init__(self, document: PolicyDocument):
        variables = document.supports_variables
        self.statements = tuple(
            CompiledStatement.build(s, i, variables) for i, s in enumerate(document.statements)
        )
        self._source = weakref.ref(document)
        self._by_action: dict[str, tuple[CompiledStatement, ...]] = {}

    def for_action(self, action: str) -> tuple[CompiledStatement, ...]:
        found = self._by_action.get(action)
        if found is None:
            if len(self._by_action) >= _ACTION_MEMO_LIMIT:
                self._by_action.clear()
            found = tuple(s for s in self.statements if s.covers_action(action))
            self._by_action[action] = found
        return found


_compiled: dict[int, CompiledPolicy] = {}


def compile_policy(document: PolicyDocument) -> CompiledPolicy:
    """The compiled form of ``document``, compiled on first use and cached while it lives."""
    key = id(document)
    compiled = _compiled.get(key)
    if compiled is not None and compiled._source() is document:
        return compiled
    compiled = CompiledPolicy(document)
    _compiled[key] = compiled
    weakref.finalize(document, _compiled.pop, key, None)
    return compiled


# Evaluation ----------------------------------------------------------------------------------


@dataclass
class _Tally:
    allows: list[MatchedStatement] = field(default_factory=list)
    denies: list[MatchedStatement] = field(default_factory=list)
    grant: Grant = Grant.NONE  # resource-based policies: the strongest Allow naming the caller


_NO_TALLY = _Tally()


def _scan(
    sources: Sequence[PolicySource],
    request: AuthRequest,
    action: str,
    missing: set[str],
    kind: str = IDENTITY_POLICY,
) -> _Tally:
    """Every statement of ``sources`` that applies to the request, split by effect."""
    tally = _Tally()
    context = request.context
    caller = request.principal or _ANONYMOUS
    resource_based = kind == RESOURCE_POLICY
    for source in sources:
        for statement in compile_policy(source.document).for_action(action):
            grant = statement.grant(caller) if resource_based else Grant.DIRECT
            if grant is Grant.NONE or not statement.covers_resource(request.resource, context):
                continue
            missing.update(key for key in statement.condition_keys if key not in context)
            if not conditions_hold(statement.conditions, context):
                continue
            raw = statement.statement
            matched = MatchedStatement(
                source.policy_id, source.policy_type, raw, raw.start, raw.end, statement.index, kind
            )
            if statement.allow:
                tally.allows.append(matched)
                tally.grant = max(tally.grant, grant)
            else:
                tally.denies.append(matched)
    return tally


def _same_account(request: AuthRequest) -> bool:
    caller = request.principal
    owner = request.resource_account
    return not owner or caller is None or not caller.account_id or owner == caller.account_id


def _arn_account(arn: str) -> str:
    fields = arn.split(":", 5)
    return fields[4] if len(fields) == 6 and fields[0] == "arn" else ""


def evaluate(
    request: AuthRequest,
    identity: Sequence[PolicySource],
    *,
    boundary: Sequence[PolicySource] | None = None,
    session: Sequence[PolicySource] | None = None,
    resource_policies: Sequence[PolicySource] = (),
    is_root: bool = False,
    require_resource_allow: bool = False,
) -> Decision:
    """Decide ``request``. ``boundary``/``session``: None when the principal has no permissions
    boundary / is not a session with session policies (an empty sequence denies everything).
    ``is_root``: the account root, whom identity-based policies don't limit (resource-based Deny
    statements still apply). ``require_resource_allow``: a resource-based policy must allow even
    within the account (role trust policies)."""
    action = request.action.lower()
    missing: set[str] = set()
    tallies = {IDENTITY_POLICY: _scan(identity, request, action, missing)}
    if boundary is not None:
        tallies[BOUNDARY_POLICY] = _scan(boundary, request, action, missing, BOUNDARY_POLICY)
    if session is not None:
        tallies[SESSION_POLICY] = _scan(session, request, action, missing, SESSION_POLICY)
    resource = tallies[RESOURCE_POLICY] = _scan(resource_policies, request, action, missing, RESOURCE_POLICY)
    bound = tallies.get(BOUNDARY_POLICY)
    boundary_decision = None if bound is None else _own_decision(bound)
    denied_by = [kind for kind, tally in tallies.items() if tally.denies]
    if denied_by:
        denies = tuple(m for tally in tallies.values() for m in tally.denies)
        return Decision(
            EXPLICIT_DENY, denies, "explicit deny", denied_by[0], frozenset(missing), boundary_decision
        )
    identity_ok = is_root or bool(tallies[IDENTITY_POLICY].allows)
    limits_ok = all(
        bool(tallies[kind].allows) for kind in (BOUNDARY_POLICY, SESSION_POLICY) if kind in tallies
    )
    grant = resource.grant
    if _same_account(request):
        granted = grant is Grant.DIRECT or (grant is Grant.ROLE and limits_ok)
        allowed = (identity_ok and limits_ok) or granted
    else:
        allowed = identity_ok and limits_ok and grant is not Grant.NONE
    if require_resource_allow and grant is Grant.NONE:
        allowed = False
    if allowed:
        allows = tuple(tallies[IDENTITY_POLICY].allows + resource.allows)
        limits = tuple(
            m for kind in (BOUNDARY_POLICY, SESSION_POLICY) for m in tallies.get(kind, _NO_TALLY).allows
        )
        return Decision(
            ALLOWED,
            allows,
            missing_context_keys=frozenset(missing),
            boundary_decision=boundary_decision,
            stage_allows=limits,
        )
    reason, kind = _implicit_reason(tallies, identity_ok, require_resource_allow and grant is Grant.NONE)
    partial = tuple(m for tally in tallies.values() for m in tally.allows)
    return Decision(IMPLICIT_DENY, (), reason, kind, frozenset(missing), boundary_decision, partial)


def _own_decision(tally: _Tally) -> str:
    return EXPLICIT_DENY if tally.denies else ALLOWED if tally.allows else IMPLICIT_DENY


def _implicit_reason(tallies: dict[str, _Tally], identity_ok: bool, trust_missing: bool) -> tuple[str, str]:
    """The first missing Allow: the required trust policy, identity, boundary, session, and
    last the resource-based policy a cross-account request needs."""
    if trust_missing:
        return "no resource-based policy allows", RESOURCE_POLICY
    if not identity_ok:
        return "no identity-based policy allows", IDENTITY_POLICY
    for kind, reason in ((BOUNDARY_POLICY, "permissions boundary"), (SESSION_POLICY, "session policy")):
        if kind in tallies and not tallies[kind].allows:
            return reason, kind
    return "no resource-based policy allows", RESOURCE_POLICY


def evaluate_trust(
    document: PolicyDocument,
    principal: PrincipalFacts,
    context: Mapping[str, ContextValue] = _EMPTY_CONTEXT,
    *,
    role_arn: str = "",
    action: str = "sts:AssumeRole",
    identity: Sequence[PolicySource] = (),
    boundary: Sequence[PolicySource] | None = None,
    session: Sequence[PolicySource] | None = None,
) -> Decision:
    """May ``principal`` assume the role whose trust policy is ``document``?

    The trust policy must allow the caller. When it names the caller itself (user, session,
    role, service, ``*``) and the role is in the caller's account, that is enough; when it names
    only the caller's account, or the role is in another account, the caller's own
    identity-based policies (within its boundary/session policies) must also allow ``action``
    on ``role_arn``. Pass the caller's policies in ``identity``/``boundary``/``session``."""
    request = AuthRequest(action, role_arn or "*", context, principal, _arn_account(role_arn))
    trust = (PolicySource("trust-policy", "resource", document),)
    return evaluate(
        request,
        identity,
        boundary=boundary,
        session=session,
        resource_policies=trust,
        is_root=principal.is_root,
        require_resource_allow=True,
    )
