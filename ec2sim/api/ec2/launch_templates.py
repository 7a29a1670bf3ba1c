"""Launch templates: Create/Delete/Describe/ModifyLaunchTemplate, Create/Delete/
DescribeLaunchTemplateVersions, GetLaunchTemplateData.

A template is authorized on ``launch-template/ID`` (creation on ``launch-template/*`` with its
request tags, ec2:CreateTags for TagSpecifications); the Describe calls have no resource-level
permissions; GetLaunchTemplateData is authorized on the instance. A version's data is stored as
given and checked as `template_data` says (warnings for what it names that doesn't resolve).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ec2sim.api.authorization import NO_RESOURCES, Check, Plan
from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.authz import creating, resource_check, unresolved
from ec2sim.api.ec2.common import fingerprint, replayed, tag_list
from ec2sim.api.ec2.filters import FilterSet
from ec2sim.api.ec2.paging import paginate
from ec2sim.api.ec2.plans import InstancesPlan, plan_instance
from ec2sim.api.ec2.tagging import tags_for
from ec2sim.api.ec2.template_data import check_data, instance_data, response_data, warnings
from ec2sim.api.errors import AwsError
from ec2sim.api.registry import ec2_action
from ec2sim.store.ec2.launch_templates import MAX_TEMPLATES, MAX_VERSIONS, LaunchTemplate, TemplateVersion
from ec2sim.store.resources import LAUNCH_TEMPLATE

if TYPE_CHECKING:
    from types_boto3_ec2.type_defs import (
        CreateLaunchTemplateRequestTypeDef,
        CreateLaunchTemplateVersionRequestTypeDef,
        DeleteLaunchTemplateRequestTypeDef,
        DeleteLaunchTemplateVersionsRequestTypeDef,
        DescribeLaunchTemplatesRequestTypeDef,
        DescribeLaunchTemplateVersionsRequestTypeDef,
        GetLaunchTemplateDataRequestTypeDef,
        ModifyLaunchTemplateRequestTypeDef,
    )

_NAME = re.compile(r"[A-Za-z0-9()./_-]{3,128}")
_ID = re.compile(r"lt-([0-9a-f]{8}|[0-9a-f]{17})")
MAX_DESCRIPTION = 255
MAX_DELETE_VERSIONS = 200
LATEST, DEFAULT = "$Latest", "$Default"

_TEMPLATE_FILTERS = FilterSet(
    {"create-time": lambda t: t.create_time, "launch-template-name": lambda t: t.name}, LAUNCH_TEMPLATE
)


def _options(v: TemplateVersion) -> Mapping[str, Any]:
    return v.data.get("MetadataOptions") or {}


def _placement(v: TemplateVersion) -> Mapping[str, Any]:
    return v.data.get("Placement") or {}


_VERSION_FILTERS = FilterSet(
    {
        "create-time": lambda v: v.create_time,
        "ebs-optimized": lambda v: v.data.get("EbsOptimized", False),
        "http-endpoint": lambda v: _options(v).get("HttpEndpoint"),
        "http-protocol-ipv4": lambda v: _options(v).get("HttpProtocolIpv4"),
        "host-resource-group-arn": lambda v: _placement(v).get("HostResourceGroupArn"),
        "http-tokens": lambda v: _options(v).get("HttpTokens"),
        "iam-instance-profile": lambda v: (v.data.get("IamInstanceProfile") or {}).get("Arn"),
        "image-id": lambda v: v.data.get("ImageId"),
        "instance-type": lambda v: v.data.get("InstanceType"),
        "is-default-version": lambda v: v.is_default,
        "kernel-id": lambda v: v.data.get("KernelId"),
        "license-configuration-arn": lambda v: [
            s.get("LicenseConfigurationArn") for s in v.data.get("LicenseSpecifications") or []
        ],
        "network-card-index": lambda v: [
            i.get("NetworkCardIndex") for i in v.data.get("NetworkInterfaces") or []
        ],
        "ram-disk-id": lambda v: v.data.get("RamDiskId"),
    }
)


# Finding templates and versions ------------------------------------------------------------------


def template_by_name(ctx: RequestContext, name: str) -> LaunchTemplate | None:
    return next(iter(ctx.ec2.launch_templates.where("name", name)), None)


def find_template(ctx: RequestContext, template_id: str | None, name: str | None) -> LaunchTemplate:
    """The template named by id or by name (exactly one of them), or AWS's error for it."""
    if template_id is None and name is None:
        raise AwsError(
            "MissingParameter",
            "The request must contain the parameter launchTemplateName or launchTemplateId",
        )
    if template_id is not None and name is not None:
        # Assumed wording: AWS documents only that "you must specify either ... but not both".
        raise AwsError(
            "InvalidParameterCombination",
            "Only one of launchTemplateId or launchTemplateName may be specified.",
        )
    if template_id is not None:
        if not _ID.fullmatch(template_id):
            raise AwsError(
                "InvalidLaunchTemplateId.Malformed", f'Invalid id: "{template_id}" (expecting "lt-...")'
            )
        found = ctx.ec2.launch_templates.get(template_id)
        if found is None:
            raise AwsError(*LAUNCH_TEMPLATE.not_found_message(template_id))
        return found
    found = template_by_name(ctx, name or "")
    if found is None:
        raise AwsError(
            "InvalidLaunchTemplateName.NotFoundException",
            f"The specified launch template, with template name {name}, does not exist.",
        )
    return found


