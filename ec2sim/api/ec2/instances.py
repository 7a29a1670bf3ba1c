"""Instances: RunInstances and the lifecycle actions (start, stop, reboot, terminate).

A launch is resolved (looked up, validated, authorized) by `launch.plan_launch`, then built
here; the instance dict and DescribeInstances are in `instance_views.py`; timed state changes
in the store.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.iam_profiles import association
from ec2sim.api.ec2.instance_views import instance_view, reservations
from ec2sim.api.ec2.launch import LaunchPlan, plan_launch
from ec2sim.api.ec2.launch_interfaces import build_interfaces
from ec2sim.api.ec2.plans import InstancesPlan, plan_instances
from ec2sim.api.errors import AwsError
from ec2sim.api.registry import ec2_action
from ec2sim.store.ec2 import lifecycle
from ec2sim.store.ec2.images import ImageBlockDevice
from ec2sim.store.ec2.instance_types import cpu_options
from ec2sim.store.ec2.instances import BlockDevice, Instance
from ec2sim.store.ec2.network import NetworkInterface, Subnet
from ec2sim.store.ec2.volumes import Volume, default_kms_key

if TYPE_CHECKING:
    from types_boto3_ec2.type_defs import (
        RebootInstancesRequestTypeDef,
        RunInstancesRequestTypeDef,
        StartInstancesRequestTypeDef,
        StopInstancesRequestTypeDef,
        TerminateInstancesRequestTypeDef,
    )


def _reservation(ctx: RequestContext, members: list[Instance]) -> dict[str, Any]:
    views = ((i, instance_view(ctx.ec2, i)) for i in members)
    return reservations(ctx.account_id, views)[0]


@ec2_action("RunInstances", resolve=plan_launch)
def run_instances(ctx: RequestContext, req: RunInstancesRequestTypeDef, plan: LaunchPlan) -> dict[str, Any]:
    """Launch MinCount..MaxCount instances (one reservation) from an image the caller may launch."""
    if plan.earlier:
        return _reservation(ctx, plan.earlier)
    reservation_id = ctx.ec2.ids.hex_id("r")
    launched = []
    for index in range(plan.count):
        instance, interfaces, volumes = build_instance(ctx, plan, reservation_id, index)
        lifecycle.launch(ctx.ec2, instance, interfaces, volumes, ctx.now, ctx.config.instance_start_seconds)
        launched.append(instance)
    return _reservation(ctx, launched)


# Building -------------------------------------------------------------------------


def build_instance(
    ctx: RequestContext, plan: LaunchPlan, reservation_id: str, index: int
) -> tuple[Instance, list[NetworkInterface], list[Volume]]:
    """One instance of the plan, with its interfaces (new ones not yet stored; the primary first)
    and volumes (not yet stored)."""
    req, image, subnet = plan.req, plan.image, plan.subnet
    assert image is not None and subnet is not None  # a plan without an error resolved them
    now = ctx.now.replace(microsecond=0)  # AWS reports launch and attach times in whole seconds
    instance_id = ctx.ec2.ids.hex_id("i")
    interfaces = build_interfaces(ctx, plan, instance_id, now)
    interface = interfaces[0]
    volumes = [_volume(ctx, plan, subnet, device, instance_id, now) for device in plan.devices]
    cores, threads = cpu_options(plan.instance_type)
    monitoring = req.get("Monitoring")
    instance = Instance(
        instance_id,
        owner_id=ctx.account_id,
        reservation_id=reservation_id,
        image_id=image.id,
        instance_type=plan.instance_type,
        availability_zone=subnet.availability_zone,
        subnet_id=subnet.id,
        vpc_id=subnet.vpc_id,
        network_interface_id=interface.id,
        private_ip_address=interface.private_ip_address,
        launch_time=now,
        ami_launch_index=index,
        group_ids=list(interface.group_ids),
        key_name=req.get("KeyName"),
        public_ip_address=interface.public_ip,
        client_token=req.get("ClientToken"),
        user_data=plan.user_data,
        architecture=image.architecture,
        platform=image.platform,
        platform_details=image.platform_details,
        usage_operation=image.usage_operation,
        root_device_name=image.root_device_name,
        root_device_type=image.root_device_type,
        virtualization_type=image.virtualization_type,
        hypervisor=image.hypervisor,
        boot_mode=image.boot_mode,
        ena_support=image.ena_support,
        ebs_optimized=bool(req.get("EbsOptimized")),
        monitoring="enabled" if monitoring and monitoring.get("Enabled") else "disabled",
        tenancy=(req.get("Placement") or {}).get("Tenancy", "default"),
        kernel_id=req.get("KernelId", image.kernel_id),
        ramdisk_id=req.get("RamdiskId", image.ramdisk_id),
        block_devices=[BlockDevice(v.device or "", v.id, now, v.delete_on_termination) for v in volumes],
        iam_profile=association(ctx, plan.profile) if plan.profile is not None else None,
        metadata_options=plan.metadata_options,  # one dict for the request's instances (see Instance)
        disable_api_termination=bool(req.get("DisableApiTermination")),
        disable_api_stop=bool(req.get("DisableApiStop")),
        shutdown_behavior=req.get("InstanceInitiatedShutdownBehavior", "stop"),
        cpu_core_count=cores,
        cpu_threads_per_core=threads,
        hibernation_configured=bool((req.get("HibernationOptions") or {}).get("Configured")),
        enclave_enabled=bool((req.get("EnclaveOptions") or {}).get("Enabled")),
        request_fingerprint=plan.fingerprint,
        tags={**plan.tags["instance"], **plan.system_tags},
    )
    return instance, interfaces, volumes


def _volume(
    ctx: RequestContext,
    plan: LaunchPlan,
    subnet: Subnet,
    device: ImageBlockDevice,
    instance_id: str,
    now: datetime,
) -> Volume:
    zone = ctx.ec2.zone(subnet.availability_zone)
    iops = (
        device.iops
        if device.iops is not None
        else (max(100, 3 * device.volume_size) if device.volume_type == "gp2" else None)
    )
    return Volume(
        ctx.ec2.ids.hex_id("vol"),
        ctx.account_id,
        subnet.availability_zone,
        zone.zone_id if zone else subnet.availability_zone_id,
        device.volume_size,
        device.volume_type,
        now,
        state="in-use",
        snapshot_id=device.snapshot_id or "",
        iops=iops,
        throughput=device.throughput,
        encrypted=device.encrypted,
        kms_key_id=default_kms_key(ctx.region, ctx.account_id) if device.encrypted else None,
        instance_id=instance_id,
        device=device.device_name,
        attach_state="attached",
        attach_time=now,
        delete_on_termination=device.delete_on_termination,
        tags=dict(plan.tags["volume"]),
    )


# Lifecycle ---------------------------------------------------------------------------


def _state(instance: Instance) -> dict[str, Any]:
    return {"Code": instance.state_code, "Name": instance.state}


def _state_changes(
    plan: InstancesPlan,
    check: Callable[[Instance], None],
    apply: Callable[[Instance], None],
) -> list[dict[str, Any]]:
    """Check every named instance first (one failure fails the call), then change each."""
    instances = plan.instances
    for instance in instances:
        check(instance)
    changes = []
    for instance in instances:
        previous = _state(instance)
        apply(instance)
        changes.append(
            {"CurrentState": _state(instance), "InstanceId": instance.id, "PreviousState": previous}
        )
    return changes


def _incorrect_state(instance: Instance, verb: str) -> AwsError:
    return AwsError(
        "IncorrectInstanceState",
        f"The instance '{instance.id}' is not in a state from which it can be {verb}.",
    )


def _not_permitted(instance: Instance, verb: str, attribute: str) -> AwsError:
    return AwsError(
        "OperationNotPermitted",
        f"The instance '{instance.id}' may not be {verb}. Modify its '{attribute}' instance attribute and try again.",
    )


@ec2_action("StartInstances", resolve=plan_instances)
def start_instances(
    ctx: RequestContext, req: StartInstancesRequestTypeDef, plan: InstancesPlan
) -> dict[str, Any]:
    def check(instance: Instance) -> None:
        if instance.state in ("stopping", "shutting-down", "terminated"):
            raise _incorrect_state(instance, "started")

    def apply(instance: Instance) -> None:
        if instance.state == "stopped":
            lifecycle.start(ctx.ec2, instance, ctx.now, ctx.config.instance_start_seconds)

    return {"StartingInstances": _state_changes(plan, check, apply)}


@ec2_action("StopInstances", resolve=plan_instances)
def stop_instances(
    ctx: RequestContext, req: StopInstancesRequestTypeDef, plan: InstancesPlan
) -> dict[str, Any]:
    """Stop running instances (Force and Hibernate are accepted; both just stop)."""

    def check(instance: Instance) -> None:
        if instance.state in ("pending", "shutting-down", "terminated"):
            raise _incorrect_state(instance, "stopped")
        if instance.disable_api_stop:
            raise _not_permitted(instance, "stopped", "disableApiStop")

    def apply(instance: Instance) -> None:
        if instance.state == "running":
            lifecycle.stop(ctx.ec2, instance, ctx.now, ctx.config.instance_stop_seconds)

    return {"StoppingInstances": _state_changes(plan, check, apply)}


@ec2_action("TerminateInstances", resolve=plan_instances)
def terminate_instances(
    ctx: RequestContext, req: TerminateInstancesRequestTypeDef, plan: InstancesPlan
) -> dict[str, Any]:
    """Terminate instances; terminating a terminated (or shutting-down) one changes nothing."""

    def check(instance: Instance) -> None:
        if instance.disable_api_termination and instance.state not in ("shutting-down", "terminated"):
            raise _not_permitted(instance, "terminated", "disableApiTermination")

    def apply(instance: Instance) -> None:
        if instance.state not in ("shutting-down", "terminated"):
            lifecycle.terminate(ctx.ec2, instance, ctx.now, ctx.config.instance_stop_seconds)

    return {"TerminatingInstances": _state_changes(plan, check, apply)}


@ec2_action("RebootInstances", resolve=plan_instances)
def reboot_instances(ctx: RequestContext, req: RebootInstancesRequestTypeDef, plan: InstancesPlan) -> None:
    """A reboot is instantaneous here: a running instance stays running."""

    def check(instance: Instance) -> None:
        if instance.state not in ("pending", "running"):
            raise _incorrect_state(instance, "rebooted")

    _state_changes(plan, check, lambda instance: None)
