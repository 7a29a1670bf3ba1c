"""IAM's policy simulator: SimulatePrincipalPolicy, SimulateCustomPolicy and GetContextKeys*.

Every (action, resource) pair is decided by the enforcement engine (`ec2sim.iam.simulation`).
Policies from PolicyInputList are reported as ``PolicyInputList.N`` of type "IAM Policy", as
IAM does; a principal's own policies by name with their type (user, group, role, aws-managed,
user-managed). ResourceHandlingOption is accepted; every resource is simulated as given.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ec2sim.api.authorization import NO_RESOURCES, Check, Plan
from ec2sim.api.context import RequestContext
from ec2sim.api.iam.authz import iam_action
from ec2sim.api.iam.common import page
from ec2sim.api.iam.messages import iam_error
from ec2sim.iam.policy.document import PolicyDocument
from ec2sim.iam.policy.engine import ALLOWED, Decision, MatchedStatement, PolicySource
from ec2sim.iam.policy.grammar import PolicyError, parse_policy
from ec2sim.iam.policy.matching import PrincipalFacts
from ec2sim.iam.principal_policies import ApplicablePolicies, entity_policies
from ec2sim.iam.simulation import (
    Simulation,
    account_of,
    context_from_entries,
    context_keys,
    resource_document,
    statement_positions,
)
from ec2sim.store.iam.entities import Group, Role, User

if TYPE_CHECKING:
    from types_boto3_iam.type_defs import (
        GetContextKeysForCustomPolicyRequestTypeDef,
        GetContextKeysForPrincipalPolicyRequestTypeDef,
        SimulateCustomPolicyRequestTypeDef,
        SimulatePrincipalPolicyRequestTypeDef,
    )

INPUT_POLICY_TYPE = "IAM Policy"
_SOURCE_KINDS = ("user", "group", "role")


def _parse(text: str, kind: str = "inline") -> PolicyDocument:
    """An input document; IAM's simulator answers InvalidInput for a malformed one."""
    try:
        return resource_document(text) if kind == "resource" else parse_policy(text, kind)
    except PolicyError as err:
        raise iam_error("SimulatorPolicyInvalid", reason=err) from None


def _inputs(texts: Sequence[str] | None, list_name: str) -> tuple[PolicySource, ...]:
    return tuple(
        PolicySource(f"{list_name}.{n}", INPUT_POLICY_TYPE, _parse(text))
        for n, text in enumerate(texts or (), start=1)
    )


def source_entity(ctx: RequestContext, arn: str) -> User | Group | Role | None:
    """The user, group or role of this account a PolicySourceArn names, if any."""
    fields = arn.split(":", 5)
    kind, _, rest = fields[5].partition("/") if len(fields) == 6 else ("", "", "")
    if kind not in _SOURCE_KINDS or fields[2] != "iam" or fields[4] != ctx.account_id or not rest:
        return None
    entity: User | Group | Role | None = ctx.iam.table(kind).get(rest.rsplit("/", 1)[-1])
    return entity if entity is not None and entity.arn == arn else None


@dataclass
class SourcePlan(Plan):
    """The simulated principal, found once: the action is on it (Service Authorization Reference)."""

    arn: str
    entity: User | Group | Role | None

    def checks(self, ctx: RequestContext) -> Iterator[Check]:
        yield Check(f"iam:{ctx.action}", self.arn)

    @property
    def source(self) -> User | Group | Role:
        if self.entity is None:
            raise LookupError("the plan's error is raised before its handler runs")
        return self.entity


def plan_source(
    ctx: RequestContext,
    req: SimulatePrincipalPolicyRequestTypeDef | GetContextKeysForPrincipalPolicyRequestTypeDef,
) -> SourcePlan:
    arn = req["PolicySourceArn"]
    plan = SourcePlan(arn, source_entity(ctx, arn))
    if plan.entity is None:
        plan.fail(iam_error("EntityArnNotFound", arn=arn))
    return plan


# Rendering -----------------------------------------------------------------------------------


Documents = dict[tuple[str, str], PolicyDocument]  # (policy id, policy type) → document


def _statement_view(match: MatchedStatement, documents: Documents) -> dict[str, Any]:
    document = documents[match.source_policy_id, match.source_policy_type]
    start, end = statement_positions(document, match.statement)
    policy_id = match.source_policy_id
    if policy_id.startswith("arn:"):  # managed policies are reported by name
        policy_id = policy_id.rsplit("/", 1)[-1]
    return {
        "SourcePolicyId": policy_id,
        "SourcePolicyType": match.source_policy_type,
        "StartPosition": start,
        "EndPosition": end,
    }


