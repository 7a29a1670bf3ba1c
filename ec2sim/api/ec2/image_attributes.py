"""DescribeImageAttribute, ModifyImageAttribute and ResetImageAttribute.

launchPermission takes two request forms: the structured `LaunchPermission.Add/Remove`
([{UserId} | {Group: "all"} | {OrganizationArn} | {OrganizationalUnitArn}]) and the
older `OperationType` with `UserIds` / `UserGroups` / `OrganizationArns` /
`OrganizationalUnitArns`. Grants go through the SharedRegistry so other accounts
find the image by its indexes; organization grants are stored and grant nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.image_views import (
    check_account_id,
    device_view,
    plan_image,
    plan_owned_image,
    require_owner,
    resolved,
)
from ec2sim.api.ec2.storage_plans import ImagePlan
from ec2sim.api.errors import AwsError
from ec2sim.api.registry import ec2_action
from ec2sim.store.ec2.images import Image
from ec2sim.store.ec2.volumes import is_default_kms_key

if TYPE_CHECKING:
    from types_boto3_ec2.type_defs import (
        DescribeImageAttributeRequestTypeDef,
        ModifyImageAttributeRequestTypeDef,
        ResetImageAttributeRequestTypeDef,
    )

# Launch permission items ({UserId} | {Group} | {OrganizationArn} | {OrganizationalUnitArn}), from
# either request form (the legacy form's are unvalidated until `_check_permissions`).
Permissions = Sequence[Mapping[str, Any]]

# Attributes anyone who can see the image may read; the rest are the owner's.
_PUBLIC_ATTRIBUTES = (
    "description",
    "kernel",
    "ramdisk",
    "sriovNetSupport",
    "bootMode",
    "tpmSupport",
    "imdsSupport",
    "deregistrationProtection",
)


def _value(value: Any) -> dict[str, Any]:
    return {"Value": value} if value is not None else {}


def _launch_permissions(image: Image) -> list[dict[str, str]]:
    permissions: list[dict[str, str]] = [{"Group": "all"}] if image.public else []
    permissions += [{"UserId": account} for account in sorted(image.shared_with)]
    permissions += [{"OrganizationArn": arn} for arn in sorted(image.organization_arns)]
    permissions += [{"OrganizationalUnitArn": arn} for arn in sorted(image.organizational_unit_arns)]
    return permissions


def _attribute(image: Image, name: str) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "description": lambda: {"Description": _value(image.description)},
        "kernel": lambda: {"KernelId": _value(image.kernel_id)},
        "ramdisk": lambda: {"RamdiskId": _value(image.ramdisk_id)},
        "launchPermission": lambda: {"LaunchPermissions": _launch_permissions(image)},
        "productCodes": lambda: {"ProductCodes": []},
        "blockDeviceMapping": lambda: {"BlockDeviceMappings": [device_view(d) for d in image.block_devices]},
        "sriovNetSupport": lambda: {"SriovNetSupport": _value(image.sriov_net_support)},
        "bootMode": lambda: {"BootMode": _value(image.boot_mode)},
        "tpmSupport": lambda: {"TpmSupport": _value(image.tpm_support)},
        "uefiData": lambda: {"UefiData": _value(image.uefi_data)},
        "lastLaunchedTime": lambda: {"LastLaunchedTime": {}},
        "imdsSupport": lambda: {"ImdsSupport": _value(image.imds_support)},
        "deregistrationProtection": lambda: {"DeregistrationProtection": {"Value": "disabled"}},
    }
    if name not in answers:
        raise AwsError(
            "InvalidParameterValue", f"Value ({name}) for parameter attribute is invalid. Unknown attribute."
        )
    return answers[name]()


def _plan_describe(ctx: RequestContext, req: DescribeImageAttributeRequestTypeDef) -> ImagePlan:
    """The image; the caller must own it unless the attribute is one anyone who sees it may read."""
    plan = plan_image(ctx, req["ImageId"])
    if req["Attribute"] not in _PUBLIC_ATTRIBUTES:
        require_owner(ctx, plan)
    return plan


@ec2_action("DescribeImageAttribute", resolve=_plan_describe)
def describe_image_attribute(
    ctx: RequestContext, req: DescribeImageAttributeRequestTypeDef, plan: ImagePlan
) -> dict[str, Any]:
    image = resolved(plan)
    return {"ImageId": image.id, **_attribute(image, req["Attribute"])}


# ModifyImageAttribute --------------------------------------------------------------


def _legacy_permissions(req: ModifyImageAttributeRequestTypeDef) -> list[dict[str, str]]:
    """The `OperationType` form's items as structured launch permissions."""
    return [
        *({"UserId": u} for u in req.get("UserIds") or ()),
        *({"Group": g} for g in req.get("UserGroups") or ()),
        *({"OrganizationArn": a} for a in req.get("OrganizationArns") or ()),
        *({"OrganizationalUnitArn": a} for a in req.get("OrganizationalUnitArns") or ()),
    ]


