"""What every signed request writes in place, unsaved: access keys' and roles' last uses and access
advisor's usage. Saving them with each request would turn every read into a write: durable state
(`ec2sim.store.persistence`) saves them as a snapshot when the server stops."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ec2sim.store import Store
from ec2sim.store.codec import Codec

_DATES = Codec(tuple)  # no classes: timestamps only, encoded as everywhere else in the saved state


def key_uses(store: Store) -> list[list[Any]]:
    return [
        [
            tables.account_id,
            key.id,
            _DATES.encode(key.last_used_date),
            key.last_used_service,
            key.last_used_region,
        ]
        for tables in store.iam.accounts.values()
        for user in tables.users
        for key in user.access_keys.values()
        if key.last_used_date is not None
    ]


def apply_key_uses(store: Store, uses: list[list[Any]]) -> None:
    keys = {
        (tables.account_id, key.id): key
        for tables in store.iam.accounts.values()
        for user in tables.users
        for key in user.access_keys.values()
    }
    for account_id, key_id, when, service, region in uses:
        key = keys.get((account_id, key_id))
        if key is not None:
            key.last_used_date = _DATES.decode(when, datetime)
            key.last_used_service, key.last_used_region = service, region


def access_uses(store: Store) -> dict[str, Any]:
    """Access advisor's usage and roles' last uses by account (written in place per request too)."""
    return {
        tables.account_id: {
            "usage": tables.usage.snapshot(),
            "roles": [
                [role.id, _DATES.encode(role.last_used_date), role.last_used_region]
                for role in tables.roles
                if role.last_used_date is not None
            ],
        }
        for tables in store.iam.accounts.values()
    }


def apply_access_uses(store: Store, saved: dict[str, Any]) -> None:
    for account_id, data in saved.items():
        tables = store.iam.accounts.get(account_id)
        if tables is None:
            continue
        tables.usage.restore(data["usage"])
        roles = {role.id: role for role in tables.roles}
        for role_id, when, region in data["roles"]:
            if role_id in roles:
                roles[role_id].last_used_date = _DATES.decode(when, datetime)
                roles[role_id].last_used_region = region