def _details(decision: Decision, documents: Documents, spellings: dict[str, str]) -> dict[str, Any]:
    """What a result and a resource-specific result share."""
    view: dict[str, Any] = {
        "MatchedStatements": [_statement_view(m, documents) for m in decision.matched_statements],
        "MissingContextValues": sorted(spellings.get(k, k) for k in decision.missing_context_keys),
    }
    if decision.boundary_decision is not None:
        view["PermissionsBoundaryDecisionDetail"] = {
            "AllowedByPermissionsBoundary": decision.boundary_decision == ALLOWED
        }
    return view


def _simulate(
    ctx: RequestContext,
    req: SimulatePrincipalPolicyRequestTypeDef | SimulateCustomPolicyRequestTypeDef,
    policies: ApplicablePolicies,
    caller: str,
) -> dict[str, Any]:
    identity = policies.identity + _inputs(req.get("PolicyInputList"), "PolicyInputList")
    boundary = policies.boundary
    if req.get("PermissionsBoundaryPolicyInputList"):
        boundary = (boundary or ()) + _inputs(
            req["PermissionsBoundaryPolicyInputList"], "PermissionsBoundaryPolicyInputList"
        )
    resource_policy = None
    if req.get("ResourcePolicy"):
        resource_policy = PolicySource(
            "ResourcePolicy", "resource", _parse(req["ResourcePolicy"], "resource")
        )
    sources = list(identity) + list(boundary or ()) + ([resource_policy] if resource_policy else [])
    documents = {(s.policy_id, s.policy_type): s.document for s in sources}
    spellings = {key.lower(): key for key in context_keys(documents.values())}
    caller_arn = req.get("CallerArn") or caller
    simulation = Simulation(
        identity,
        boundary,
        resource_policy,
        context_from_entries(req.get("ContextEntries") or ()),
        PrincipalFacts(account_of(caller_arn) or ctx.account_id, caller_arn) if caller_arn else None,
        account_of(req.get("ResourceOwner") or ""),
    )
    resources = req.get("ResourceArns")
    results = []
    for action in req["ActionNames"]:
        for resource in resources or ["*"]:
            decision = simulation.decide(action, resource)
            details = _details(decision, documents, spellings)
            result = {
                "EvalActionName": action,
                "EvalResourceName": resource,
                "EvalDecision": decision.decision,
                **details,
            }
            if resources:
                result["ResourceSpecificResults"] = [
                    {"EvalResourceName": resource, "EvalResourceDecision": decision.decision, **details}
                ]
            results.append(result)
    chunk, paging = page(results, req)
    return {"EvaluationResults": list(chunk), **paging}


# Handlers ------------------------------------------------------------------------------------


@iam_action("SimulatePrincipalPolicy", plan_source)
def simulate_principal_policy(
    ctx: RequestContext, req: SimulatePrincipalPolicyRequestTypeDef, plan: SourcePlan
) -> dict[str, Any]:
    entity = plan.source
    caller = entity.arn if isinstance(entity, User) else ""
    return _simulate(ctx, req, entity_policies(ctx.iam, entity), caller)


@iam_action("SimulateCustomPolicy", NO_RESOURCES)
def simulate_custom_policy(ctx: RequestContext, req: SimulateCustomPolicyRequestTypeDef) -> dict[str, Any]:
    return _simulate(ctx, req, ApplicablePolicies(), "")


@iam_action("GetContextKeysForPrincipalPolicy", plan_source)
def get_context_keys_for_principal_policy(
    ctx: RequestContext, req: GetContextKeysForPrincipalPolicyRequestTypeDef, plan: SourcePlan
) -> dict[str, Any]:
    policies = entity_policies(ctx.iam, plan.source)
    sources = (
        policies.identity + (policies.boundary or ()) + _inputs(req.get("PolicyInputList"), "PolicyInputList")
    )
    return {"ContextKeyNames": context_keys(s.document for s in sources)}


@iam_action("GetContextKeysForCustomPolicy", NO_RESOURCES)
def get_context_keys_for_custom_policy(
    ctx: RequestContext, req: GetContextKeysForCustomPolicyRequestTypeDef
) -> dict[str, Any]:
    return {
        "ContextKeyNames": context_keys(
            s.document for s in _inputs(req["PolicyInputList"], "PolicyInputList")
        )
    }
