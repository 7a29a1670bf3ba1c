"""Images as boto3 shows them, image look-up across accounts, and DescribeImages.

What an account sees in a region: its own images (its `Ec2Region.images`),
the region's public catalogue, and other accounts' images that are public or
granted to it, found through the server-wide `SharedRegistry` indexes, never
by scanning accounts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ec2sim.api.authorization import NO_RESOURCES
from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.filters import FilterSet, as_text
from ec2sim.api.ec2.paging import paginate
from ec2sim.api.ec2.storage_plans import ImagePlan
from ec2sim.api.errors import AwsError
from ec2sim.api.registry import ec2_action
from ec2sim.store.ec2.geography import is_valid_region
from ec2sim.store.ec2.images import Image, ImageBlockDevice, catalogue_owned_by, find_image, public_images
from ec2sim.store.resources import IMAGE

if TYPE_CHECKING:
    from types_boto3_ec2.type_defs import (
        DeregisterImageRequestTypeDef,
        DescribeImagesRequestTypeDef,
        ModifyImageAttributeRequestTypeDef,
        ResetImageAttributeRequestTypeDef,
    )

    # The operations on the caller's own image (its ImageId): `plan_owned_image` resolves them.
    OwnedImageRequest = (
        DeregisterImageRequestTypeDef | ModifyImageAttributeRequestTypeDef | ResetImageAttributeRequestTypeDef
    )

AMI_ID = re.compile(r"ami-([0-9a-f]{8}|[0-9a-f]{17})")
_ACCOUNT_ID = re.compile(r"\d{12}")
_AMI_NAME = re.compile(r"[A-Za-z0-9()\[\] ./\-'@_]{3,128}")


def not_found(image_ids: list[str]) -> AwsError:
    return AwsError("InvalidAMIID.NotFound", f"The image id '[{', '.join(image_ids)}]' does not exist")


def check_image_id(image_id: str) -> None:
    if not AMI_ID.fullmatch(image_id):
        raise AwsError("InvalidAMIID.Malformed", f'Invalid id: "{image_id}" (expecting "ami-...")')


def lookup_image(ctx: RequestContext, image_id: str, region: str | None = None) -> Image | None:
    """The image as the caller may see it in `region` (default: the request's), if any."""
    return find_image(region or ctx.region, ctx.account_id, image_id, ctx.ec2.shared_images)


def require_visible(plan: ImagePlan) -> None:
    """AWS's error for an image id the caller can't see: malformed, else not found."""
    if plan.image is None:
        plan.attempt(lambda: check_image_id(plan.image_id))  # stored ids are well-formed
        plan.fail(not_found([plan.image_id]))


def plan_image(ctx: RequestContext, image_id: str) -> ImagePlan:
    """The image the request names, or AWS's error."""
    plan = ImagePlan(image_id, lookup_image(ctx, image_id))
    require_visible(plan)
    plan.find_snapshots(ctx)
    return plan


def require_owner(ctx: RequestContext, plan: ImagePlan) -> None:
    """A visible image of another owner is AuthFailure, as on AWS."""
    image = plan.image
    if image is not None and (image.owner_id != ctx.account_id or ctx.ec2.images.get(image.id) is not image):
        plan.fail(AwsError("AuthFailure", f"Not authorized for image:{image.id}"))


def plan_owned_image(ctx: RequestContext, req: OwnedImageRequest) -> ImagePlan:
    """The image ImageId names, which the caller must own."""
    plan = plan_image(ctx, req["ImageId"])
    require_owner(ctx, plan)
    return plan


def resolved(plan: ImagePlan) -> Image:
    """The plan's image (a plan without an error resolved it)."""
    assert plan.image is not None
    return plan.image


def check_name(ctx: RequestContext, name: str) -> None:
    """AMI name rules: 3–128 allowed characters, unique among the account's images in the region."""
    if not _AMI_NAME.fullmatch(name):
        raise AwsError(
            "InvalidAMIName.Malformed",
            "AMI names must be between 3 and 128 characters long, and may contain letters, numbers, "
            "'(', ')', '[', ']', ' ', '.', '/', '-', ''', '@' and '_'",
        )
    existing = next(iter(ctx.ec2.images.where("name", name)), None)
    if existing is not None:
        raise AwsError("InvalidAMIName.Duplicate", f"AMI name {name} is already in use by AMI {existing.id}")


def check_user_id(value: str) -> None:
    """An owner / user id in a Describe request: 12 digits (callers handle `self`, `all`, aliases)."""
    if not _ACCOUNT_ID.fullmatch(value):
        raise AwsError("InvalidUserID.Malformed", f'Invalid user id: "{value}"')


def check_source_region(region: str) -> None:
    """A copy's SourceRegion must be a real region (before any per-region catalogue is built for it)."""
    if not is_valid_region(region):
        raise AwsError("InvalidParameterValue", f"Invalid region: [{region}]")


def check_account_id(value: str) -> None:
    if not _ACCOUNT_ID.fullmatch(value):
        raise AwsError(
            "InvalidAMIAttributeItemValue", f'Invalid attribute item value "{value}" for userId item type.'
        )


# Views ---------------------------------------------------------------------------


def device_view(device: ImageBlockDevice) -> dict[str, Any]:
    if device.no_device:
        return {"DeviceName": device.device_name, "NoDevice": ""}
    if device.virtual_name is not None:
        return {"DeviceName": device.device_name, "VirtualName": device.virtual_name}
    ebs = {
        "DeleteOnTermination": device.delete_on_termination,
        "SnapshotId": device.snapshot_id,
        "VolumeSize": device.volume_size,
        "VolumeType": device.volume_type,
        "Encrypted": device.encrypted,
        "Iops": device.iops,
        "Throughput": device.throughput,
    }
    return {"DeviceName": device.device_name, "Ebs": ebs}


def image_view(image: Image, account_id: str) -> dict[str, Any]:
    """One image as DescribeImages shows it to `account_id` (tags are the owner's only)."""
    tags = image.tags if image.owner_id == account_id else {}
    return {
        "ImageId": image.id,
        "ImageLocation": image.image_location or f"{image.owner_id}/{image.name}",
        "State": image.state,
        "OwnerId": image.owner_id,
        "ImageOwnerAlias": image.image_owner_alias,
        "CreationDate": as_text(image.creation_date),
        "Public": image.public,
        "Architecture": image.architecture,
        "ImageType": image.image_type,
        "KernelId": image.kernel_id,
        "RamdiskId": image.ramdisk_id,
        "Platform": image.platform,
        "PlatformDetails": image.platform_details,
        "UsageOperation": image.usage_operation,
        "Name": image.name,
        "Description": image.description or None,
        "RootDeviceName": image.root_device_name,
        "RootDeviceType": image.root_device_type,
        "BlockDeviceMappings": [device_view(d) for d in image.block_devices],
        "VirtualizationType": image.virtualization_type,
        "Hypervisor": image.hypervisor,
        "EnaSupport": image.ena_support,
        "SriovNetSupport": image.sriov_net_support,
        "BootMode": image.boot_mode,
        "TpmSupport": image.tpm_support,
        "ImdsSupport": image.imds_support,
        "DeprecationTime": as_text(image.deprecation_time) if image.deprecation_time else None,
        "SourceInstanceId": image.source_instance_id,
        "SourceImageId": image.source_image_id,
        "SourceImageRegion": image.source_image_region,
        "DeregistrationProtection": "disabled",
        "Tags": [{"Key": k, "Value": v} for k, v in tags.items()] or None,
    }


def _ebs(attribute: str) -> Any:
    return lambda image: [
        getattr(d, attribute) for d in image.block_devices if not d.no_device and d.virtual_name is None
    ]


_IMAGE_FILTERS = FilterSet(
    {
        "architecture": lambda i: i.architecture,
        "block-device-mapping.delete-on-termination": _ebs("delete_on_termination"),
        "block-device-mapping.device-name": lambda i: [d.device_name for d in i.block_devices],
        "block-device-mapping.snapshot-id": _ebs("snapshot_id"),
        "block-device-mapping.volume-size": _ebs("volume_size"),
        "block-device-mapping.volume-type": _ebs("volume_type"),
        "block-device-mapping.encrypted": _ebs("encrypted"),
        "creation-date": lambda i: i.creation_date,
        "description": lambda i: i.description,
        "ena-support": lambda i: i.ena_support,
        "hypervisor": lambda i: i.hypervisor,
        "image-type": lambda i: i.image_type,
        "is-public": lambda i: i.public,
        "kernel-id": lambda i: i.kernel_id,
        "manifest-location": lambda i: i.image_location or f"{i.owner_id}/{i.name}",
        "name": lambda i: i.name,
        "owner-alias": lambda i: i.image_owner_alias,
        "owner-id": lambda i: i.owner_id,
        "platform": lambda i: i.platform,
        "ramdisk-id": lambda i: i.ramdisk_id,
        "root-device-name": lambda i: i.root_device_name,
        "root-device-type": lambda i: i.root_device_type,
        "source-image-id": lambda i: i.source_image_id,
        "source-image-region": lambda i: i.source_image_region,
        "source-instance-id": lambda i: i.source_instance_id,
        "sriov-net-support": lambda i: i.sriov_net_support,
        "state": lambda i: i.state,
        "virtualization-type": lambda i: i.virtualization_type,
        # No product codes, state reasons or allowed-images settings are emulated: every image
        # has none, none, is allowed, and is not free-tier eligible.
        "product-code": lambda i: None,
        "product-code.type": lambda i: None,
        "state-reason-code": lambda i: None,
        "state-reason-message": lambda i: None,
        "free-tier-eligible": lambda i: False,
        "image-allowed": lambda i: True,
    },
    IMAGE,
)


# DescribeImages ----------------------------------------------------------------------


def _by_ids(ctx: RequestContext, image_ids: Sequence[str]) -> list[Image]:
    for image_id in image_ids:
        check_image_id(image_id)
    ids = list(dict.fromkeys(image_ids))
    found = {i: find_image(ctx.region, ctx.account_id, i, ctx.ec2.shared_images) for i in ids}
    missing = [i for i, image in found.items() if image is None]
    if missing:
        raise not_found(missing)
    return [image for image in found.values() if image is not None]


def _public(ctx: RequestContext) -> Iterable[Image]:
    yield from public_images(ctx.region).values()
    yield from ctx.ec2.shared_images.public_in(ctx.region)


def _owned_by(ctx: RequestContext, owner: str) -> Iterable[Image]:
    """The images of one `Owners` value that the caller can see."""
    if owner == "self" or owner == ctx.account_id:
        return ctx.ec2.images
    catalogue = catalogue_owned_by(ctx.region).get(owner, [])
    if owner in ("amazon", "aws-marketplace", "aws-backup-vault"):
        return catalogue  # account-owned images have no owner alias
    check_user_id(owner)
    registry = ctx.ec2.shared_images
    shared = [i for i in registry.granted_to(ctx.region, ctx.account_id) if i.owner_id == owner]
    return [*catalogue, *registry.public_owned_by(ctx.region, owner), *shared]


def _executable_by(ctx: RequestContext, user: str) -> Iterable[Image]:
    """Images with a launch permission for `user`: `self` the ones shared with the caller,
    `all` the public ones, another account the caller's own images granted to it."""
    if user == "all":
        return _public(ctx)
    if user == "self" or user == ctx.account_id:
        return ctx.ec2.shared_images.granted_to(ctx.region, ctx.account_id)
    check_user_id(user)
    return [i for i in ctx.ec2.images if user in i.shared_with]


def _candidates(ctx: RequestContext, req: DescribeImagesRequestTypeDef) -> list[Image]:
    owners, users = req.get("Owners"), req.get("ExecutableUsers")
    if req.get("ImageIds"):
        found: Iterable[Image] = _by_ids(ctx, req["ImageIds"])
    elif users:
        found = (i for user in users for i in _executable_by(ctx, user))
    elif owners:
        found = (i for owner in owners for i in _owned_by(ctx, owner))
    else:
        found = (
            *ctx.ec2.images,
            *_public(ctx),
            *ctx.ec2.shared_images.granted_to(ctx.region, ctx.account_id),
        )
    unique = {i.id: i for i in found}
    if owners and (req.get("ImageIds") or users):
        allowed = {i.id for owner in owners for i in _owned_by(ctx, owner)}
        return [i for i in unique.values() if i.id in allowed]
    return list(unique.values())


@ec2_action("DescribeImages", resolve=NO_RESOURCES)
def describe_images(ctx: RequestContext, req: DescribeImagesRequestTypeDef) -> dict[str, Any]:
    if req.get("ImageIds") and req.get("MaxResults") is not None:
        raise AwsError(
            "InvalidParameterCombination",
            "The parameter imagesSet cannot be used with the parameter maxResults",
        )
    predicate = _IMAGE_FILTERS.predicate(req.get("Filters"))
    by_id, deprecated_ok = bool(req.get("ImageIds")), bool(req.get("IncludeDeprecated"))

    def shown(image: Image) -> bool:
        if image.state == "disabled" and not req.get("IncludeDisabled"):
            return False
        deprecated = image.deprecation_time is not None and image.deprecation_time <= ctx.now
        if deprecated and not (by_id or deprecated_ok or image.owner_id == ctx.account_id):
            return False
        return predicate is None or predicate(image)

    images = [i for i in _candidates(ctx, req) if shown(i)]
    page, token = paginate(images, req)
    return {"Images": [image_view(i, ctx.account_id) for i in page], "NextToken": token}
