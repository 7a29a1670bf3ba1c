"""Instance attributes, metadata options and instance status.

DescribeInstanceAttribute / ModifyInstanceAttribute / ResetInstanceAttribute work on
one attribute per call, named as the model's `InstanceAttributeName` enum names it.
ModifyInstanceAttribute takes it either as ``Attribute`` + ``Value`` or as one of its
structured members (``InstanceType={"Value": ...}``, ``Groups=[...]``, ...); both are
normalised to ``(attribute, value)`` before one table of setters applies it.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ec2sim.api.authorization import NO_RESOURCES
from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.filters import FilterSet
from ec2sim.api.ec2.instance_views import block_device_mappings, find_instances
from ec2sim.api.ec2.paging import paginate
from ec2sim.api.ec2.plans import InstancesPlan, instances_resolver, plan_instance
from ec2sim.api.errors import AwsError
from ec2sim.api.registry import ec2_action
from ec2sim.store.ec2.instance_types import architectures, is_instance_type
from ec2sim.store.ec2.instances import Instance
from ec2sim.store.ec2.region import Ec2Region

if TYPE_CHECKING:
    from types_boto3_ec2.type_defs import (
        DescribeInstanceAttributeRequestTypeDef,
        DescribeInstanceStatusRequestTypeDef,
        ModifyInstanceAttributeRequestTypeDef,
        ModifyInstanceMetadataOptionsRequestTypeDef,
        ResetInstanceAttributeRequestTypeDef,
    )

    AttributeRequest = DescribeInstanceAttributeRequestTypeDef | ResetInstanceAttributeRequestTypeDef

MAX_STATUS_INSTANCE_IDS = 100
USER_DATA_LIMIT = 16384


def check_architecture(instance_type: str, image_architecture: str) -> None:
    """AWS's error when `instance_type` cannot run an AMI of `image_architecture` (RunInstances too)."""
    supported = architectures(instance_type)
    if image_architecture not in supported:
        arch = supported[-1]  # i386 types name x86_64 last: the one their AMIs usually are
        raise AwsError(
            "InvalidParameterValue",
            f"The architecture '{arch}' of the specified instance type does not match the architecture "
            f"'{image_architecture}' of the specified AMI. Specify an instance type and an AMI that have "
            "matching architectures, and try again. You can use 'describe-instance-types' or "
            "'describe-images' to discover the architecture of the instance type or AMI.",
        )


def checked_user_data(value: str | None) -> str | None:
    """Base64 user data of at most 16 KB decoded (RunInstances too)."""
    if value is None:
        return None
    try:
        decoded = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise AwsError("InvalidParameterValue", "Invalid BASE64 encoding of user data.") from None
    if len(decoded) > USER_DATA_LIMIT:
        raise AwsError("InvalidParameterValue", f"User data is limited to {USER_DATA_LIMIT} bytes")
    return value


def find_instance(ctx: RequestContext, instance_id: str) -> Instance:
    """The caller's instance, or the Malformed / NotFound error DescribeInstances gives."""
    return find_instances(ctx, [instance_id])[0]


def require_stopped(instance: Instance) -> None:
    if instance.state != "stopped":
        raise AwsError(
            "IncorrectInstanceState", f"The instance '{instance.id}' is not in the 'stopped' state."
        )


# DescribeInstanceStatus ------------------------------------------------------------------


def _summary(instance: Instance) -> dict[str, Any]:
    """InstanceStatus / SystemStatus / AttachedEbsStatus: checks pass while running."""
    if instance.state != "running":
        return {"Status": "not-applicable"}
    return {"Status": "ok", "Details": [{"Name": "reachability", "Status": "passed"}]}


def _reachability(instance: Instance) -> list[str]:
    return [d["Status"] for d in _summary(instance).get("Details", [])]


_STATUS_FILTERS = FilterSet(
    {
        "availability-zone": lambda i: i.availability_zone,
        "availability-zone-id": lambda i: i.availability_zone_id,
        "instance-state-name": lambda i: i.state,
        "instance-state-code": lambda i: i.state_code,
        "instance-status.status": lambda i: _summary(i)["Status"],
        "instance-status.reachability": _reachability,
        "system-status.status": lambda i: _summary(i)["Status"],
        "system-status.reachability": _reachability,
        "attached-ebs-status.status": lambda i: _summary(i)["Status"],
        # No scheduled events are emulated: these filters match nothing.
        "event.code": lambda i: None,
        "event.description": lambda i: None,
        "event.instance-event-id": lambda i: None,
        "event.not-after": lambda i: None,
        "event.not-before": lambda i: None,
        "event.not-before-deadline": lambda i: None,
        "operator.managed": lambda i: False,
        "operator.principal": lambda i: None,
    }
)