def _permission_changes(req: ModifyImageAttributeRequestTypeDef) -> tuple[Permissions, Permissions]:
    structured = req.get("LaunchPermission")
    if structured:
        return structured.get("Add") or [], structured.get("Remove") or []
    operation, items = req.get("OperationType"), _legacy_permissions(req)
    if operation not in ("add", "remove"):
        raise AwsError(
            "InvalidParameterValue", f"Value ({operation}) for parameter operationType is invalid."
        )
    return (items, []) if operation == "add" else ([], items)


def _check_permissions(ctx: RequestContext, plan: ImagePlan, items: Permissions, adding: bool) -> None:
    image = resolved(plan)
    for item in items:
        if "UserId" in item:
            check_account_id(item["UserId"])
        elif "Group" in item and item["Group"] != "all":
            raise AwsError(
                "InvalidAMIAttributeItemValue",
                f'Invalid attribute item value "{item["Group"]}" for group item type.',
            )
        if adding and item.get("Group") == "all" and any(d.encrypted for d in image.block_devices):
            raise AwsError(
                "UnsupportedOperation",
                "Encrypted snapshots can’t be shared publicly. Specify another snapshot.",
            )
        if adding and item.get("UserId", ctx.account_id) != ctx.account_id and _uses_managed_key(plan):
            raise AwsError(
                "InvalidParameter",
                "Snapshots encrypted with the AWS Managed CMK can’t be shared. Specify another snapshot.",
            )


def _uses_managed_key(plan: ImagePlan) -> bool:
    """Whether one of the image's snapshots is encrypted with the account's aws/ebs key."""
    return any(
        snapshot is not None and snapshot.encrypted and is_default_kms_key(snapshot.kms_key_id)
        for snapshot in plan.snapshots.values()
    )


def _apply_permissions(ctx: RequestContext, image: Image, items: Permissions, adding: bool) -> None:
    registry = ctx.ec2.shared_images
    accounts = [i["UserId"] for i in items if "UserId" in i and i["UserId"] != image.owner_id]
    (registry.grant if adding else registry.revoke)(image, accounts)
    if any(i.get("Group") == "all" for i in items):
        registry.set_public(image, adding)
    for key, arns in (
        ("OrganizationArn", image.organization_arns),
        ("OrganizationalUnitArn", image.organizational_unit_arns),
    ):
        values = {i[key] for i in items if key in i}
        arns.update(values) if adding else arns.difference_update(values)


def _modify_launch_permission(
    ctx: RequestContext, plan: ImagePlan, req: ModifyImageAttributeRequestTypeDef
) -> None:
    image = resolved(plan)
    add, remove = _permission_changes(req)
    if not add and not remove:
        raise AwsError("MissingParameter", "No launch permission modifications were specified.")
    _check_permissions(ctx, plan, add, True)
    _check_permissions(ctx, plan, remove, False)
    _apply_permissions(ctx, image, add, True)
    _apply_permissions(ctx, image, remove, False)


@ec2_action("ModifyImageAttribute", resolve=plan_owned_image)
def modify_image_attribute(
    ctx: RequestContext, req: ModifyImageAttributeRequestTypeDef, plan: ImagePlan
) -> None:
    image = resolved(plan)
    attribute = req.get("Attribute")
    if req.get("LaunchPermission") or attribute == "launchPermission" or req.get("OperationType"):
        _modify_launch_permission(ctx, plan, req)
    elif "Description" in req or attribute == "description":
        description = req["Description"].get("Value") if "Description" in req else req.get("Value")
        if description is None:
            raise AwsError("MissingParameter", "The request must contain the parameter description")
        ctx.ec2.images.update(image, description=description)
    elif "ImdsSupport" in req or attribute == "imdsSupport":
        value = req["ImdsSupport"].get("Value") if "ImdsSupport" in req else req.get("Value")
        if value != "v2.0":
            raise AwsError("InvalidParameterValue", f"Value ({value}) for parameter imdsSupport is invalid.")
        ctx.ec2.images.update(image, imds_support=value)
    else:
        raise AwsError("InvalidParameterValue", f"Value ({attribute}) for parameter attribute is invalid.")


@ec2_action("ResetImageAttribute", resolve=plan_owned_image)
def reset_image_attribute(
    ctx: RequestContext, req: ResetImageAttributeRequestTypeDef, plan: ImagePlan
) -> None:
    """Only launchPermission can be reset (as the model's enum says): back to private."""
    image = resolved(plan)
    if req["Attribute"] != "launchPermission":
        raise AwsError(
            "InvalidParameterValue", f"Value ({req['Attribute']}) for parameter attribute is invalid."
        )
    registry = ctx.ec2.shared_images
    registry.revoke(image, list(image.shared_with))
    registry.set_public(image, False)
    image.organization_arns.clear()
    image.organizational_unit_arns.clear()
