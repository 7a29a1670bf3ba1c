"""EC2 handlers, one module per resource family; importing registers them."""

from ec2sim.api.ec2 import (  # noqa: F401  (authz: shared check helpers)
    authz,
    iam_profiles,
    image_attributes,
    images,
    instance_attributes,
    instances,
    keypairs,
    peering,
    regions,
    security_groups,
    snapshot_attributes,
    snapshots,
    subnet_ops,
    tagging,
    volume_modifications,
    volumes,
    vpc_ops,
    vpcs,
)
