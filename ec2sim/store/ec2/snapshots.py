"""EBS snapshots, owned by one account-region and shareable (createVolumePermission).

The owner's `Ec2Region.snapshots` table holds a snapshot; the server-wide
`SharedRegistry` (`Ec2Region.shared_snapshots`) makes it reachable by id from
other accounts and indexes the public and granted ones. Always add and remove
through `Ec2Region.add_snapshot` / `remove_snapshot`, and change `public` /
`shared_with` only through the registry's `set_public` / `grant` / `revoke`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ec2sim.store.table import Resource


@dataclass(eq=False)
class Snapshot(Resource):
    resource_type = "snapshot"
    owner_id: str
    region: str
    volume_id: str  # the source volume ("vol-ffffffff" for copies, as on AWS)
    volume_size: int
    start_time: datetime
    description: str = ""
    state: str = "completed"  # pending | completed | error
    progress: str = "100%"
    encrypted: bool = False
    kms_key_id: str | None = None
    storage_tier: str = "standard"  # standard | archive
    owner_alias: str | None = None
    data_encryption_key_id: str | None = None
    # createVolumePermission: `public` is group "all"; `shared_with` the granted account ids.
    public: bool = False
    shared_with: set[str] = field(default_factory=set)
    # Organization / OU ARNs granted: stored and described, granting nothing (no organizations).
    organization_arns: set[str] = field(default_factory=set)
    organizational_unit_arns: set[str] = field(default_factory=set)
