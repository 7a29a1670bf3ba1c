"""EC2 handlers, one module per resource family; each registers its operations when imported,
which `ec2sim.api.registry` does on an operation's first call (`ec2sim.api.operation_index`)."""
