"""RunInstances with ``LaunchTemplate``: the template version merged under the request, and the
launch-template keys its checks carry.

"When you launch an instance using a launch template, you can override parameters that are
specified in the launch template. Or, you can specify additional parameters that are not in the
launch template" (EC2 User Guide): a parameter the request gives replaces the template's. How
nested parameters merge is assumed where AWS doesn't say:
- Placement, MetadataOptions and the other option structures merge member by member;
- BlockDeviceMappings merge by device name (the request's mapping of a device replaces the
  template's), as a request's mappings merge over the image's;
- TagSpecifications: for each resource type, the request's tags for it replace the template's;
- NetworkInterfaces: the template's primary interface (device index 0) gives the subnet and the
  security groups, unless the request names a subnet or groups itself;
- SecurityGroupIds / SecurityGroups given in the request replace the template's groups.

Every RunInstances check then carries ``ec2:LaunchTemplate`` (the template's ARN) and
``ec2:IsLaunchTemplateResource``: "true" for a resource the template specified and the request
didn't override (the image, subnet and its new interface, security groups, key pair, volumes of the
template's mappings), "false" for the others; the new instance counts as the template's. A check on
the template itself (``launch-template/ID``) is added. Instances carry ``aws:ec2launchtemplate:id``
and ``aws:ec2launchtemplate:version`` tags, as AWS adds them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ec2sim.api.authorization import Check
from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.authz import resource_check, unresolved
from ec2sim.api.ec2.launch_templates import find_template, find_version
from ec2sim.api.errors import AwsError
from ec2sim.store.ec2.launch_templates import LaunchTemplate, TemplateVersion
from ec2sim.store.resources import LAUNCH_TEMPLATE, flag, parse_arn

# Template members RunInstances spells the same (RamDiskId is its RamdiskId).
_SCALARS = (
    "ImageId",
    "InstanceType",
    "KeyName",
    "KernelId",
    "EbsOptimized",
    "DisableApiTermination",
    "DisableApiStop",
    "InstanceInitiatedShutdownBehavior",
    "UserData",
    "IamInstanceProfile",
    "LicenseSpecifications",
    "ElasticInferenceAccelerators",
)
_STRUCTURES = (
    "Placement",
    "MetadataOptions",
    "Monitoring",
    "CpuOptions",
    "CreditSpecification",
    "CapacityReservationSpecification",
    "HibernationOptions",
    "EnclaveOptions",
    "MaintenanceOptions",
    "PrivateDnsNameOptions",
    "InstanceMarketOptions",
    "NetworkPerformanceOptions",
)
# Which request parameter names the resource of each type a RunInstances check is on.
_PARAMETERS = {
    "image": ("ImageId",),
    "subnet": ("SubnetId",),
    "network-interface": ("SubnetId",),
    "security-group": ("SecurityGroupIds", "SecurityGroups"),
    "key-pair": ("KeyName",),
    "volume": ("BlockDeviceMappings",),
}


@dataclass
class TemplateUse:
    """The template a launch names (None where it doesn't resolve) and what it gave the request."""

    named: str  # the id or name the request gave
    template: LaunchTemplate | None = None
    version: TemplateVersion | None = None
    given: set[str] = field(default_factory=set)  # request parameters the template supplied

    @property
    def system_tags(self) -> dict[str, str]:
        if self.template is None or self.version is None:
            return {}
        return {
            "aws:ec2launchtemplate:id": self.template.id,
            "aws:ec2launchtemplate:version": str(self.version.number),
        }


def _merge_groups(req: dict[str, Any], data: Mapping[str, Any], given: set[str]) -> None:
    primary = next((i for i in data.get("NetworkInterfaces") or [] if i.get("DeviceIndex", 0) == 0), None)
    if "SubnetId" not in req and "NetworkInterfaces" not in req and primary and primary.get("SubnetId"):
        req["SubnetId"] = primary["SubnetId"]
        given.add("SubnetId")
    if "SecurityGroupIds" in req or "SecurityGroups" in req:
        return
    group_ids = data.get("SecurityGroupIds") or (primary or {}).get("Groups")
    if group_ids:
        req["SecurityGroupIds"] = list(group_ids)
        given.add("SecurityGroupIds")
    if data.get("SecurityGroups"):
        req["SecurityGroups"] = list(data["SecurityGroups"])
        given.add("SecurityGroups")


def _merge_devices(req: dict[str, Any], data: Mapping[str, Any], given: set[str]) -> None:
    template = data.get("BlockDeviceMappings") or []
    if not template:
        return
    requested = req.get("BlockDeviceMappings") or []
    names = {m.get("DeviceName") for m in requested}
    req["BlockDeviceMappings"] = [m for m in template if m.get("DeviceName") not in names] + list(requested)
    if not requested:
        given.add("BlockDeviceMappings")


def _merge_tags(req: dict[str, Any], data: Mapping[str, Any]) -> None:
    requested = list(req.get("TagSpecifications") or [])
    kinds = {s.get("ResourceType") for s in requested}
    # Only the types RunInstances emulates; a template may also tag spot requests or GPUs.
    inherited = [
        s
        for s in data.get("TagSpecifications") or []
        if s.get("ResourceType") in ("instance", "volume", "network-interface")
        and s.get("ResourceType") not in kinds
    ]
    if inherited:
        req["TagSpecifications"] = inherited + requested


def merged(req: Mapping[str, Any], data: Mapping[str, Any], given: set[str]) -> dict[str, Any]:
    """The request with the template data under it; `given` collects what the template supplied."""
    out = {k: v for k, v in req.items() if k != "LaunchTemplate"}
    for name in _SCALARS:
        if name in data and name not in out:
            out[name] = data[name]
            given.add(name)
    if "RamDiskId" in data and "RamdiskId" not in out:
        out["RamdiskId"] = data["RamDiskId"]
    for name in _STRUCTURES:
        if name in data:
            out[name] = {**data[name], **(out.get(name) or {})}
    _merge_groups(out, data, given)
    _merge_devices(out, data, given)
    _merge_tags(out, data)
    return out


def resolve_template(
    ctx: RequestContext, req: Mapping[str, Any]
) -> tuple[dict[str, Any], TemplateUse | None, AwsError | None]:
    """The effective request, the template use, and the error naming the template (if any)."""
    spec = req.get("LaunchTemplate")
    if spec is None:
        return dict(req), None, None
    use = TemplateUse(spec.get("LaunchTemplateId") or spec.get("LaunchTemplateName") or "*")
    try:
        use.template = find_template(ctx, spec.get("LaunchTemplateId"), spec.get("LaunchTemplateName"))
        use.version = find_version(use.template, spec.get("Version"))
    except AwsError as error:
        return {k: v for k, v in req.items() if k != "LaunchTemplate"}, use, error
    return merged(req, use.version.data, use.given), use, None


def template_checks(ctx: RequestContext, use: TemplateUse | None, checks: Iterable[Check]) -> Iterator[Check]:
    """RunInstances' checks with the launch-template keys, then the check on the template."""
    if use is None:
        yield from checks
        return
    action = "ec2:RunInstances"
    template_arn = (
        LAUNCH_TEMPLATE.resource_arn(use.template, ctx.region, ctx.account_id)
        if use.template is not None
        else LAUNCH_TEMPLATE.arn(ctx.region, ctx.account_id, use.named)
    )
    for check in checks:
        if check.action != action:
            yield check
            continue
        parsed = parse_arn(check.resource)
        kind = parsed.resource_type if parsed else ""
        ours = kind == "instance" or any(p in use.given for p in _PARAMETERS.get(kind, ()))
        keys = {"ec2:LaunchTemplate": template_arn, "ec2:IsLaunchTemplateResource": flag(ours)}
        yield replace(check, context={**check.context, **keys})
    if use.template is not None:
        own = resource_check(ctx, action, use.template)
        yield replace(
            own,
            context={
                **own.context,
                "ec2:LaunchTemplate": template_arn,
                "ec2:IsLaunchTemplateResource": "true",
            },
        )
    else:
        yield unresolved(ctx, action, "launch-template", use.named)
