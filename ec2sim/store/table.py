"""A table of resources by id, with secondary indexes it keeps itself.

Every mutation goes through `add`, `update` or `remove`, so indexes (and the
region-wide id registry used by tagging) can never drift from the objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar


@dataclass(eq=False)
class Resource:
    """Anything with an id and tags; `resource_type` is EC2's name for its kind."""

    resource_type: ClassVar[str] = ""
    id: str
    tags: dict[str, str] = field(default_factory=dict, kw_only=True)


R = TypeVar("R", bound=Resource)


class Table(Generic[R]):
    def __init__(self, registry: dict[str, Resource] | None = None, indexes: Iterable[str] = ()) -> None:
        self._items: dict[str, R] = {}
        self._registry = registry
        self._indexes: dict[str, dict[Any, dict[str, R]]] = {name: {} for name in indexes}

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

    def where(self, attribute: str, value: Any) -> Iterable[R]:
        """Items whose indexed `attribute` equals `value`, without a scan."""
        return self._indexes[attribute].get(value, {}).values()

    def add(self, item: R) -> R:
        self._items[item.id] = item
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
        return item

    def remove(self, resource_id: str) -> R | None:
        item = self._items.pop(resource_id, None)
        if item is not None:
            if self._registry is not None:
                self._registry.pop(resource_id, None)
            for name in self._indexes:
                self._unindex_one(name, item)
        return item

    def _index(self, item: R) -> None:
        for name in self._indexes:
            self._index_one(name, item)

    def _index_one(self, name: str, item: R) -> None:
        self._indexes[name].setdefault(getattr(item, name), {})[item.id] = item

    def _unindex_one(self, name: str, item: R) -> None:
        bucket = self._indexes[name].get(getattr(item, name))
        if bucket is not None:
            bucket.pop(item.id, None)
            if not bucket:
                del self._indexes[name][getattr(item, name)]
