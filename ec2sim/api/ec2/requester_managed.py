"""What the user may not do to what an AWS service manages: a requester-managed network interface
(a NAT gateway's, an interface endpoint's: `ec2sim.store.ec2.managed_interfaces`) and the Elastic
IP a NAT gateway holds on one."""

from __future__ import annotations

from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.named import NamedPlan, find_interface, resolve
from ec2sim.api.errors import AwsError
from ec2sim.store.ec2.network import NetworkInterface


def not_yours() -> AwsError:
    """AWS's answer to changing what a service manages: moving, disassociating or releasing a NAT
    gateway's Elastic IP (recorded in the Terraform, kops and leftovers issue threads, with HTTP 400
    rather than AuthFailure's usual 401). Assumed the same for modifying a requester-managed
    interface or its addresses (recorded for an ECS-managed interface only as an authorization
    error; the EC2 User Guide says such attributes can't be changed)."""
    return AwsError("AuthFailure", "You do not have permission to access the specified resource.", status=400)


def own_interface(ctx: RequestContext, plan: NamedPlan, interface_id: str) -> NetworkInterface | None:
    """The interface a request names (resolved on the plan), refused if a service manages it."""
    eni = resolve(plan, "network-interface", interface_id, lambda: find_interface(ctx, interface_id))
    if eni is not None and eni.requester_managed:
        plan.fail(not_yours())
    return eni
