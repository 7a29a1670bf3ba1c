"""A table of resources by id, with secondary indexes it keeps itself.

Every mutation goes through `add`, `update` or `remove`, so indexes (and the
region-wide id registry used by tagging) can never drift from the objects.

Durable state (`ec2sim.store.persistence`) saves, after each request, the stored resources that
changed. A table of a durable store has a `Tracker`, and notes there every item it adds, updates
or removes; an item knows its table (``_home``, set by `add`; a security group's rule: its group),
so an attribute assigned on a stored resource (`Resource.__setattr__`, once any store is durable)
and `touch` (for containers edited in place) note it too. Without a durable store, none of this
runs beyond a ``None`` check.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any, ClassVar, Generic, TypeVar

HOME = "_home"  # an item's table (or the resource it is part of), kept outside its fields


@dataclass(eq=False)
class Resource:
    """Anything with an id and tags; `resource_type` is EC2's name for its kind."""

    resource_type: ClassVar[str] = ""
    id: str
    tags: dict[str, str] = field(default_factory=dict, kw_only=True)


R = TypeVar("R", bound=Resource)


class Tracker:
    """The stored resources of a durable store changed since its last commit."""

    def __init__(self) -> None:
        self.changed: dict[int, tuple[Table[Any], Resource]] = {}
        self.regions: list[Any] = []  # account-regions created since (`ec2sim.store.ec2.region.Ec2Region`)
        Resource.__setattr__ = _tracked_setattr  # type: ignore[method-assign, assignment]


def touch(item: Any) -> None:
    """Note that stored `item` changed in place (a container it holds), for durable state."""
    home = item.__dict__.get(HOME)
    while isinstance(home, Resource):  # part of another resource: that one changed
        item, home = home, home.__dict__.get(HOME)
    if home is not None and home.tracker is not None:
        home.tracker.changed[id(item)] = (home, item)


def touch_within(value: Any, depth: int = 3) -> None:
    """`touch` every resource `value` holds: itself, the fields of a dataclass, the items of a
    list, tuple, set or dict's values, down to `depth` levels (a request's plan)."""
    if isinstance(value, Resource):
        touch(value)
    elif depth > 0:
        if isinstance(value, dict):
            value = value.values()
        elif is_dataclass(value) and not isinstance(value, type):
            value = [getattr(value, f.name) for f in fields(value)]
        elif not isinstance(value, (list, tuple, set, frozenset)):
            return
        for item in value:
            touch_within(item, depth - 1)


def _tracked_setattr(self: Resource, name: str, value: Any) -> None:
    object.__setattr__(self, name, value)
    if HOME in self.__dict__:
        touch(self)


class Table(Generic[R]):
    def __init__(self, registry: dict[str, Resource] | None = None, indexes: Iterable[str] = ()) -> None:
        self._items: dict[str, R] = {}
        self._registry = registry
        # value → the one item with it, or a dict (id → item) of several: most values of an index
        # by owner (an instance's interfaces, volumes) name one item, and a dict each is 224 bytes
        self._indexes: dict[str, dict[Any, R | dict[str, R]]] = {name: {} for name in indexes}
        self.tracker: Tracker | None = None
        self.key: tuple[str, str, str] = ("", "", "")  # account, region, table name

    def own(self, tracker: Tracker | None, key: tuple[str, str, str]) -> None:
        """Report changes to `tracker` (a durable store's) as the table `key` names."""
        self.tracker, self.key = tracker, key

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[R]:
        return iter(self._items.values())

    def __contains__(self, resource_id: object) -> bool:
        return resource_id in self._items

    def get(self, resource_id: str) -> R | None:
        return self._items.get(resource_id)

    def ids(self) -> list[str]:
        return list(self._items)

    def where(self, attribute: str, value: Any) -> Collection[R]:
        """Items whose indexed `attribute` equals `value`, without a scan."""
        found = self._indexes[attribute].get(value)
        if found is None:
            return ()
        return found.values() if isinstance(found, dict) else (found,)

    def add(self, item: R) -> R:
        self._items[item.id] = item
        item.__dict__[HOME] = self
        if self.tracker is not None:
            self.tracker.changed[id(item)] = (self, item)
        if self._registry is not None:
            self._registry[item.id] = item
        self._index(item)
        return item

    def update(self, item: R, **changes: Any) -> R:
        touched = [name for name in changes if name in self._indexes]
        for name in touched:
            self._unindex_one(name, item)
        for name, value in changes.items():
            setattr(item, name, value)
        for name in touched:
            self._index_one(name, item)
        if self.tracker is not None:
            self.tracker.changed[id(item)] = (self, item)
        return item

    def remove(self, resource_id: str) -> R | None:
        item = self._items.pop(resource_id, None)
        if item is not None:
            if self.tracker is not None:
                self.tracker.changed[id(item)] = (self, item)
            if self._registry is not None:
                self._registry.pop(resource_id, None)
            for name in self._indexes:
                self._unindex_one(name, item)
        return item

    def _index(self, item: R) -> None:
        for name in self._indexes:
            self._index_one(name, item)

    def _index_one(self, name: str, item: R) -> None:
        index, value = self._indexes[name], getattr(item, name)
        found = index.get(value)
        if found is None or (not isinstance(found, dict) and found.id == item.id):
            index[value] = item
        elif isinstance(found, dict):
            found[item.id] = item
        else:
            index[value] = {found.id: found, item.id: item}

    def _unindex_one(self, name: str, item: R) -> None:
        index, value = self._indexes[name], getattr(item, name)
        found = index.get(value)
        if isinstance(found, dict):
            found.pop(item.id, None)
            if not found:
                del index[value]
        elif found is not None and found.id == item.id:
            del index[value]
