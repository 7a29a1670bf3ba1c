"""The only owner of state: accounts → regions → resources.

All reads and writes happen under `Store.lock` (the API pipeline holds it
around each handler), and time-driven changes run from the `timeline` as each
request begins.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

from ec2sim.clock import Clock
from ec2sim.store.ec2.region import Ec2Region
from ec2sim.store.ec2.sharing import SharedRegistry
from ec2sim.store.iam.account import IamAccount
from ec2sim.store.iam.changes import Change
from ec2sim.store.iam.credentials import Credential
from ec2sim.store.iam.journal import IamStore
from ec2sim.store.ids import IdGenerator
from ec2sim.store.timeline import Timeline


class Account:
    def __init__(self, account_id: str, store: Store) -> None:
        self.id = account_id
        self._store = store
        self._regions: dict[str, Ec2Region] = {}
        self.iam: IamAccount = store.iam.account(account_id, store.clock.now().replace(microsecond=0))

    def ec2(self, region: str) -> Ec2Region:
        """This account's EC2 state in `region`, created (with a default VPC) on first use."""
        state = self._regions.get(region)
        if state is None:
            state = self._regions[region] = Ec2Region(self.id, region, self._store)
        return state

    def ec2_regions(self) -> list[Ec2Region]:
        return list(self._regions.values())


class Store:
    account_class = Account
    id_generator_class = IdGenerator

    def __init__(self, clock: Clock | None = None) -> None:
        self.lock = threading.RLock()
        self.clock = clock or Clock()
        self.ids = self.id_generator_class()
        self.timeline = Timeline()
        self.accounts: dict[str, Account] = {}
        self.iam = IamStore(self.timeline)  # all IAM state, changed only through its journal
        self.credentials = self.iam.credentials  # every issued key, read once per signed request
        self._root_keys: list[Credential] = []
        self.retired_keys = self.iam.retired_keys
        self.instance_regions: dict[str, Ec2Region] = {}  # every instance id → its account-region
        self.shared_images: SharedRegistry[Any] = SharedRegistry()  # every account-owned AMI
        self.shared_snapshots: SharedRegistry[Any] = SharedRegistry()  # every EBS snapshot

    def account(self, account_id: str) -> Account:
        """The account, which appears on first use, as accounts do for new access keys."""
        found = self.accounts.get(account_id)
        if found is None:
            found = self.accounts[account_id] = self.account_class(account_id, self)
        return found

    @property
    def revision(self) -> int:
        """IAM's revision: moves (up) with every IAM change, never on reads."""
        return self.iam.revision

    @property
    def journal(self) -> list[Change]:
        """Every IAM change since the start (or the last reset), in order."""
        return self.iam.journal

    def add_credential(self, credential: Credential) -> Credential:
        """A key given by the settings (or a test): configuration, not a journaled IAM change."""
        return self.iam.add_credential(credential)

    def configure_root_key(self, account_id: str, access_key_id: str, secret: str) -> None:
        """A root key given in the settings: checked like issued keys, and kept across resets."""
        self._root_keys.append(Credential(access_key_id, secret, account_id, "root"))
        self.add_credential(self._root_keys[-1])

    def run_due(self, now: datetime) -> None:
        self.timeline.run_due(now)

    def reset(self) -> None:
        """Back to a fresh start: no accounts, no pending events, emulated time = real time."""
        with self.lock:
            self.accounts.clear()
            self.iam.reset()
            for credential in self._root_keys:
                self.add_credential(credential)
            self.instance_regions.clear()
            self.shared_images.clear()
            self.shared_snapshots.clear()
            self.timeline.clear()
            self.clock.reset()
