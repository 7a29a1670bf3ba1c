"""IAM access advisor: service (and action) last accessed reports from what principals really did.

Every authenticated request records, for the IAM user or role behind it, when and in which Region
it last used the service and, for the actions IAM tracks, the action (`ec2sim.iam.authn.record_use`
into `ec2sim.store.iam.usage`). GenerateServiceLastAccessedDetails for a user, role, group or
managed policy lists the services that entity's policies allow (identity policies; Deny statements
and boundaries are not considered, as IAM reports what is *allowed*) with the last use by the
entities it covers: the user or role itself, a group's members, a policy's attached users, roles
and attached groups' members. The report is made at once (JobStatus COMPLETED) and kept, a bounded
number per account (`MAX_JOBS`), in memory only: reports are recomputed from the saved usage.

Assumptions, where AWS documents no more: the services listed are those ec2sim serves (EC2, IAM,
STS; no other service can be used against it); IAM tracks management actions (the SAR's access
levels other than Read and List) of EC2 and IAM ("IAM action last accessed information services
and actions" lists both, not STS), and ACTION_LEVEL lists every such action the policies allow
(ec2sim's implemented ones), with its last access when there was one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ec2sim.api import registry
from ec2sim.api.authorization import NO_RESOURCES
from ec2sim.api.context import RequestContext
from ec2sim.api.errors import AwsError
from ec2sim.api.iam.authz import ArnPlan, iam_action, managed_policy
from ec2sim.api.iam.common import page
from ec2sim.api.iam.messages import iam_error
from ec2sim.iam.policy.engine import compile_policy
from ec2sim.iam.policy.grammar import parse_policy
from ec2sim.iam.principal_policies import entity_policies
from ec2sim.store.iam.account import IamAccount
from ec2sim.store.iam.entities import Group, ManagedPolicy, Role, User
from ec2sim.store.iam.usage import Use
from ec2sim.store.resources import IAM_TYPES, parse_arn

if TYPE_CHECKING:
    from types_boto3_iam.type_defs import (
        GenerateServiceLastAccessedDetailsRequestTypeDef,
        GetServiceLastAccessedDetailsRequestTypeDef,
        GetServiceLastAccessedDetailsWithEntitiesRequestTypeDef,
    )

SERVICE_NAMES = {
    "ec2": "Amazon EC2",
    "iam": "AWS Identity and Access Management",
    "sts": "AWS Security Token Service",
}
MAX_JOBS = 100  # reports kept per account (the oldest forgotten first)
_KINDS = ("user", "group", "role", "policy")


@dataclass(frozen=True)
class Job:
    job_type: str  # SERVICE_LEVEL | ACTION_LEVEL
    created: datetime
    services: list[dict[str, Any]]
    entities: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # namespace → EntityDetails


@dataclass
class _Subject:
    """What a report is about: the policy documents granting, and the users and roles covered."""

    documents: list[Any]
    entities: list[User | Role]


def _subject(iam: IamAccount, entity: User | Group | Role | ManagedPolicy) -> _Subject:
    if isinstance(entity, ManagedPolicy):
        covered: dict[str, User | Role] = {}
        for kind, name in sorted(iam.attachments.get(entity.arn, ())):
            found = iam.table(kind).get(name)
            members = [iam.users.get(m) for m in found.member_names] if isinstance(found, Group) else [found]
            covered.update((e.id, e) for e in members if e is not None)
        return _Subject([parse_policy(entity.default_document, "managed")], list(covered.values()))
    documents = [source.document for source in entity_policies(iam, entity).identity]
    if isinstance(entity, Group):
        users = (iam.users.get(name) for name in entity.member_names)
        return _Subject(documents, [u for u in users if u is not None])
    return _Subject(documents, [entity])


def _granted(documents: list[Any]) -> dict[str, list[str]]:
    """Namespace → the implemented actions of it some Allow statement covers (sorted)."""
    statements = [s for d in documents for s in compile_policy(d).statements if s.allow]
    granted: dict[str, list[str]] = {}
    for service, name in registry.names():
        if service in SERVICE_NAMES and any(s.covers_action(f"{service}:{name}".lower()) for s in statements):
            granted.setdefault(service, []).append(name)
    return granted


def _latest(uses: Iterable[tuple[User | Role, Use]]) -> tuple[User | Role, Use] | None:
    return max(uses, key=lambda pair: pair[1].at, default=None)


def _service(
    iam: IamAccount, service: str, actions: list[str], subject: _Subject, action_level: bool
) -> dict[str, Any]:
    uses = [(e, u) for e in subject.entities if (u := _usage(iam, e, service, "services")) is not None]
    entry: dict[str, Any] = {"ServiceName": SERVICE_NAMES[service], "ServiceNamespace": service}
    latest = _latest(uses)
    if latest is not None:
        entry |= {
            "LastAuthenticated": latest[1].at,
            "LastAuthenticatedEntity": latest[0].arn,
            "LastAuthenticatedRegion": latest[1].region,
            "TotalAuthenticatedEntities": len(uses),
        }
    if action_level and service in registry.TRACKED_SERVICES:
        entry["TrackedActionsLastAccessed"] = list(_tracked(iam, service, actions, subject))
    return entry


def _tracked(
    iam: IamAccount, service: str, actions: list[str], subject: _Subject
) -> Iterator[dict[str, Any]]:
    for name in actions:
        if registry.tracked_action(service, name) is None:
            continue
        key = f"{service}:{name}"
        used = _latest((e, u) for e in subject.entities if (u := _usage(iam, e, key, "actions")) is not None)
        item: dict[str, Any] = {"ActionName": name}
        if used is not None:
            item |= {
                "LastAccessedEntity": used[0].arn,
                "LastAccessedTime": used[1].at,
                "LastAccessedRegion": used[1].region,
            }
        yield item


def _usage(iam: IamAccount, entity: User | Role, name: str, table: str) -> Use | None:
    usage = iam.usage.of(entity.id)
    found: Use | None = getattr(usage, table).get(name) if usage is not None else None
    return found


def _entity_details(iam: IamAccount, service: str, subject: _Subject) -> list[dict[str, Any]]:
    details = []
    for entity in sorted(subject.entities, key=lambda e: e.name.lower()):
        info = {
            "Arn": entity.arn,
            "Name": entity.name,
            "Type": "USER" if isinstance(entity, User) else "ROLE",
            "Id": entity.id,
            "Path": entity.path,
        }
        use = _usage(iam, entity, service, "services")
        details.append({"EntityInfo": info, **({"LastAuthenticated": use.at} if use else {})})
    return details


# Handlers ----------------------------------------------------------------------------------------

AdvisorPlan = ArnPlan[Any]


def plan_entity(ctx: RequestContext, req: Mapping[str, Any]) -> AdvisorPlan:
    """The user, group, role or managed policy at ``Arn``; authorized on that ARN."""
    arn = req["Arn"]
    parsed = parse_arn(arn)
    if parsed is None or parsed.service != "iam" or parsed.resource_type not in _KINDS or not parsed.name:
        plan = AdvisorPlan()
        plan.fail(iam_error("ArnInvalid", arn=arn))
        return plan
    plan = AdvisorPlan(resource=arn)
    kind = parsed.resource_type
    entity: Any = None
    if parsed.account == ctx.account_id or (kind == "policy" and parsed.account == "aws"):
        entity = managed_policy(ctx, arn) if kind == "policy" else ctx.iam.table(kind).get(parsed.name)
    if entity is None or entity.arn != arn:
        plan.fail(_missing(kind, arn, parsed.name))
    else:
        plan.entity = entity
    return plan


def _missing(kind: str, arn: str, name: str) -> AwsError:
    if kind == "policy":
        return iam_error("PolicyNotFound", arn=arn)
    return AwsError(*IAM_TYPES[kind].not_found_message(name))


@iam_action("GenerateServiceLastAccessedDetails", plan_entity)
def generate_service_last_accessed_details(
    ctx: RequestContext, req: GenerateServiceLastAccessedDetailsRequestTypeDef, plan: AdvisorPlan
) -> dict[str, Any]:
    iam, job_type = ctx.iam, req.get("Granularity") or "SERVICE_LEVEL"
    subject = _subject(iam, plan.found)
    granted = _granted(subject.documents)
    services = [_service(iam, s, a, subject, job_type == "ACTION_LEVEL") for s, a in granted.items()]
    services.sort(key=lambda entry: entry["ServiceName"].lower())
    entities = {s: _entity_details(iam, s, subject) for s in granted}
    job_id = ctx.store.ids.request_id()
    jobs = iam.usage.jobs
    while len(jobs) >= MAX_JOBS:
        del jobs[next(iter(jobs))]
    jobs[job_id] = Job(job_type, ctx.now, services, entities)
    return {"JobId": job_id}


def _job(ctx: RequestContext, job_id: str) -> Job:
    job = ctx.iam.usage.jobs.get(job_id)
    if not isinstance(job, Job):
        raise iam_error("JobNotFound", job_id=job_id)
    return job


def _header(job: Job) -> dict[str, Any]:
    return {"JobStatus": "COMPLETED", "JobCreationDate": job.created, "JobCompletionDate": job.created}


@iam_action("GetServiceLastAccessedDetails", NO_RESOURCES)
def get_service_last_accessed_details(
    ctx: RequestContext, req: GetServiceLastAccessedDetailsRequestTypeDef
) -> dict[str, Any]:
    job = _job(ctx, req["JobId"])
    chunk, marker = page(job.services, req)
    return {**_header(job), "JobType": job.job_type, "ServicesLastAccessed": list(chunk), **marker}


@iam_action("GetServiceLastAccessedDetailsWithEntities", NO_RESOURCES)
def get_service_last_accessed_details_with_entities(
    ctx: RequestContext, req: GetServiceLastAccessedDetailsWithEntitiesRequestTypeDef
) -> dict[str, Any]:
    job = _job(ctx, req["JobId"])
    chunk, marker = page(job.entities.get(req["ServiceNamespace"], []), req)
    return {**_header(job), "EntityDetailsList": list(chunk), **marker}
