"""IAM: managed policies (customer and AWS-managed), their versions and tags."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ec2sim.api.context import RequestContext
from ec2sim.api.iam.authz import IamPlan, iam_action, requiring
from ec2sim.api.iam.common import page, tag_list, tags_in
from ec2sim.api.iam.messages import iam_error
from ec2sim.api.iam.quotas import check_account_quota
from ec2sim.iam.policy.document import PolicyDocument
from ec2sim.iam.policy.grammar import PolicyError, parse_policy, policy_size
from ec2sim.store.iam.account import IamAccount
from ec2sim.store.iam.entities import ManagedPolicy, PolicyVersion
from ec2sim.store.iam.managed import aws_managed_policies

if TYPE_CHECKING:
    from types_boto3_iam.type_defs import (
        CreatePolicyRequestTypeDef,
        CreatePolicyVersionRequestTypeDef,
        DeletePolicyRequestTypeDef,
        DeletePolicyVersionRequestTypeDef,
        GetPolicyRequestTypeDef,
        GetPolicyVersionRequestTypeDef,
        ListPoliciesRequestTypeDef,
        ListPolicyVersionsRequestTypeDef,
        SetDefaultPolicyVersionRequestTypeDef,
    )

MANAGED_POLICY_SIZE = 6144
MAX_VERSIONS = 5


# Shared with attachments.py -------------------------------------------------------------


def parse_document(text: str, kind: str) -> PolicyDocument:
    """The parsed document, or IAM's MalformedPolicyDocument."""
    try:
        return parse_policy(text, kind)
    except PolicyError as error:
        raise iam_error("MalformedPolicy", reason=error) from None


def encode_document(text: str) -> str:
    """Documents travel URL-encoded, as IAM sends them (botocore unquotes them)."""
    return quote(text, safe="")


def _checked_document(text: str) -> str:
    if policy_size(text) > MANAGED_POLICY_SIZE:
        raise iam_error("Quota", quota="PolicySize", limit=MANAGED_POLICY_SIZE)
    parse_document(text, "managed")
    return text


def policy_view(iam: IamAccount, policy: ManagedPolicy, detailed: bool = True) -> dict[str, Any]:
    """The ``Policy`` shape; ListPolicies omits Description and Tags."""
    return {
        "PolicyName": policy.name,
        "PolicyId": policy.id,
        "Arn": policy.arn,
        "Path": policy.path,
        "DefaultVersionId": policy.default_version_id,
        "AttachmentCount": len(iam.attachments.get(policy.arn, ())),
        "PermissionsBoundaryUsageCount": len(iam.boundary_uses.get(policy.arn, ())),
        "IsAttachable": True,
        "Description": (policy.description or None) if detailed else None,
        "CreateDate": policy.create_date,
        "UpdateDate": policy.update_date,
        "Tags": tag_list(policy.tags) if detailed else None,  # GetPolicy: <Tags/> when none
    }


def version_view(policy: ManagedPolicy, version: PolicyVersion, with_document: bool) -> dict[str, Any]:
    return {
        "Document": encode_document(version.document) if with_document else None,
        "VersionId": version.version_id,
        "IsDefaultVersion": version.version_id == policy.default_version_id,
        "CreateDate": version.create_date,
    }


# Policies --------------------------------------------------------------------------------

_READ = requiring(policy="read")
_WRITE = requiring(policy="write")  # AWS-managed policies belong to AWS's account


@iam_action("CreatePolicy")
def create_policy(ctx: RequestContext, req: CreatePolicyRequestTypeDef, plan: IamPlan) -> dict[str, Any]:
    name, path = req["PolicyName"], req.get("Path") or "/"
    document = _checked_document(req["PolicyDocument"])
    if plan.found["PolicyName"] is not None:
        raise iam_error("PolicyNameExists", name=name)
    tags = tags_in(req.get("Tags"), case_sensitive=True)
    check_account_quota(ctx, "policy")
    policy_id = ctx.store.ids.iam_id("ANPA")
    policy = ctx.iam.create_policy(ctx.now, name, path, policy_id, req.get("Description"), document, tags)
    return {"Policy": policy_view(ctx.iam, policy)}


@iam_action("GetPolicy", _READ)
def get_policy_action(ctx: RequestContext, req: GetPolicyRequestTypeDef, plan: IamPlan) -> dict[str, Any]:
    return {"Policy": policy_view(ctx.iam, plan.policy)}


