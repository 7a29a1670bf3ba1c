"""EBS volume modifications: ModifyVolume and DescribeVolumesModifications.

ModifyVolume changes the volume at once and reports the modification as AWS first does; the
modification completes on the timeline, so the next request sees it completed.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from ec2sim.api.authorization import NO_RESOURCES
from ec2sim.api.context import RequestContext
from ec2sim.api.ec2.filters import FilterSet
from ec2sim.api.ec2.paging import paginate
from ec2sim.api.ec2.storage_plans import VolumePlan
from ec2sim.api.ec2.volumes import checked_settings, find_volume, plan_volume
from ec2sim.api.errors import AwsError
from ec2sim.api.registry import ec2_action
from ec2sim.store.ec2.region import Regions
from ec2sim.store.ec2.volumes import Volume, VolumeModification
from ec2sim.store.table import touch
from ec2sim.store.timeline import timeline_event

if TYPE_CHECKING:
    from types_boto3_ec2.type_defs import (
        DescribeVolumesModificationsRequestTypeDef,
        ModifyVolumeRequestTypeDef,
    )


def modification_view(m: VolumeModification) -> dict[str, Any]:
    view: dict[str, Any] = {
        "VolumeId": m.volume_id,
        "ModificationState": m.state,
        "Progress": m.progress,
        "StartTime": m.start_time,
        "EndTime": m.end_time,
    }
    view.update({f"Original{k}": v for k, v in m.original.items()})
    view.update({f"Target{k}": v for k, v in m.target.items()})
    return view


def _settings(volume: Volume) -> dict[str, object]:
    return {
        "Size": volume.size,
        "Iops": volume.iops,
        "VolumeType": volume.volume_type,
        "Throughput": volume.throughput,
        "MultiAttachEnabled": volume.multi_attach_enabled,
    }


@ec2_action("ModifyVolume", resolve=plan_volume)
def modify_volume(ctx: RequestContext, req: ModifyVolumeRequestTypeDef, plan: VolumePlan) -> dict[str, Any]:
    volume = plan.volume
    assert volume is not None  # a plan without an error resolved it
    if not any(k in req for k in ("Size", "VolumeType", "Iops", "Throughput", "MultiAttachEnabled")):
        raise AwsError("MissingParameter", "Missing modification parameters.")
    size, volume_type = req.get("Size", volume.size), req.get("VolumeType", volume.volume_type)
    if size < volume.size:
        raise AwsError(
            "InvalidParameterValue",
            f"New size cannot be smaller than existing size. Current size: {volume.size}, requested size: {size}",
        )
    type_changed = volume_type != volume.volume_type
    iops, throughput = checked_settings(
        volume_type,
        size,
        req.get("Iops", None if type_changed or volume_type == "gp2" else volume.iops),
        req.get("Throughput", None if type_changed else volume.throughput),
    )
    original = _settings(volume)
    ctx.ec2.volumes.update(
        volume,
        size=size,
        volume_type=volume_type,
        iops=iops,
        throughput=throughput,
        multi_attach_enabled=req.get("MultiAttachEnabled", volume.multi_attach_enabled),
    )
    modification = VolumeModification(volume.id, ctx.now, original, _settings(volume))
    volume.modifications.append(modification)
    view = modification_view(modification)
    index = len(volume.modifications) - 1
    ctx.ec2.timeline.schedule(ctx.now, "volume.modified", ctx.account_id, ctx.region, volume.id, index)
    return {"VolumeModification": view}


@timeline_event("volume.modified")
def _modified(store: Regions, when: datetime, account_id: str, name: str, volume_id: str, index: int) -> None:
    """A modification completes on the next request (modifications are never removed: `index` holds)."""
    region = store.find_region(account_id, name)
    volume = region.volumes.get(volume_id) if region is not None else None
    if volume is not None and index < len(volume.modifications):
        modification = volume.modifications[index]
        modification.state, modification.progress, modification.end_time = "completed", 100, when
        touch(volume)


_MODIFICATION_FILTERS = FilterSet(
    {
        "volume-id": lambda m: m.volume_id,
        "modification-state": lambda m: m.state,
        "target-size": lambda m: m.target["Size"],
        "target-iops": lambda m: m.target["Iops"],
        "target-volume-type": lambda m: m.target["VolumeType"],
        "target-throughput": lambda m: m.target["Throughput"],
        "original-size": lambda m: m.original["Size"],
        "original-iops": lambda m: m.original["Iops"],
        "original-volume-type": lambda m: m.original["VolumeType"],
        "start-time": lambda m: m.start_time,
    }
)


@ec2_action("DescribeVolumesModifications", resolve=NO_RESOURCES)
def describe_volumes_modifications(
    ctx: RequestContext, req: DescribeVolumesModificationsRequestTypeDef
) -> dict[str, Any]:
    ids = req.get("VolumeIds")
    volumes = [find_volume(ctx.ec2, i) for i in dict.fromkeys(ids)] if ids else list(ctx.ec2.volumes)
    if ids:
        missing = next((v.id for v in volumes if not v.modifications), None)
        if missing:
            raise AwsError(
                "InvalidVolumeModification.NotFound", f"Modification for volume '{missing}' does not exist."
            )
    items = _MODIFICATION_FILTERS.apply((m for v in volumes for m in v.modifications), req.get("Filters"))
    page, token = paginate(items, req)
    return {"VolumesModifications": [modification_view(m) for m in page], "NextToken": token}
