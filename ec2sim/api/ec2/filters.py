"""EC2 ``Filter.N.Name`` / ``Filter.N.Value.M`` matching, shared by every Describe call.

A family declares its filters once as name → extractor (object → value or
values). Several values of one filter OR, several filters AND, values may use
``*`` and ``?`` (``\\`` escapes them). The filter on a resource's id and ``tag:KEY``, ``tag-key`` and
``tag-value`` come from its type's descriptor (`ec2sim.store.resources`). An unknown name is AWS's
InvalidParameterValue.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any, TypeVar

from ec2sim.api.errors import AwsError
from ec2sim.store.resources import ResourceType
from ec2sim.wildcards import compile_any, parse

T = TypeVar("T")
Extractor = Callable[[Any], Any]
Predicate = Callable[[Any], bool]


@lru_cache(maxsize=4096)
def value_matcher(values: tuple[str, ...]) -> Callable[[str], bool]:
    """A matcher for one filter's values (ORed) with EC2's ``*`` / ``?`` wildcards, matched in
    linear time (`ec2sim.wildcards`): a value is user input, so it never becomes a regex."""
    return compile_any(parse(value, escapes=True) for value in values)


def as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%dT%H:%M:%S}.{value.microsecond // 1000:03d}Z"
    return str(value)


def _texts(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple, set, frozenset)):
        return [as_text(v) for v in value if v is not None]
    return [as_text(value)]


def _resource_id(resource: Any) -> str:
    resource_id: str = resource.id
    return resource_id


def _tag_filters(name: str) -> Extractor | None:
    if name.startswith("tag:"):
        key = name[4:]
        return lambda obj: obj.tags.get(key)
    if name == "tag-key":
        return lambda obj: list(obj.tags)
    if name == "tag-value":
        return lambda obj: list(obj.tags.values())
    return None


class FilterSet:
    """The filters one Describe action accepts: `extractors`, and for a Describe of a resource type
    (`of`) what its descriptor implies: the filter on its id, and the tag filters if it is taggable."""

    def __init__(self, extractors: dict[str, Extractor], of: ResourceType | None = None) -> None:
        self.resource = of
        self.extractors = extractors
        self.tags = of is not None and of.taggable
        if of is not None and of.id_filter:
            self.extractors = {of.id_filter: _resource_id, **extractors}

    def extractor(self, name: str) -> Extractor:
        found = self.extractors.get(name) or (_tag_filters(name) if self.tags else None)
        if found is None:
            raise AwsError("InvalidParameterValue", f"The filter '{name}' is invalid")
        return found

    def predicate(self, filters: Sequence[Mapping[str, Any]] | None) -> Predicate | None:
        """One predicate for all filters (None when there are none)."""
        if not filters:
            return None
        checks: list[tuple[Extractor, Callable[[str], bool]]] = []
        for f in filters:
            name = f.get("Name")
            if not name:
                raise AwsError("InvalidParameterValue", "The filter 'null' is invalid")
            checks.append((self.extractor(name), value_matcher(tuple(f.get("Values", [])))))

        def matches(obj: Any) -> bool:
            for extract, matcher in checks:
                if not any(matcher(v) for v in _texts(extract(obj))):
                    return False
            return True

        return matches

    def apply(self, items: Iterable[T], filters: Sequence[Mapping[str, Any]] | None) -> list[T]:
        predicate = self.predicate(filters)
        return list(items) if predicate is None else [i for i in items if predicate(i)]

    def ids(self, filters: Sequence[Mapping[str, Any]] | None) -> list[str] | None:
        """The literal values of the id filter, for a look-up by id instead of a scan."""
        assert self.resource is not None
        return self.values(filters, self.resource.id_filter)

    def values(self, filters: Sequence[Mapping[str, Any]] | None, name: str) -> list[str] | None:
        """The literal values of filter `name` (for index look-ups), if it has no wildcards."""
        for f in filters or ():
            if f.get("Name") == name:
                vals = f.get("Values", [])
                if all(not any(c in v for c in "*?\\") for v in vals):
                    return vals
        return None
