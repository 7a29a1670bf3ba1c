"""EC2 handlers, one module per resource family; importing registers them."""

from ec2sim.api.ec2 import (  # noqa: F401  (authz: shared check helpers)
    authz,
    group_rule_updates,
    iam_profiles,
    image_attributes,
    images,
    instance_attributes,
    instances,
    keypairs,
    launch_templates,
    prefix_lists,
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
