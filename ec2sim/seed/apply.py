"""A validated seed and its application to a store.

The first application (`loader.load_seed`, on a throwaway store) records every id the
operations hand out, fixed or generated; each later one (the server's store at start, and after
every reset) pins them all again, so a reset returns to the same ids, users' keys and all.
"""

from __future__ import annotations

from typing import Any

from ec2sim.config import Config
from ec2sim.seed import SeedError
from ec2sim.seed.calls import Caller
from ec2sim.seed.ec2 import Region, apply_instances, apply_storage
from ec2sim.seed.iam import apply_iam
from ec2sim.seed.run import Run
from ec2sim.store import Store

EC2_SECTIONS = ("key_pairs", "snapshots", "images", "instances")


class Seed:
    def __init__(self, file: str, accounts: list[dict[str, Any]], config: Config) -> None:
        self.file = file
        self.accounts = accounts  # as the file has them, each with its "id"
        self.config = config
        self._issued: list[tuple[str, str]] | None = None  # every id of the first application

    def configure(self, store: Store) -> None:
        """The accounts' root keys: configuration like --root-credentials (kept across resets)."""
        for account in self.accounts:
            for key in account.get("root_access_keys") or []:
                store.configure_root_key(account["id"], key["access_key_id"], key["secret_access_key"])

    def populate(self, store: Store) -> None:
        """Create the seeded resources in `store` (fresh or just reset); SeedError at the first problem."""
        with store.lock:
            ids = store.ids
            first = self._issued is None
            if first:
                ids.issued = []
            else:
                for kind, value in self._issued or ():
                    ids.pin(kind, value)
            # Seeded IAM is in effect at once, whatever --iam-propagation-seconds says.
            propagation, store.iam.propagation_seconds = store.iam.propagation_seconds, 0.0
            try:
                self._apply(Run(self.file, Caller(store, self.config), self.config.region, first))
                if first:
                    self._issued = ids.issued
                left = ids.unpin()
                if left:  # an operation asked for fewer ids than the first application did
                    raise SeedError(self.file, "", f"ids not used when applied again: {left[:3]}")
            finally:
                ids.issued = None
                ids.unpin()
                store.iam.propagation_seconds = propagation

    def _apply(self, run: Run) -> None:
        """IAM of every account, then every account-region's storage, then instances (which may
        launch another account's shared image or use any key pair and instance profile)."""
        regions: list[tuple[Region, dict[str, Any], str]] = []
        for i, account in enumerate(self.accounts):
            path = f"accounts[{i}]"
            apply_iam(run, account["id"], account, path)
            regions.append((Region(run, account["id"], run.region), account, path))
            for name, spec in (account.get("regions") or {}).items():
                regions.append((Region(run, account["id"], str(name)), spec, f"{path}.regions.{name}"))
        for ec2, spec, path in regions:
            apply_storage(ec2, spec, path)
        for ec2, spec, path in regions:
            apply_instances(ec2, spec, path)
