"""The only owner of state: accounts → regions → resources.

All reads and writes happen under `Store.lock` (the API pipeline holds it
around each handler), and time-driven changes run from the `timeline` as each
request begins.

A durable store (``--state-dir``) has a `persistence` and a `tracker`: whoever changes state under
the lock calls `commit` before releasing it, which saves what changed in one transaction
(`ec2sim.store.persistence`); `commit` costs one attribute check on a store that is not durable.

Account-regions and IAM accounts (and their modules: most of the store's code) load on first use,
so a server starts without them (`Account.ec2`, `IamStore.add_account`).

`Store.generation` moves with every `commit` that may follow a change (callers that only read say
so), every timeline event run, reset and import: anything derived from the state and stamped with
it (DescribeInstances' rendered instances) is current while the stamp still equals it.
"""

from __future__ import annotations

import gc
import threading
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from ec2sim.clock import Clock
from ec2sim.store.ec2.interface_registry import InterfaceRegistry
from ec2sim.store.ec2.peering import PeeringRegistry
from ec2sim.store.ec2.sharing import SharedRegistry
from ec2sim.store.iam.credentials import Credential
from ec2sim.store.iam.journal import IamStore
from ec2sim.store.ids import IdGenerator
from ec2sim.store.table import Tracker, touch_within
from ec2sim.store.timeline import Timeline
from ec2sim.store.trail import Trail

if TYPE_CHECKING:
    from ec2sim.store.ec2.region import Ec2Region
    from ec2sim.store.iam.account import IamAccount
    from ec2sim.store.iam.changes import Change
    from ec2sim.store.iam.saml import IdpKeys


class Durable(Protocol):
    """Where a durable store saves its changes (`ec2sim.store.persistence.StateDir`)."""

    def commit(self, store: Store) -> None: ...

    def clear(self, store: Store) -> None: ...


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
            from ec2sim.store.ec2.region import Ec2Region

            state = self._regions[region] = Ec2Region(self.id, region, self._store)
            if self._store.tracker is not None:
                self._store.tracker.regions.append(state)
        return state

    def restore_region(self, name: str, default_vpc_id: str) -> Ec2Region:
        """An empty region, for saved state to be loaded into (its default network is in that state)."""
        from ec2sim.store.ec2.region import Ec2Region

        state = self._regions[name] = Ec2Region(self.id, name, self._store, default_network=False)
        state.default_vpc_id = default_vpc_id
        return state

    def find_region(self, name: str) -> Ec2Region | None:
        return self._regions.get(name)

    def ec2_regions(self) -> list[Ec2Region]:
        return list(self._regions.values())


class Store:
    account_class = Account
    id_generator_class = IdGenerator
    # The server's own signing keys: kept across resets and imports, saved by durable state.
    SERVER_KEYS = ("oidc_signing_key", "saml_idp")
    # What `replace_state` keeps of its own: the process's, the settings' and the server's keys.
    KEPT = ("lock", "generation", "clock", "persistence", "_root_keys", "trail", *SERVER_KEYS)

    def __init__(self, clock: Clock | None = None, durable: bool = False) -> None:
        self.lock = threading.RLock()
        self.generation = 0  # see the module's docstring
        self.clock = clock or Clock()
        self.ids = self.id_generator_class()
        self.timeline = Timeline(self)
        self.tracker: Tracker | None = Tracker() if durable else None  # before any region exists
        self.persistence: Durable | None = None
        self.accounts: dict[str, Account] = {}
        self.iam = IamStore(self.timeline)  # all IAM state, changed only through its journal
        self.credentials = self.iam.credentials  # every issued key, read once per signed request
        self._root_keys: list[Credential] = []
        self.retired_keys = self.iam.retired_keys
        self.instance_regions: dict[str, Ec2Region] = {}  # every instance id → its account-region
        self.endpoint_regions: dict[str, Ec2Region] = {}  # every VPC endpoint id → its account-region
        self.interfaces = InterfaceRegistry()  # every network interface id → its account-region
        self.shared_images: SharedRegistry[Any] = SharedRegistry()  # every account-owned AMI
        self.shared_snapshots: SharedRegistry[Any] = SharedRegistry()  # every EBS snapshot
        self.peerings = PeeringRegistry(self.find_region)  # every VPC peering connection
        # The built-in OIDC issuer's private key (PKCS#8 PEM), made on first use and kept across
        # resets: tokens it signed stay verifiable (`ec2sim.iam.oidc_issuer`).
        self.oidc_signing_key: str | None = None
        # The built-in SAML IdP's key and certificate, made on first use and kept across resets:
        # providers created from its metadata keep trusting it (`ec2sim.iam.saml_idp`).
        self.saml_idp: IdpKeys | None = None
        self.trail = Trail()  # every answered request, newest last (bounded)

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

    def find_region(self, account_id: str, name: str) -> Ec2Region | None:
        """An account-region that exists (timeline events look theirs up; nothing is created)."""
        account = self.accounts.get(account_id)
        return account.find_region(name) if account is not None else None

    def run_due(self, now: datetime) -> None:
        if self.timeline.due(now):
            self.generation += 1  # before: an event that fails half-way has changed state too
            self.timeline.run_due(now)

    # Durable state --------------------------------------------------------------------------------

    def changed_within(self, value: object) -> None:
        """Every stored resource `value` holds (a request's plan) may have changed in place."""
        if self.tracker is not None:
            touch_within(value)

    def commit(self, changed: bool = True) -> None:
        """Save what changed since the last commit (callers hold the lock); nothing when not durable.
        `changed`: False from a caller that changed no EC2 resource (a read), leaving `generation`."""
        if changed:
            self.generation += 1
        if self.persistence is not None:
            self.persistence.commit(self)

    def replace_state(self, other: Store) -> None:
        """Take every piece of `other`'s state (a decoded import or saved state, built with this
        store's `ids`), in place: the apps keep their reference to this store. Root keys from the
        settings stay; the clock takes `other`'s offset; the IAM revision keeps moving up."""
        with self.lock:
            self.generation += 1
            gc.unfreeze()  # the state dropped here may be in the heap the server froze
            revision = self.iam.revision
            self.__dict__.update({k: v for k, v in vars(other).items() if k not in self.KEPT})
            for account in self.accounts.values():
                account._store = self
            self.timeline.target = self
            self.peerings.regions = self.find_region
            for credential in self._root_keys:
                self.add_credential(credential)
            self.iam.revision += revision + 1
            self.clock.reset()
            self.clock.advance(other.clock.offset_seconds)

    def reset(self) -> None:
        """Back to a fresh start: no accounts, no pending events, emulated time = real time. The trail
        stays: it is the history of the calls made (a test run's, across the resets between tests)."""
        with self.lock:
            self.generation += 1
            gc.unfreeze()  # the state dropped here may be in the heap the server froze
            self.accounts.clear()
            self.iam.reset()
            for credential in self._root_keys:
                self.add_credential(credential)
            self.instance_regions.clear()
            self.endpoint_regions.clear()
            self.interfaces.clear()
            self.shared_images.clear()
            self.shared_snapshots.clear()
            self.peerings.clear()
            self.timeline.clear()
            self.clock.reset()
            if self.persistence is not None:
                self.persistence.clear(self)