def _zone_id(region: Ec2Region, zone_name: str) -> str | None:
    zone = region.zone(zone_name)
    return zone.zone_id if zone else None


def _status_view(region: Ec2Region, instance: Instance) -> dict[str, Any]:
    summary = _summary(instance)
    return {
        "InstanceId": instance.id,
        "AvailabilityZone": instance.availability_zone,
        "AvailabilityZoneId": _zone_id(region, instance.availability_zone),
        "InstanceState": {"Code": instance.state_code, "Name": instance.state},
        "InstanceStatus": summary,
        "SystemStatus": summary,
        "AttachedEbsStatus": summary,
        "Operator": {"Managed": False},
    }


def _status_candidates(ctx: RequestContext, req: DescribeInstanceStatusRequestTypeDef) -> list[Instance]:
    ids = req.get("InstanceIds")
    if not ids:
        return list(ctx.ec2.instances)
    if req.get("MaxResults") is not None:
        raise AwsError(
            "InvalidParameterCombination",
            "The parameter instancesSet cannot be used with the parameter maxResults",
        )
    if len(ids) > MAX_STATUS_INSTANCE_IDS:
        raise AwsError(
            "InvalidRequest",
            f"{len(ids)} exceeds the maximum number of instance IDs that can be specificied "
            f"({MAX_STATUS_INSTANCE_IDS}). Please specify fewer than {MAX_STATUS_INSTANCE_IDS} instance IDs.",
        )
    return find_instances(ctx, ids)


@ec2_action("DescribeInstanceStatus", resolve=NO_RESOURCES)
def describe_instance_status(
    ctx: RequestContext, req: DescribeInstanceStatusRequestTypeDef
) -> dict[str, Any]:
    """Status checks; only running instances unless IncludeAllInstances (even for given ids)."""
    instances = _status_candidates(ctx, req)
    if not req.get("IncludeAllInstances"):
        instances = [i for i in instances if i.state == "running"]
    instances = _STATUS_FILTERS.apply(instances, req.get("Filters"))
    page, token = paginate(instances, req)
    return {"InstanceStatuses": [_status_view(ctx.ec2, i) for i in page], "NextToken": token}


# DescribeInstanceAttribute ---------------------------------------------------------------


def _text(value: str | None) -> dict[str, Any]:
    return {"Value": value} if value is not None else {}


def _flag(value: bool) -> dict[str, Any]:
    return {"Value": value}


def _groups(region: Ec2Region, instance: Instance) -> list[dict[str, Any]]:
    groups = (region.security_groups.get(g) for g in instance.group_ids)
    return [{"GroupId": g.id, "GroupName": g.name} for g in groups if g is not None]


Describer = Callable[[Ec2Region, Instance], Any]

# Attribute → (member of the InstanceAttribute output, its value).
_DESCRIBERS: dict[str, tuple[str, Describer]] = {
    "instanceType": ("InstanceType", lambda r, i: _text(i.instance_type)),
    "kernel": ("KernelId", lambda r, i: _text(i.kernel_id)),
    "ramdisk": ("RamdiskId", lambda r, i: _text(i.ramdisk_id)),
    "userData": ("UserData", lambda r, i: _text(i.user_data)),
    "disableApiTermination": ("DisableApiTermination", lambda r, i: _flag(i.disable_api_termination)),
    "instanceInitiatedShutdownBehavior": (
        "InstanceInitiatedShutdownBehavior",
        lambda r, i: _text(i.shutdown_behavior),
    ),
    "rootDeviceName": ("RootDeviceName", lambda r, i: _text(i.root_device_name)),
    "blockDeviceMapping": ("BlockDeviceMappings", lambda region, instance: block_device_mappings(instance)),
    "productCodes": ("ProductCodes", lambda r, i: []),
    "sourceDestCheck": ("SourceDestCheck", lambda r, i: _flag(i.source_dest_check)),
    "groupSet": ("Groups", _groups),
    "ebsOptimized": ("EbsOptimized", lambda r, i: _flag(i.ebs_optimized)),
    "sriovNetSupport": ("SriovNetSupport", lambda r, i: {}),
    "enaSupport": ("EnaSupport", lambda r, i: _flag(i.ena_support)),
    "enclaveOptions": ("EnclaveOptions", lambda r, i: {"Enabled": i.enclave_enabled}),
    "disableApiStop": ("DisableApiStop", lambda r, i: _flag(i.disable_api_stop)),
}


