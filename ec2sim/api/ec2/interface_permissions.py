"""Network interface permissions: letting another account (or an AWS service) attach an instance to
an interface (INSTANCE-ATTACH) or associate an Elastic IP with it (EIP-ASSOCIATE).

The grantee finds the interface through `named.find_interface` (`InterfaceRegistry.permitted`);
what it may then do is in interfaces.py and addresses.py. A permission is ``granted`` from its
creation. Deleting an INSTANCE-ATTACH permission while the grantee has the interface attached
needs Force; the attachment then stays (AWS: "regardless of any attachment") and the permission
stays ``revoked`` until the grantee's attachment ends (`lifecycle.detach_interface`), granting
nothing meanwhile. Assumed: AWS documents no states in between, so none are emulated.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ec2sim.api.authorization import NO_RESOURCES
from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.filters import FilterSet
from ec2sim.api.ec2.named import NamedPlan, find_interface, resolve
from ec2sim.api.ec2.paging import paginate
from ec2sim.api.errors import AwsError
from ec2sim.api.registry import ec2_action
from ec2sim.store.ec2.interface_registry import REVOKED
from ec2sim.store.ec2.interfaces import InterfacePermission

if TYPE_CHECKING:
    from types_boto3_ec2.type_defs import (
        CreateNetworkInterfacePermissionRequestTypeDef,
        DeleteNetworkInterfacePermissionRequestTypeDef,
        DescribeNetworkInterfacePermissionsRequestTypeDef,
    )

PERMISSIONS = ("INSTANCE-ATTACH", "EIP-ASSOCIATE")
_ACCOUNT = re.compile(r"\d{12}")


def _item(permission: InterfacePermission) -> dict[str, Any]:
    return {
        "NetworkInterfacePermissionId": permission.id,
        "NetworkInterfaceId": permission.network_interface_id,
        "AwsAccountId": permission.aws_account_id,
        "AwsService": permission.aws_service,
        "Permission": permission.permission,
        "PermissionState": {"State": permission.state},
    }


def plan_create(ctx: RequestContext, req: CreateNetworkInterfacePermissionRequestTypeDef) -> NamedPlan:
    plan = NamedPlan()
    interface_id = req.get("NetworkInterfaceId", "")
    resolve(plan, "network-interface", interface_id, lambda: find_interface(ctx, interface_id))
    account, service, permission = req.get("AwsAccountId"), req.get("AwsService"), req.get("Permission", "")
    plan.keys["ec2:Permission"] = permission
    if account:
        plan.keys["ec2:AuthorizedUser"] = account
    if service:
        plan.keys["ec2:AuthorizedService"] = service
    if permission not in PERMISSIONS:
        plan.fail(
            AwsError("InvalidParameterValue", f"Value ({permission}) for parameter permission is invalid.")
        )
    elif bool(account) == bool(service):
        plan.fail(
            AwsError(
                "InvalidParameterCombination",
                "Exactly one of the parameters awsAccountId or awsService must be specified.",
            )
        )
    elif account and not _ACCOUNT.fullmatch(account):
        plan.fail(
            AwsError("InvalidParameterValue", f"Value ({account}) for parameter awsAccountId is invalid.")
        )
    return plan


@ec2_action("CreateNetworkInterfacePermission", resolve=plan_create)
def create_network_interface_permission(
    ctx: RequestContext, req: CreateNetworkInterfacePermissionRequestTypeDef, plan: NamedPlan
) -> dict[str, Any]:
    permission = InterfacePermission(
        ctx.ec2.ids.hex_id("eni-perm"),
        req["NetworkInterfaceId"],
        req["Permission"],
        aws_account_id=req.get("AwsAccountId"),
        aws_service=req.get("AwsService"),
    )
    ctx.ec2.interface_permissions.add(permission)
    return {"InterfacePermission": _item(permission)}


def plan_delete(ctx: RequestContext, req: DeleteNetworkInterfacePermissionRequestTypeDef) -> NamedPlan:
    plan = NamedPlan()
    permission_id = req.get("NetworkInterfacePermissionId", "")
    permission = ctx.ec2.interface_permissions.get(permission_id)
    if permission is None:
        # Assumed wording, after EC2's other NotFound errors.
        plan.fail(
            AwsError(
                "InvalidPermissionID.NotFound",
                f"The network interface permission ID '{permission_id}' does not exist",
            )
        )
        plan.name("network-interface", "*", None)
    else:
        interface_id = permission.network_interface_id
        eni = ctx.ec2.network_interfaces.get(interface_id)
        plan.name("network-interface", interface_id, eni)
        in_use = (
            permission.permission == "INSTANCE-ATTACH"
            and eni is not None
            and eni.instance_owner_id == permission.aws_account_id
        )
        plan.values["in_use"] = in_use
        if in_use and permission.state != REVOKED and not req.get("Force"):
            # Assumed code and wording: AWS documents the refusal, not its error.
            plan.fail(
                AwsError(
                    "OperationNotPermitted",
                    f"The network interface permission '{permission.id}' is in use: account "
                    f"{permission.aws_account_id} has attached network interface '{interface_id}' to "
                    "an instance. Specify Force to delete it.",
                )
            )
    plan.values["permission"] = permission
    return plan


@ec2_action("DeleteNetworkInterfacePermission", resolve=plan_delete)
def delete_network_interface_permission(
    ctx: RequestContext, req: DeleteNetworkInterfacePermissionRequestTypeDef, plan: NamedPlan
) -> dict[str, Any]:
    """A permission whose grantee has the interface attached is revoked (it goes with the
    attachment); any other is deleted."""
    permission, table = plan.values["permission"], ctx.ec2.interface_permissions
    if plan.values["in_use"]:
        table.update(permission, state=REVOKED)
    else:
        table.remove(permission.id)
    return {"Return": True}


_FILTERS = FilterSet(
    {
        "network-interface-permission.network-interface-permission-id": lambda p: p.id,
        "network-interface-permission.network-interface-id": lambda p: p.network_interface_id,
        "network-interface-permission.aws-account-id": lambda p: p.aws_account_id,
        "network-interface-permission.aws-service": lambda p: p.aws_service,
        "network-interface-permission.permission": lambda p: p.permission,
    }
)


@ec2_action("DescribeNetworkInterfacePermissions", resolve=NO_RESOURCES)
def describe_network_interface_permissions(
    ctx: RequestContext, req: DescribeNetworkInterfacePermissionsRequestTypeDef
) -> dict[str, Any]:
    table = ctx.ec2.interface_permissions
    ids = req.get("NetworkInterfacePermissionIds")
    if ids:
        items = [table.get(i) for i in dict.fromkeys(ids)]
        missing = next((i for i, p in zip(dict.fromkeys(ids), items, strict=True) if p is None), None)
        if missing is not None:
            raise AwsError(
                "InvalidPermissionID.NotFound",
                f"The network interface permission ID '{missing}' does not exist",
            )
        candidates = [p for p in items if p is not None]
    else:
        interfaces = _FILTERS.values(req.get("Filters"), "network-interface-permission.network-interface-id")
        candidates = (
            [p for i in interfaces for p in table.where("network_interface_id", i)]
            if interfaces is not None
            else list(table)
        )
    page, token = paginate(_FILTERS.apply(candidates, req.get("Filters")), req, low=5, high=255)
    return {"NetworkInterfacePermissions": [_item(p) for p in page], "NextToken": token}