def _usage_filter(ctx: RequestContext, req: ListPoliciesRequestTypeDef) -> dict[str, set[tuple[str, str]]]:
    """Which usage table OnlyAttached counts, by PolicyUsageFilter."""
    return (
        ctx.iam.boundary_uses
        if req.get("PolicyUsageFilter") == "PermissionsBoundary"
        else ctx.iam.attachments
    )


@iam_action("ListPolicies")
def list_policies(ctx: RequestContext, req: ListPoliciesRequestTypeDef, plan: IamPlan) -> dict[str, Any]:
    scope = req.get("Scope") or "All"
    candidates: list[ManagedPolicy] = []
    if scope in ("All", "AWS"):
        candidates.extend(aws_managed_policies().values())
    if scope in ("All", "Local"):
        candidates.extend(ctx.iam.policies.values())
    prefix = req.get("PathPrefix") or "/"
    used = _usage_filter(ctx, req)
    selected = sorted(
        (
            p
            for p in candidates
            if p.path.startswith(prefix) and (not req.get("OnlyAttached") or used.get(p.arn))
        ),
        key=lambda p: p.name.lower(),
    )
    chunk, paging = page(selected, req)
    return {"Policies": [policy_view(ctx.iam, p, detailed=False) for p in chunk], **paging}


@iam_action("DeletePolicy", _WRITE)
def delete_policy(ctx: RequestContext, req: DeletePolicyRequestTypeDef, plan: IamPlan) -> None:
    policy = plan.policy
    if ctx.iam.attachments.get(policy.arn) or ctx.iam.boundary_uses.get(policy.arn):
        raise iam_error("PolicyAttached")
    if len(policy.versions) > 1:
        raise iam_error("PolicyHasVersions")
    ctx.iam.delete_policy(ctx.now, policy.arn)


# Versions --------------------------------------------------------------------------------


def _version(policy: ManagedPolicy, version_id: str) -> PolicyVersion:
    version = policy.versions.get(version_id)
    if version is None:
        raise iam_error("PolicyVersionNotFound", version=version_id)
    return version


@iam_action("CreatePolicyVersion", _WRITE)
def create_policy_version(
    ctx: RequestContext, req: CreatePolicyVersionRequestTypeDef, plan: IamPlan
) -> dict[str, Any]:
    policy = plan.policy
    document = _checked_document(req["PolicyDocument"])
    if len(policy.versions) >= MAX_VERSIONS:
        raise iam_error("PolicyVersions", limit=MAX_VERSIONS)
    version = ctx.iam.create_policy_version(ctx.now, policy.arn, document, bool(req.get("SetAsDefault")))
    return {"PolicyVersion": version_view(policy, version, with_document=False)}


@iam_action("GetPolicyVersion", _READ)
def get_policy_version(
    ctx: RequestContext, req: GetPolicyVersionRequestTypeDef, plan: IamPlan
) -> dict[str, Any]:
    policy = plan.policy
    return {"PolicyVersion": version_view(policy, _version(policy, req["VersionId"]), with_document=True)}


@iam_action("ListPolicyVersions", _READ)
def list_policy_versions(
    ctx: RequestContext, req: ListPolicyVersionsRequestTypeDef, plan: IamPlan
) -> dict[str, Any]:
    policy = plan.policy
    newest_first = sorted(policy.versions.values(), key=lambda v: int(v.version_id[1:]), reverse=True)
    chunk, paging = page(newest_first, req)
    return {"Versions": [version_view(policy, v, with_document=False) for v in chunk], **paging}


@iam_action("DeletePolicyVersion", _WRITE)
def delete_policy_version(ctx: RequestContext, req: DeletePolicyVersionRequestTypeDef, plan: IamPlan) -> None:
    policy = plan.policy
    version = _version(policy, req["VersionId"])
    if version.version_id == policy.default_version_id:
        raise iam_error("DefaultVersion")
    ctx.iam.delete_policy_version(ctx.now, policy.arn, version.version_id)


@iam_action("SetDefaultPolicyVersion", _WRITE)
def set_default_policy_version(
    ctx: RequestContext, req: SetDefaultPolicyVersionRequestTypeDef, plan: IamPlan
) -> None:
    policy = plan.policy
    ctx.iam.set_default_policy_version(ctx.now, policy.arn, _version(policy, req["VersionId"]).version_id)