def _instance_id(req: AttributeRequest) -> list[str]:
    return [req.get("InstanceId", "")]


def _unknown_attribute(attribute: str) -> AwsError:
    return AwsError(
        "InvalidParameterValue", f"Value ({attribute}) for parameter attribute is invalid. Unknown attribute."
    )


def _known_attribute(req: AttributeRequest) -> None:
    if req["Attribute"] not in _DESCRIBERS:
        raise _unknown_attribute(req["Attribute"])


@ec2_action("DescribeInstanceAttribute", resolve=instances_resolver(_instance_id, _known_attribute))
def describe_instance_attribute(
    ctx: RequestContext, req: DescribeInstanceAttributeRequestTypeDef, plan: InstancesPlan
) -> dict[str, Any]:
    instance = plan.instance
    member, describe = _DESCRIBERS[req["Attribute"]]
    return {"InstanceId": instance.id, member: describe(ctx.ec2, instance)}


# ModifyInstanceAttribute -----------------------------------------------------------------

# Structured request member → the attribute it modifies.
_MEMBERS: dict[str, str] = {
    "InstanceType": "instanceType",
    "Kernel": "kernel",
    "Ramdisk": "ramdisk",
    "UserData": "userData",
    "DisableApiTermination": "disableApiTermination",
    "DisableApiStop": "disableApiStop",
    "InstanceInitiatedShutdownBehavior": "instanceInitiatedShutdownBehavior",
    "SourceDestCheck": "sourceDestCheck",
    "Groups": "groupSet",
    "EbsOptimized": "ebsOptimized",
    "EnaSupport": "enaSupport",
    "SriovNetSupport": "sriovNetSupport",
    "BlockDeviceMappings": "blockDeviceMapping",
}
_BOOLEANS = frozenset(
    {"disableApiTermination", "disableApiStop", "sourceDestCheck", "ebsOptimized", "enaSupport"}
)
# Attributes AWS changes only while the instance is stopped.
_WHILE_STOPPED = frozenset(
    {"instanceType", "kernel", "ramdisk", "userData", "ebsOptimized", "enaSupport", "sriovNetSupport"}
)
_SHUTDOWN_BEHAVIORS = ("stop", "terminate")


def _member_value(member: str, raw: Any) -> Any:
    """The plain value of a structured member (``{"Value": x}`` → x; UserData as base64 text)."""
    if member in ("Groups", "BlockDeviceMappings"):
        return raw
    value = raw.get("Value")
    if member == "UserData":
        return base64.b64encode(value or b"").decode()
    return value


def _attribute_value(attribute: str, value: str) -> Any:
    """A value given as ``Attribute=...&Value=...`` (always a string on the wire)."""
    if attribute not in _BOOLEANS:
        return value
    if value.lower() not in ("true", "false"):
        raise AwsError(
            "InvalidParameterValue",
            f"Value ({value}) for parameter value is invalid. Expected: 'true' or 'false'.",
        )
    return value.lower() == "true"


def _requested_change(req: Mapping[str, Any]) -> tuple[str, Any]:
    """The one (attribute, value) a ModifyInstanceAttribute call asks for."""
    changes = [(_MEMBERS[m], _member_value(m, req[m])) for m in _MEMBERS if req.get(m) not in (None, [])]
    attribute = req.get("Attribute")
    if attribute is not None:
        if attribute not in _DESCRIBERS:
            raise _unknown_attribute(attribute)
        if req.get("Value") is not None:
            changes.append((attribute, _attribute_value(attribute, req["Value"])))
    elif req.get("Value") is not None:
        raise AwsError("MissingParameter", "The request must contain the parameter attribute")
    if not changes:
        raise AwsError("InvalidParameterCombination", "No attributes specified.")
    if len(changes) > 1:
        raise AwsError("InvalidParameterCombination", "Fields for multiple attribute types specified")
    return changes[0]


