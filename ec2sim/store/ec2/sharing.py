"""Resources one account can share with others: AMIs (launchPermission) and
EBS snapshots (createVolumePermission).

The owner's region table holds the resource; this server-wide registry adds
what other accounts need without scans: look-up by id across accounts, the
public ones of a region (all, or one owner's), and the ones granted to an account. Grants name
accounts; organization and OU grants are stored on the resource by callers but
grant nothing here, as no organizations are emulated.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Generic, Protocol, TypeVar

from ec2sim.store.table import touch


class Shareable(Protocol):
    id: str
    owner_id: str
    region: str
    public: bool
    shared_with: set[str]  # account ids granted, besides the owner


S = TypeVar("S", bound=Shareable)


class SharedRegistry(Generic[S]):
    def __init__(self) -> None:
        self._by_id: dict[str, S] = {}
        self._public: dict[str, dict[str, S]] = {}  # region → id → item
        self._public_by_owner: dict[tuple[str, str], dict[str, S]] = {}  # (region, owner) → id → item
        self._granted: dict[tuple[str, str], dict[str, S]] = {}  # (region, account) → id → item

    def get(self, resource_id: str) -> S | None:
        return self._by_id.get(resource_id)

    def add(self, item: S) -> S:
        self._by_id[item.id] = item
        if item.public:
            self._index_public(item, True)
        for account in item.shared_with:
            self._granted.setdefault((item.region, account), {})[item.id] = item
        return item

    def remove(self, resource_id: str) -> S | None:
        item = self._by_id.pop(resource_id, None)
        if item is not None:
            self._index_public(item, False)
            for account in item.shared_with:
                self._granted.get((item.region, account), {}).pop(item.id, None)
        return item

    def set_public(self, item: S, public: bool) -> None:
        item.public = public
        self._index_public(item, public)

    def _index_public(self, item: S, public: bool) -> None:
        for bucket in (
            self._public.setdefault(item.region, {}),
            self._public_by_owner.setdefault((item.region, item.owner_id), {}),
        ):
            if public:
                bucket[item.id] = item
            else:
                bucket.pop(item.id, None)

    def grant(self, item: S, accounts: Iterable[str]) -> None:
        for account in accounts:
            item.shared_with.add(account)
            self._granted.setdefault((item.region, account), {})[item.id] = item
        touch(item)

    def revoke(self, item: S, accounts: Iterable[str]) -> None:
        for account in accounts:
            item.shared_with.discard(account)
            self._granted.get((item.region, account), {}).pop(item.id, None)
        touch(item)

    def usable_by(self, item: S, account_id: str) -> bool:
        return item.public or item.owner_id == account_id or account_id in item.shared_with

    def public_in(self, region: str) -> Iterable[S]:
        return self._public.get(region, {}).values()

    def public_owned_by(self, region: str, owner_id: str) -> Iterable[S]:
        return self._public_by_owner.get((region, owner_id), {}).values()

    def granted_to(self, region: str, account_id: str) -> Iterable[S]:
        return self._granted.get((region, account_id), {}).values()

    def clear(self) -> None:
        self._by_id.clear()
        self._public.clear()
        self._public_by_owner.clear()
        self._granted.clear()
