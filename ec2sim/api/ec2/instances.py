"""Instances: RunInstances and the lifecycle actions (start, stop, reboot, terminate).

Validation and building of a launch live in `launch.py`; the instance dict and
DescribeInstances in `instance_views.py`; timed state changes in the store.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.common import fingerprint
from ec2sim.api.ec2.instance_views import find_instances, instance_view, reservations
from ec2sim.api.ec2.launch import build_instance, check_client_token, plan_launch
from ec2sim.api.errors import AwsError
from ec2sim.api.registry import ec2_action
from ec2sim.store.ec2 import instances as lifecycle
from ec2sim.store.ec2.instances import Instance


def _reservation(ctx: RequestContext, members: list[Instance]) -> dict[str, Any]:
    views = ((i, instance_view(ctx.ec2, i)) for i in members)
    return reservations(ctx.account_id, views)[0]


def _by_client_token(ctx: RequestContext, token: str) -> list[Instance]:
    """Instances an earlier RunInstances with this ClientToken launched (same reservation)."""
    first = next(iter(ctx.ec2.instances.where("client_token", token)), None)
    return [] if first is None else list(ctx.ec2.instances.where("reservation_id", first.reservation_id))


@ec2_action("RunInstances")
def run_instances(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    """Launch MinCount..MaxCount instances (one reservation) from an image the caller may launch."""
    token = req.get("ClientToken")
    check_client_token(token)
    if token:
        earlier = _by_client_token(ctx, token)
        if earlier:
            if earlier[0].request_fingerprint != fingerprint(req):
                raise AwsError(
                    "IdempotentParameterMismatch",
                    "Arguments on this idempotent request are inconsistent with arguments used in previous request(s).",
                )
            return _reservation(ctx, earlier)
    plan = plan_launch(ctx, req)
    reservation_id = ctx.ec2.ids.hex_id("r")
    launched = []
    for index in range(plan.count):
        instance, interface, volumes = build_instance(ctx, plan, reservation_id, index)
        lifecycle.launch(ctx.ec2, instance, interface, volumes, ctx.now, ctx.config.instance_start_seconds)
        launched.append(instance)
    return _reservation(ctx, launched)


# Lifecycle ---------------------------------------------------------------------------


def _state(instance: Instance) -> dict[str, Any]:
    return {"Code": instance.state_code, "Name": instance.state}


def _state_changes(
    ctx: RequestContext,
    ids: list[str],
    check: Callable[[Instance], None],
    apply: Callable[[Instance], None],
) -> list[dict[str, Any]]:
    """Check every named instance first (one failure fails the call), then change each."""
    instances = find_instances(ctx, ids)
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


@ec2_action("StartInstances")
def start_instances(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    def check(instance: Instance) -> None:
        if instance.state in ("stopping", "shutting-down", "terminated"):
            raise _incorrect_state(instance, "started")

    def apply(instance: Instance) -> None:
        if instance.state == "stopped":
            subnet = ctx.ec2.subnets.get(instance.subnet_id)
            public_ip = (
                lifecycle.new_public_ip() if subnet is not None and subnet.map_public_ip_on_launch else None
            )
            lifecycle.start(ctx.ec2, instance, ctx.now, ctx.config.instance_start_seconds, public_ip)

    return {"StartingInstances": _state_changes(ctx, req["InstanceIds"], check, apply)}


@ec2_action("StopInstances")
def stop_instances(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    """Stop running instances (Force and Hibernate are accepted; both just stop)."""

    def check(instance: Instance) -> None:
        if instance.state in ("pending", "shutting-down", "terminated"):
            raise _incorrect_state(instance, "stopped")
        if instance.disable_api_stop:
            raise _not_permitted(instance, "stopped", "disableApiStop")

    def apply(instance: Instance) -> None:
        if instance.state == "running":
            lifecycle.stop(ctx.ec2, instance, ctx.now, ctx.config.instance_stop_seconds)

    return {"StoppingInstances": _state_changes(ctx, req["InstanceIds"], check, apply)}


@ec2_action("TerminateInstances")
def terminate_instances(ctx: RequestContext, req: dict[str, Any]) -> dict[str, Any]:
    """Terminate instances; terminating a terminated (or shutting-down) one changes nothing."""

    def check(instance: Instance) -> None:
        if instance.disable_api_termination and instance.state not in ("shutting-down", "terminated"):
            raise _not_permitted(instance, "terminated", "disableApiTermination")

    def apply(instance: Instance) -> None:
        if instance.state not in ("shutting-down", "terminated"):
            lifecycle.terminate(ctx.ec2, instance, ctx.now, ctx.config.instance_stop_seconds)

    return {"TerminatingInstances": _state_changes(ctx, req["InstanceIds"], check, apply)}


@ec2_action("RebootInstances")
def reboot_instances(ctx: RequestContext, req: dict[str, Any]) -> None:
    """A reboot is instantaneous here: a running instance stays running."""

    def check(instance: Instance) -> None:
        if instance.state not in ("pending", "running"):
            raise _incorrect_state(instance, "rebooted")

    _state_changes(ctx, req["InstanceIds"], check, lambda instance: None)
