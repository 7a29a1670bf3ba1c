"""Which instance a metadata request is for: by its ``/i-…/`` prefix, or the root's instance.

Callers hold ``store.lock``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ec2sim.config import Config
from ec2sim.store import Store

if TYPE_CHECKING:
    from ec2sim.store.ec2.instances import Instance
    from ec2sim.store.ec2.region import Ec2Region

    Located = tuple[Ec2Region, Instance]


class InstanceLocator:
    def __init__(self, store: Store, config: Config) -> None:
        self.store = store
        self.config = config

    def find(self, instance_id: str) -> Located | None:
        """The instance (not terminated: a terminated instance has no metadata service)."""
        region = self.store.instance_regions.get(instance_id)
        instance = region.instances.get(instance_id) if region is not None else None
        if region is None or instance is None or instance.state == "terminated":
            return None
        return region, instance

    def root(self, base_url: str) -> Located | str:
        """The instance the root serves, or the plain-text hint of a 404 (`base_url`: as the client
        called us, e.g. ``http://127.0.0.1:1338``)."""
        if self.config.imds_instance_id:
            return self.find(self.config.imds_instance_id) or _hint(
                base_url,
                f"the instance {self.config.imds_instance_id} (--imds-instance-id) does not exist or is terminated.",
            )
        found = [
            (region, running)
            for account in self.store.accounts.values()
            for region in account.ec2_regions()
            if (running := region.instances.where("state", "running"))
        ]
        count = sum(len(running) for _, running in found)  # the index's own collections: no scan
        if count == 1:
            region, running = found[0]
            return region, next(iter(running))
        return _hint(base_url, f"there are {count} running instances, so none is served at the root.")


def _hint(base: str, reason: str) -> str:
    return (
        f"ec2sim instance metadata: {reason}\n"
        f"Address an instance by its id: {base}/i-0123456789abcdef0/latest/meta-data/\n"
        f"(for an SDK: AWS_EC2_METADATA_SERVICE_ENDPOINT={base}/i-0123456789abcdef0/),\n"
        "or start the server with --imds-instance-id i-0123456789abcdef0 to serve that instance here.\n"
    )
