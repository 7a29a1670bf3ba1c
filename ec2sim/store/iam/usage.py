"""Access advisor's data: when each IAM user and role last used each service (and tracked action).

Written in place on every authenticated request (`record`), NOT journaled, like access keys' last
use (`IamAccount.record_key_use`): it is usage, not configuration. The table is bounded: one entry
per (entity, service) and per (entity, tracked action), each replaced on use; entities that no
longer exist are dropped once the table holds more than `MAX_ENTITIES` (or twice what the last
drop left). Persistence saves it as a snapshot next to the journal (`snapshot` / `restore`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

MAX_ENTITIES = 5000


@dataclass(frozen=True, slots=True)
class Use:
    at: datetime
    region: str


@dataclass(eq=False)
class EntityUsage:
    """One user's or role's last uses: by service namespace, and by ``service:Action`` tracked."""

    services: dict[str, Use] = field(default_factory=dict)
    actions: dict[str, Use] = field(default_factory=dict)


@dataclass(eq=False)
class AccessUsage:
    """An account's usage by entity unique id (AIDA…/AROA…): one created again is another entity."""

    entities: dict[str, EntityUsage] = field(default_factory=dict)
    # GenerateServiceLastAccessedDetails' reports by JobId (`ec2sim.api.iam.access_advisor`), in order
    jobs: dict[str, Any] = field(default_factory=dict)
    prune_at: int = MAX_ENTITIES  # the table's size that drops the entities gone (`record`)

    def record(
        self,
        entity_id: str,
        service: str,
        action: str | None,
        use: Use,
        live: Callable[[], Iterable[str]],
    ) -> None:
        """``action``: the tracked ``service:Action`` used, if any; ``live``: the ids that exist now
        (asked only when the table is full)."""
        usage = self.entities.get(entity_id)
        if usage is None:
            if len(self.entities) >= self.prune_at:
                keep = set(live())
                self.entities = {k: v for k, v in self.entities.items() if k in keep}
                # Twice what is left: pruning again at once would scan every entity on each new
                # one (an account of more than MAX_ENTITIES users, say); this keeps it amortized O(1).
                self.prune_at = max(MAX_ENTITIES, 2 * len(self.entities))
            usage = self.entities[entity_id] = EntityUsage()
        usage.services[service] = use
        if action is not None:
            usage.actions[action] = use

    def of(self, entity_id: str) -> EntityUsage | None:
        return self.entities.get(entity_id)

    def snapshot(self) -> list[Any]:
        """[[entity id, kind ("s"|"a"), name, ISO time, region], ...] (JSON-ready)."""
        return [
            [entity_id, kind, name, use.at.isoformat(), use.region]
            for entity_id, usage in self.entities.items()
            for kind, table in (("s", usage.services), ("a", usage.actions))
            for name, use in table.items()
        ]

    def restore(self, rows: Iterable[list[Any]]) -> None:
        for entity_id, kind, name, at, region in rows:
            usage = self.entities.setdefault(entity_id, EntityUsage())
            (usage.services if kind == "s" else usage.actions)[name] = Use(datetime.fromisoformat(at), region)
