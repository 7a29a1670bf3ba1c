"""IAM handlers (Query protocol, 2010-05-08), one module per entity family; each registers its
operations when imported, which `ec2sim.api.registry` does on an operation's first call
(`ec2sim.api.operation_index`)."""
