"""EC2 handlers, one module per resource family; importing registers them."""

from ec2sim.api.ec2 import (  # noqa: F401  (authz: shared check helpers)
    addresses,
    authz,
    iam_profiles,
    image_attributes,
    images,
    instance_attributes,
    instances,
    interface_ips,
    interface_permissions,
    interface_views,
    interfaces,
    keypairs,
    regions,
    security_groups,
    snapshot_attributes,
    snapshots,
    tagging,
    volume_modifications,
    volumes,
    vpcs,
)
