"""EBS volumes: instances' root and mapped volumes, and those CreateVolume makes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ec2sim.store.resources import kms_alias_arn
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
    client_token: str | None = None
    request_fingerprint: str = ""  # of the CreateVolume request carrying `client_token`
    # ModifyVolume history, newest last (DescribeVolumesModifications).
    modifications: list[VolumeModification] = field(default_factory=list)


def default_kms_key(region: str, account_id: str) -> str:
    """The account's aws/ebs managed key ARN (a stable fake): the key of encryption without one."""
    return kms_alias_arn(region, account_id, "aws/ebs")


def is_default_kms_key(key_id: str | None) -> bool:
    """Whether an encrypted resource's key is the aws/ebs managed key (None: encrypted before keys were kept)."""
    return key_id is None or key_id.endswith(":alias/aws/ebs") or key_id == "alias/aws/ebs"


@dataclass(eq=False)
class VolumeModification:
    """One ModifyVolume: the volume's settings before and after."""

    volume_id: str
    start_time: datetime
    original: dict[str, object]  # Size, Iops, VolumeType, Throughput, MultiAttachEnabled
    target: dict[str, object]
    state: str = "modifying"  # modifying | optimizing | completed | failed
    progress: int = 0
    end_time: datetime | None = None


DETACHED: dict[str, object] = {
    "state": "available",
    "instance_id": None,
    "device": None,
    "attach_state": None,
    "attach_time": None,
    "delete_on_termination": False,
}
"""A volume's fields once detached (``volumes.update(volume, **DETACHED)``)."""
