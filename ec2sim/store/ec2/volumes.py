"""EBS volumes (instances' root and mapped volumes; the EBS issue adds the rest)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ec2sim.store.table import Resource


@dataclass(eq=False)
class Volume(Resource):
    resource_type = "volume"
    owner_id: str
    availability_zone: str
    availability_zone_id: str
    size: int
    volume_type: str
    create_time: datetime
    state: str = "available"  # creating | available | in-use | deleting | deleted | error
    snapshot_id: str = ""
    iops: int | None = None
    throughput: int | None = None
    encrypted: bool = False
    kms_key_id: str | None = None
    multi_attach_enabled: bool = False
    # The attachment, when attached (one at a time: multi-attach is not emulated).
    instance_id: str | None = None
    device: str | None = None
    attach_state: str | None = None  # attaching | attached | detaching
    attach_time: datetime | None = None
    delete_on_termination: bool = False