def _set_instance_type(region: Ec2Region, instance: Instance, value: Any) -> None:
    if not value or not is_instance_type(value):
        raise AwsError(
            "InvalidInstanceAttributeValue", f"Value ({value}) for parameter instanceType is invalid."
        )
    check_architecture(value, instance.architecture)
    region.instances.update(instance, instance_type=value)


def _set_shutdown_behavior(region: Ec2Region, instance: Instance, value: Any) -> None:
    if value not in _SHUTDOWN_BEHAVIORS:
        raise AwsError(
            "InvalidParameterValue",
            f"Value ({value}) for parameter instanceInitiatedShutdownBehavior is invalid. "
            f"Expected: 'stop' or 'terminate'.",
        )
    region.instances.update(instance, shutdown_behavior=value)


def _set_source_dest_check(region: Ec2Region, instance: Instance, value: Any) -> None:
    """The instance's flag is its primary network interface's."""
    region.instances.update(instance, source_dest_check=value)
    eni = region.network_interfaces.get(instance.network_interface_id)
    if eni is not None:
        region.network_interfaces.update(eni, source_dest_check=value)


def _set_groups(region: Ec2Region, instance: Instance, group_ids: Any) -> None:
    """Security groups of the instance's VPC replace its (and its primary interface's) groups."""
    for group_id in group_ids:
        group = region.security_groups.get(group_id)
        if group is None or group.vpc_id != instance.vpc_id:
            raise AwsError(
                "InvalidGroup.NotFound",
                f"The security group '{group_id}' does not exist in VPC '{instance.vpc_id}'",
            )
    ids = list(dict.fromkeys(group_ids))
    region.instances.update(instance, group_ids=ids)
    eni = region.network_interfaces.get(instance.network_interface_id)
    if eni is not None:
        region.set_interface_groups(eni, list(ids))


def _set_block_devices(region: Ec2Region, instance: Instance, mappings: Any) -> None:
    """Only DeleteOnTermination of attached volumes can change (default true, as AWS)."""
    by_device = {d.device_name: d for d in instance.block_devices}
    changes: dict[str, bool] = {}
    for mapping in mappings:
        device = mapping.get("DeviceName")
        if device not in by_device:
            raise AwsError("InvalidInstanceAttributeValue", f"No device is currently mapped at {device}")
        changes[device] = mapping.get("Ebs", {}).get("DeleteOnTermination", True)
    devices = [
        dataclasses.replace(d, delete_on_termination=changes[d.device_name])
        if d.device_name in changes
        else d
        for d in instance.block_devices
    ]
    region.instances.update(instance, block_devices=devices)
    for device in devices:
        volume = region.volumes.get(device.volume_id)
        if volume is not None and device.device_name in changes:
            region.volumes.update(volume, delete_on_termination=device.delete_on_termination)


def _setter(field: str) -> Callable[[Ec2Region, Instance, Any], None]:
    def set_field(region: Ec2Region, instance: Instance, value: Any) -> None:
        region.instances.update(instance, **{field: value})

    return set_field


def _unmodifiable(attribute: str) -> Callable[[Ec2Region, Instance, Any], None]:
    def refuse(region: Ec2Region, instance: Instance, value: Any) -> None:
        raise AwsError("InvalidParameterCombination", f"The attribute '{attribute}' cannot be modified.")

    return refuse


_SETTERS: dict[str, Callable[[Ec2Region, Instance, Any], None]] = {
    "instanceType": _set_instance_type,
    "kernel": _setter("kernel_id"),
    "ramdisk": _setter("ramdisk_id"),
    "userData": lambda region, instance, value: _setter("user_data")(
        region, instance, checked_user_data(value)
    ),
    "disableApiTermination": _setter("disable_api_termination"),
    "disableApiStop": _setter("disable_api_stop"),
    "instanceInitiatedShutdownBehavior": _set_shutdown_behavior,
    "sourceDestCheck": _set_source_dest_check,
    "groupSet": _set_groups,
    "ebsOptimized": _setter("ebs_optimized"),
    "enaSupport": _setter("ena_support"),
    "blockDeviceMapping": _set_block_devices,
    # Lead: Instance needs a `sriov_net_support` field before this can be stored.
    "sriovNetSupport": _unmodifiable("sriovNetSupport"),
    "rootDeviceName": _unmodifiable("rootDeviceName"),
    "productCodes": _unmodifiable("productCodes"),
    "enclaveOptions": _unmodifiable("enclaveOptions"),
}


