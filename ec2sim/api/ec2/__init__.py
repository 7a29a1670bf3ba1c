"""EC2 handlers, one module per resource family; importing registers them."""

from ec2sim.api.ec2 import regions, tagging  # noqa: F401
