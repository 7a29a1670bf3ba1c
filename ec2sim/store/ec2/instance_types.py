"""Instance types: the names EC2 knows (botocore's `InstanceType` enum) and their CPUs.

The name list is read once, lazily, from the EC2 service model every request is
already parsed with. CPU topology follows AWS's naming: the size gives the
vCPU count, and Graviton (a1, *g*), t2 and the oldest families run one
thread per core.
"""

from __future__ import annotations

import re
from functools import cache

from ec2sim.botocore_data import service_description

DEFAULT_INSTANCE_TYPE = "m1.small"

# vCPUs by size suffix, for the usual AWS families (Nxlarge = 4N).
_SIZE_VCPUS = {"nano": 2, "micro": 2, "small": 2, "medium": 2, "large": 2, "xlarge": 4}
# Graviton families (a1, t4g, m7g, c7gn, ...) are arm64.
_ARM = re.compile(r"^(a1|[a-z]+\d+g[a-z]*)$")
# Families that expose one thread per core (besides Graviton).
_SINGLE_THREAD = re.compile(r"^(t1|t2|m1|m2|c1)$")
# Types whose small sizes have a single vCPU.
_ONE_VCPU = {"t1.micro", "t2.nano", "t2.micro", "t2.small", "m1.small", "m3.medium", "m1.medium", "c1.medium"}


@cache
def instance_type_names() -> frozenset[str]:
    return frozenset(service_description("ec2")["shapes"]["InstanceType"]["enum"])


def is_instance_type(name: str) -> bool:
    return name in instance_type_names()


def architecture(instance_type: str) -> str:
    return "arm64" if _ARM.match(instance_type.partition(".")[0]) else "x86_64"


@cache
def cpu_options(instance_type: str) -> tuple[int, int]:
    """(CoreCount, ThreadsPerCore) of a type, as DescribeInstances shows them."""
    family, _, size = instance_type.partition(".")
    if instance_type in _ONE_VCPU:
        return 1, 1
    if size.endswith("xlarge") and size[:-6].isdigit():
        vcpus = 4 * int(size[:-6])
    else:
        vcpus = _SIZE_VCPUS.get(size, 2)
    threads = 1 if _SINGLE_THREAD.match(family) or _ARM.match(family) else 2
    return max(1, vcpus // threads), threads