def version_not_found(template: LaunchTemplate, spec: str) -> AwsError:
    # Assumed wording (the error code is documented; its message for a version is not).
    return AwsError(
        "InvalidLaunchTemplateId.VersionNotFound",
        f"Could not find launch template version {spec} for launch template {template.id}.",
    )


def version_number(text: str) -> int | None:
    """A version number as a request writes it (ASCII digits; a Long, so at most 18 of them)."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


def find_version(template: LaunchTemplate, spec: str | None) -> TemplateVersion:
    """``$Latest``, ``$Default`` (also what no version means) or a version number."""
    text = DEFAULT if spec is None else spec
    number = {LATEST: template.latest_version, DEFAULT: template.default_version}.get(text)
    if number is None:
        number = version_number(text)
    found = template.version(number) if number is not None else None
    if found is None:
        raise version_not_found(template, text)
    return found


def _check_name(name: str) -> None:
    if not _NAME.fullmatch(name):
        raise AwsError(
            "InvalidLaunchTemplateName.MalformedException",
            "A launch template name must be between 3 and 128 characters, and may contain letters, numbers, "
            "and the following characters: - ( ) . / _.",
        )


def _check_description(description: str | None) -> None:
    if description is not None and len(description) > MAX_DESCRIPTION:
        raise AwsError(
            "InvalidParameterValue",
            f"Value ({description}) for parameter versionDescription is invalid. "
            f"Length exceeds maximum of {MAX_DESCRIPTION}.",
        )


# Views ---------------------------------------------------------------------------------------


def template_view(template: LaunchTemplate) -> dict[str, Any]:
    return {
        "LaunchTemplateId": template.id,
        "LaunchTemplateName": template.name,
        "CreateTime": template.create_time,
        "CreatedBy": template.created_by,
        "DefaultVersionNumber": template.default_version,
        "LatestVersionNumber": template.latest_version,
        "Tags": tag_list(template.tags) or None,
    }


def version_view(template: LaunchTemplate, version: TemplateVersion) -> dict[str, Any]:
    return {
        "LaunchTemplateId": template.id,
        "LaunchTemplateName": template.name,
        "VersionNumber": version.number,
        "VersionDescription": version.description,
        "CreateTime": version.create_time,
        "CreatedBy": version.created_by,
        "DefaultVersion": version.number == template.default_version,
        "LaunchTemplateData": response_data(version.data),
    }


def _warning(found: list[dict[str, str]]) -> dict[str, Any] | None:
    return {"Errors": found} if found else None


# Plans ---------------------------------------------------------------------------------------


@dataclass
class NewTemplatePlan(Plan):
    """CreateLaunchTemplate: the new template on ``launch-template/*``, with its request tags."""

    req: CreateLaunchTemplateRequestTypeDef
    tags: dict[str, str] = field(default_factory=dict)
    earlier: LaunchTemplate | None = None  # what an earlier request with this ClientToken made

    def checks(self, ctx: RequestContext) -> Iterator[Check]:
        return creating(ctx, "ec2:CreateLaunchTemplate", "launch-template", self.req)


def plan_create(ctx: RequestContext, req: CreateLaunchTemplateRequestTypeDef) -> NewTemplatePlan:
    plan = NewTemplatePlan(req)
    try:
        plan.earlier = replayed(ctx.ec2.launch_templates, req)
    except AwsError as error:
        plan.fail(error)
        return plan
    if plan.earlier is not None:
        return plan
    try:
        _check_name(req["LaunchTemplateName"])
        _check_description(req.get("VersionDescription"))
        check_data(req.get("LaunchTemplateData") or {})
        plan.tags = tags_for(req.get("TagSpecifications"), "launch-template", ("launch-template",))
        if template_by_name(ctx, req["LaunchTemplateName"]) is not None:
            raise AwsError(
                "InvalidLaunchTemplateName.AlreadyExistsException", "Launch template name already in use."
            )
        if len(ctx.ec2.launch_templates) >= MAX_TEMPLATES:
            # Assumed code and wording: EC2's generic quota error (the quota is documented, its error isn't).
            raise AwsError(
                "ResourceLimitExceeded",
                f"You have reached the maximum number of launch templates ({MAX_TEMPLATES}) for this Region.",
            )
    except AwsError as error:
        plan.fail(error)
    return plan


@dataclass
class TemplatePlan(Plan):
    """An action on one existing template (None: it doesn't resolve; its ARN names what was given)."""

    named: str
    template: LaunchTemplate | None = None

    def checks(self, ctx: RequestContext) -> Iterator[Check]:
        action = f"ec2:{ctx.action}"
        if self.template is not None:
            yield resource_check(ctx, action, self.template)
        else:
            yield unresolved(ctx, action, "launch-template", self.named)


def _resolve(ctx: RequestContext, req: Mapping[str, Any], plan: TemplatePlan) -> None:
    try:
        plan.template = find_template(ctx, req.get("LaunchTemplateId"), req.get("LaunchTemplateName"))
    except AwsError as error:
        plan.fail(error)


def plan_template(ctx: RequestContext, req: Mapping[str, Any]) -> TemplatePlan:
    """Delete/ModifyLaunchTemplate and CreateLaunchTemplateVersion: the template they name."""
    plan = TemplatePlan(req.get("LaunchTemplateId") or req.get("LaunchTemplateName") or "*")
    _resolve(ctx, req, plan)
    return plan


@dataclass
class NewVersionPlan(TemplatePlan):
    data: dict[str, Any] = field(default_factory=dict)


def plan_create_version(
    ctx: RequestContext, req: CreateLaunchTemplateVersionRequestTypeDef
) -> NewVersionPlan:
    plan = NewVersionPlan(req.get("LaunchTemplateId") or req.get("LaunchTemplateName") or "*")
    _resolve(ctx, req, plan)
    template = plan.template
    if template is None:
        return plan
    try:
        given = dict(req.get("LaunchTemplateData") or {})
        _check_description(req.get("VersionDescription"))
        check_data(given)
        source = req.get("SourceVersion")
        # "The new version inherits the same launch parameters as the source version, except for
        # parameters that you specify in LaunchTemplateData" (EC2 API Reference): per parameter.
        plan.data = {**find_version(template, source).data, **given} if source is not None else given
        if len(template.versions) >= MAX_VERSIONS:
            raise AwsError(  # assumed code and wording, as for the templates' quota
                "ResourceLimitExceeded",
                f"You have reached the maximum number of versions ({MAX_VERSIONS}) for this launch template.",
            )
    except AwsError as error:
        plan.fail(error)
    return plan


def plan_modify(ctx: RequestContext, req: ModifyLaunchTemplateRequestTypeDef) -> TemplatePlan:
    plan = plan_template(ctx, req)
    default, template = req.get("DefaultVersion"), plan.template
    if template is not None and default is not None:
        number = version_number(default)
        if number is None or template.version(number) is None:
            plan.fail(version_not_found(template, default))
    return plan


def _version_numbers(req: DeleteLaunchTemplateVersionsRequestTypeDef) -> list[str]:
    versions = list(req.get("Versions") or [])
    if not versions:
        raise AwsError("MissingParameter", "The request must contain the parameter launchTemplateVersion")
    if len(versions) > MAX_DELETE_VERSIONS:
        raise AwsError(
            "InvalidParameterValue",
            f"You can specify a maximum of {MAX_DELETE_VERSIONS} launch template version numbers.",
        )
    for version in versions:
        if version_number(version) is None:
            raise AwsError(
                "InvalidParameterValue", f"Value ({version}) for parameter launchTemplateVersion is invalid."
            )
    return versions


@dataclass
class DeleteVersionsPlan(TemplatePlan):
    missing: AwsError | None = None  # the template's NotFound: each version's error, not the call's
    versions: list[str] = field(default_factory=list)


def plan_delete_versions(
    ctx: RequestContext, req: DeleteLaunchTemplateVersionsRequestTypeDef
) -> DeleteVersionsPlan:
    plan = DeleteVersionsPlan(req.get("LaunchTemplateId") or req.get("LaunchTemplateName") or "*")
    try:
        plan.versions = _version_numbers(req)
        plan.template = find_template(ctx, req.get("LaunchTemplateId"), req.get("LaunchTemplateName"))
    except AwsError as error:
        if error.code.startswith("InvalidLaunchTemplate"):
            plan.missing = error
        else:
            plan.fail(error)
    return plan


# Handlers ------------------------------------------------------------------------------------


@ec2_action("CreateLaunchTemplate", resolve=plan_create)
def create_launch_template(
    ctx: RequestContext, req: CreateLaunchTemplateRequestTypeDef, plan: NewTemplatePlan
) -> dict[str, Any]:
    if plan.earlier is not None:
        return {"LaunchTemplate": template_view(plan.earlier)}
    data = dict(req["LaunchTemplateData"])
    template = LaunchTemplate(
        ctx.ec2.ids.hex_id("lt"),
        req["LaunchTemplateName"],
        ctx.now,
        ctx.principal.arn,
        client_token=req.get("ClientToken"),
        request_fingerprint=fingerprint(req),
        tags=plan.tags,
    )
    template.add_version(ctx.now, ctx.principal.arn, data, req.get("VersionDescription"))
    ctx.ec2.launch_templates.add(template)
    return {"LaunchTemplate": template_view(template), "Warning": _warning(warnings(ctx, data))}


@ec2_action("CreateLaunchTemplateVersion", resolve=plan_create_version)
def create_launch_template_version(
    ctx: RequestContext, req: CreateLaunchTemplateVersionRequestTypeDef, plan: NewVersionPlan
) -> dict[str, Any]:
    template = plan.template
    assert template is not None  # a plan without an error resolved it
    version = template.add_version(ctx.now, ctx.principal.arn, plan.data, req.get("VersionDescription"))
    return {
        "LaunchTemplateVersion": version_view(template, version),
        "Warning": _warning(warnings(ctx, plan.data)),
    }


@ec2_action("ModifyLaunchTemplate", resolve=plan_modify)
def modify_launch_template(
    ctx: RequestContext, req: ModifyLaunchTemplateRequestTypeDef, plan: TemplatePlan
) -> dict[str, Any]:
    template = plan.template
    assert template is not None
    default = req.get("DefaultVersion")
    if default is not None:
        template.default_version = int(default)
    return {"LaunchTemplate": template_view(template)}


@ec2_action("DeleteLaunchTemplate", resolve=plan_template)
def delete_launch_template(
    ctx: RequestContext, req: DeleteLaunchTemplateRequestTypeDef, plan: TemplatePlan
) -> dict[str, Any]:
    template = plan.template
    assert template is not None
    ctx.ec2.launch_templates.remove(template.id)
    return {"LaunchTemplate": template_view(template)}


_MISSING_CODES = {
    "InvalidLaunchTemplateId.Malformed": "launchTemplateIdMalformed",
    "InvalidLaunchTemplateId.NotFound": "launchTemplateIdDoesNotExist",
    "InvalidLaunchTemplateName.NotFoundException": "launchTemplateNameDoesNotExist",
}


@ec2_action("DeleteLaunchTemplateVersions", resolve=plan_delete_versions)
def delete_launch_template_versions(
    ctx: RequestContext, req: DeleteLaunchTemplateVersionsRequestTypeDef, plan: DeleteVersionsPlan
) -> dict[str, Any]:
    """Each version succeeds or fails on its own (the call fails only on its own parameters); an
    unknown template fails every version with the per-version code for it (assumed: AWS's
    ``ResponseError`` codes name these cases, its messages are undocumented)."""
    template = plan.template
    done: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    for number in dict.fromkeys(int(text) for text in plan.versions):  # validated by the plan
        if template is None:
            error = plan.missing
            assert error is not None
            code = _MISSING_CODES.get(error.code, "unexpectedError")
            failed.append(
                {
                    "LaunchTemplateId": req.get("LaunchTemplateId"),
                    "LaunchTemplateName": req.get("LaunchTemplateName"),
                    "VersionNumber": number,
                    "ResponseError": {
                        "Code": code,
                        "Message": "The specified launch template does not exist.",
                    },
                }
            )
            continue
        item = {"LaunchTemplateId": template.id, "LaunchTemplateName": template.name, "VersionNumber": number}
        if template.version(number) is None:
            failed.append(
                {
                    **item,
                    "ResponseError": {
                        "Code": "launchTemplateVersionDoesNotExist",
                        "Message": "The specified launch template version does not exist.",
                    },
                }
            )
        elif number == template.default_version:
            failed.append(
                {
                    **item,
                    "ResponseError": {
                        "Code": "unexpectedError",
                        "Message": "Cannot delete the default version of a launch template. "
                        "To delete the launch template and all its versions, use DeleteLaunchTemplate.",
                    },
                }
            )
        else:
            template.remove_version(number)
            done.append(item)
    return {
        "SuccessfullyDeletedLaunchTemplateVersions": done,
        "UnsuccessfullyDeletedLaunchTemplateVersions": failed,
    }


@ec2_action("DescribeLaunchTemplates", resolve=NO_RESOURCES)
def describe_launch_templates(
    ctx: RequestContext, req: DescribeLaunchTemplatesRequestTypeDef
) -> dict[str, Any]:
    ids, names = req.get("LaunchTemplateIds") or [], req.get("LaunchTemplateNames") or []
    templates: list[LaunchTemplate] = []
    for template_id in dict.fromkeys(ids):
        templates.append(find_template(ctx, template_id, None))
    for name in dict.fromkeys(names):
        templates.append(find_template(ctx, None, name))
    if not ids and not names:
        templates = sorted(ctx.ec2.launch_templates, key=lambda t: t.create_time)
    matched = _TEMPLATE_FILTERS.apply(list({t.id: t for t in templates}.values()), req.get("Filters"))
    page, token = paginate(matched, req, low=1, high=200)
    return {"LaunchTemplates": [template_view(t) for t in page], "NextToken": token}


@dataclass
class _Listed:
    """A version as the filters see it (whether it is its template's default)."""

    template: LaunchTemplate
    version: TemplateVersion

    @property
    def data(self) -> dict[str, Any]:
        return self.version.data

    @property
    def create_time(self) -> Any:
        return self.version.create_time

    @property
    def is_default(self) -> bool:
        return self.version.number == self.template.default_version


def _bound(text: str | None, parameter: str) -> int | None:
    if text is None:
        return None
    number = version_number(text)
    if number is None:
        raise AwsError("InvalidParameterValue", f"Value ({text}) for parameter {parameter} is invalid.")
    return number


def _versions_of(
    template: LaunchTemplate, req: DescribeLaunchTemplateVersionsRequestTypeDef
) -> list[TemplateVersion]:
    """Versions named (``$Latest``/``$Default``/numbers), else all (newest first) between MinVersion
    (exclusive: "the version number after which") and MaxVersion ("up to which")."""
    low, high = _bound(req.get("MinVersion"), "minVersion"), _bound(req.get("MaxVersion"), "maxVersion")
    named: Sequence[str] = req.get("Versions") or []
    if named:
        found = {v.number: v for v in (find_version(template, text) for text in named)}
        chosen = [found[n] for n in sorted(found, reverse=True)]
    else:
        chosen = sorted(template.versions.values(), key=lambda v: v.number, reverse=True)
    return [v for v in chosen if (low is None or v.number > low) and (high is None or v.number <= high)]


@ec2_action("DescribeLaunchTemplateVersions", resolve=NO_RESOURCES)
def describe_launch_template_versions(
    ctx: RequestContext, req: DescribeLaunchTemplateVersionsRequestTypeDef
) -> dict[str, Any]:
    template_id, name = req.get("LaunchTemplateId"), req.get("LaunchTemplateName")
    listed: list[_Listed] = []
    if template_id is None and name is None:
        # "To describe all the latest or default launch template versions in your account, you
        # must omit this parameter": only the aliases, across every template.
        aliases = req.get("Versions") or []
        if not aliases or any(a not in (LATEST, DEFAULT) for a in aliases):
            raise AwsError(
                "MissingParameter",
                "The request must contain the parameter launchTemplateName or launchTemplateId",
            )
        for template in sorted(ctx.ec2.launch_templates, key=lambda t: t.create_time):
            numbers = dict.fromkeys(find_version(template, a).number for a in aliases)
            listed += [_Listed(template, template.versions[str(n)]) for n in numbers]
    else:
        template = find_template(ctx, template_id, name)
        listed = [_Listed(template, v) for v in _versions_of(template, req)]
    matched = _VERSION_FILTERS.apply(listed, req.get("Filters"))
    page, token = paginate(matched, req, low=1, high=200)
    return {"LaunchTemplateVersions": [version_view(v.template, v.version) for v in page], "NextToken": token}


@ec2_action("GetLaunchTemplateData", resolve=plan_instance)
def get_launch_template_data(
    ctx: RequestContext, req: GetLaunchTemplateDataRequestTypeDef, plan: InstancesPlan
) -> dict[str, Any]:
    return {"LaunchTemplateData": response_data(instance_data(ctx, plan.instance))}