@ec2_action("ModifyInstanceAttribute", resolve=plan_instance)
def modify_instance_attribute(
    ctx: RequestContext, req: ModifyInstanceAttributeRequestTypeDef, plan: InstancesPlan
) -> None:
    instance = plan.instance
    attribute, value = _requested_change(req)
    if instance.state == "terminated":
        raise AwsError(
            "IncorrectInstanceState",
            f"The instance '{instance.id}' is not in a valid state for this operation.",
        )
    if attribute in _WHILE_STOPPED:
        require_stopped(instance)
    _SETTERS[attribute](ctx.ec2, instance, value)


# ResetInstanceAttribute ------------------------------------------------------------------

_RESETTABLE = ("kernel", "ramdisk", "sourceDestCheck")


def _resettable(req: ResetInstanceAttributeRequestTypeDef) -> None:
    _known_attribute(req)
    if req["Attribute"] not in _RESETTABLE:
        raise AwsError(
            "InvalidParameterValue",
            f"Value ({req['Attribute']}) for parameter attribute is invalid. "
            f"Only kernel, ramdisk and sourceDestCheck can be reset.",
        )


@ec2_action("ResetInstanceAttribute", resolve=instances_resolver(_instance_id, _resettable))
def reset_instance_attribute(
    ctx: RequestContext, req: ResetInstanceAttributeRequestTypeDef, plan: InstancesPlan
) -> None:
    """kernel and ramdisk go back to none (stopped instances only), sourceDestCheck to true."""
    attribute, instance = req["Attribute"], plan.instance
    if attribute == "sourceDestCheck":
        _set_source_dest_check(ctx.ec2, instance, True)
        return
    require_stopped(instance)
    _SETTERS[attribute](ctx.ec2, instance, None)


# ModifyInstanceMetadataOptions -----------------------------------------------------------

# Request member → the values AWS accepts.
_METADATA_CHOICES: dict[str, tuple[str, ...]] = {
    "HttpTokens": ("optional", "required"),
    "HttpEndpoint": ("enabled", "disabled"),
    "HttpProtocolIpv6": ("enabled", "disabled"),
    "InstanceMetadataTags": ("enabled", "disabled"),
}
MIN_HOP_LIMIT, MAX_HOP_LIMIT = 1, 64


def _invalid_option(member: str, value: Any) -> AwsError:
    return AwsError("InvalidParameterValue", f"Value ({value}) for parameter {member} is invalid.")


def _metadata_changes(req: Mapping[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for member, choices in _METADATA_CHOICES.items():
        value = req.get(member)
        if value is None:
            continue
        if value not in choices:
            raise _invalid_option(member, value)
        changes[member] = value
    hop_limit = req.get("HttpPutResponseHopLimit")
    if hop_limit is not None:
        if not MIN_HOP_LIMIT <= hop_limit <= MAX_HOP_LIMIT:
            raise _invalid_option("HttpPutResponseHopLimit", hop_limit)
        changes["HttpPutResponseHopLimit"] = hop_limit
    return changes


@ec2_action("ModifyInstanceMetadataOptions", resolve=plan_instance)
def modify_instance_metadata_options(
    ctx: RequestContext, req: ModifyInstanceMetadataOptionsRequestTypeDef, plan: InstancesPlan
) -> dict[str, Any]:
    """Changes only the options given; AWS answers ``State: pending`` while they apply."""
    instance = plan.instance
    changes = _metadata_changes(req)
    if instance.state in ("shutting-down", "terminated"):
        raise AwsError(
            "IncorrectInstanceState",
            f"The instance '{instance.id}' is not in a valid state for this operation.",
        )
    options = {**instance.metadata_options, **changes, "State": "applied"}
    ctx.ec2.instances.update(instance, metadata_options=options)
    return {"InstanceId": instance.id, "InstanceMetadataOptions": {**options, "State": "pending"}}
