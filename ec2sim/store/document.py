"""The state as one JSON document (``/_ec2sim/state``, and what a state dir's rows hold): `export_state`
writes it, `build_store` decodes one into a fresh store, refusing a bad document with a `StateError`
that names the problem (imports and loading a state dir, `ec2sim.store.persistence`, share it)."""

from __future__ import annotations

import dataclasses
import re
import sys
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from ec2sim.clock import MAX_OFFSET_SECONDS
from ec2sim.store import Store
from ec2sim.store.codec import Codec, DecodeError
from ec2sim.store.ec2.addresses import Address
from ec2sim.store.ec2.endpoints import VpcEndpoint
from ec2sim.store.ec2.gateways import EgressOnlyInternetGateway, InternetGateway, NatGateway
from ec2sim.store.ec2.geography import is_valid_region
from ec2sim.store.ec2.images import Image
from ec2sim.store.ec2.instances import Instance
from ec2sim.store.ec2.interfaces import InterfacePermission
from ec2sim.store.ec2.keypairs import KeyPair
from ec2sim.store.ec2.launch_templates import LaunchTemplate
from ec2sim.store.ec2.network import NetworkInterface, SecurityGroup, Subnet, Vpc
from ec2sim.store.ec2.peering import VpcPeeringConnection
from ec2sim.store.ec2.prefix_lists import ManagedPrefixList
from ec2sim.store.ec2.region import TABLES, Ec2Region
from ec2sim.store.ec2.routing import (
    DhcpOptions,
    NetworkAcl,
    NetworkAclAssociation,
    RouteTable,
    RouteTableAssociation,
)
from ec2sim.store.ec2.snapshots import Snapshot
from ec2sim.store.ec2.volumes import Volume
from ec2sim.store.iam.changes import Change
from ec2sim.store.timeline import Event, check_event

FORMAT, VERSION = "ec2sim-state", 1
_ACCOUNT = re.compile(r"\d{12}")
ITEM_CLASSES: dict[str, type] = {
    "vpcs": Vpc,
    "subnets": Subnet,
    "prefix_lists": ManagedPrefixList,
    "security_groups": SecurityGroup,
    "network_interfaces": NetworkInterface,
    "interface_permissions": InterfacePermission,
    "key_pairs": KeyPair,
    "launch_templates": LaunchTemplate,
    "volumes": Volume,
    "snapshots": Snapshot,
    "images": Image,
    "instances": Instance,
    "dhcp_options": DhcpOptions,
    "internet_gateways": InternetGateway,
    "egress_only_internet_gateways": EgressOnlyInternetGateway,
    "nat_gateways": NatGateway,
    "route_tables": RouteTable,
    "route_table_associations": RouteTableAssociation,
    "network_acls": NetworkAcl,
    "network_acl_associations": NetworkAclAssociation,
    "vpc_peering_connections": VpcPeeringConnection,
    "addresses": Address,
    "vpc_endpoints": VpcEndpoint,
}
assert tuple(ITEM_CLASSES) == TABLES


def _store_classes() -> Iterator[type]:
    """Every dataclass defined in a module of the store imported so far: the journal's changes
    (whichever module defines them) and every record a change or a resource holds."""
    for name, module in list(sys.modules.items()):
        if name.startswith("ec2sim.store.") and module is not None:
            for value in list(vars(module).values()):
                if isinstance(value, type) and dataclasses.is_dataclass(value) and value.__module__ == name:
                    yield value


CODEC = Codec(_store_classes)


class StateError(ValueError):
    """A state document (or saved state) that can't be loaded; ``str()`` names the problem."""


def _regions(store: Store) -> list[Ec2Region]:
    return [
        region
        for account_id in sorted(store.accounts)
        for region in sorted(store.accounts[account_id].ec2_regions(), key=lambda r: r.name)
    ]


def _row(region: Ec2Region, table: str, item: Any) -> dict[str, Any]:
    return {"account": region.account_id, "region": region.name, "table": table, "item": CODEC.encode(item)}


def encode_event(event: Event) -> dict[str, Any]:
    when, _, kind, args = event
    return {"at": CODEC.encode(when), "kind": kind, "args": CODEC.encode(list(args))}


def export_state(store: Store) -> dict[str, Any]:
    """The whole state as JSON-safe data, in a stable order (equal states export equally)."""
    regions = _regions(store)
    return {
        "format": FORMAT,
        "version": VERSION,
        "clock_offset_seconds": store.clock.offset_seconds,
        "iam": [CODEC.encode(change) for change in store.iam.journal],
        "regions": [
            {"account": r.account_id, "region": r.name, "default_vpc_id": r.default_vpc_id} for r in regions
        ],
        "ec2": [
            _row(region, table, item)
            for region in regions
            for table in TABLES
            for item in sorted(getattr(region, table), key=lambda i: i.id)
        ],
        "timeline": [encode_event(event) for event in store.timeline.pending()],
    }


def _field(doc: dict[str, Any], name: str, kind: type, where: str) -> Any:
    value = doc.get(name)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise StateError(f"{where}{name} must be a {'list' if kind is list else kind.__name__}")
    return value


def build_store(doc: Any, like: Store) -> Store:
    """A new store holding the state `doc` describes (durable if `like` is, with its ids and
    settings); StateError (and `like` untouched) for a document that isn't one."""
    if not isinstance(doc, dict):
        raise StateError("the state must be a JSON object")
    if doc.get("format") != FORMAT or doc.get("version") != VERSION:
        raise StateError(f'the state must have "format": "{FORMAT}" and "version": {VERSION}')
    unknown = sorted(
        set(doc) - {"format", "version", "clock_offset_seconds", "iam", "regions", "ec2", "timeline"}
    )
    if unknown:
        raise StateError(f"unknown member {unknown[0][:60]!r}")
    offset = doc.get("clock_offset_seconds")
    if (
        not isinstance(offset, (int, float))
        or isinstance(offset, bool)
        or not 0 <= offset <= MAX_OFFSET_SECONDS
    ):
        raise StateError(f"clock_offset_seconds must be a number from 0 to {MAX_OFFSET_SECONDS:.0f}")
    fresh = Store(durable=like.tracker is not None)
    fresh.ids = like.ids
    fresh.iam.propagation_seconds = like.iam.propagation_seconds
    fresh.clock.advance(float(offset))
    try:
        _load_iam(fresh, _field(doc, "iam", list, ""))
        fresh.timeline.clear()  # what replaying scheduled: the saved timeline says what is pending
        _load_ec2(fresh, _field(doc, "regions", list, ""), _field(doc, "ec2", list, ""))
        _load_timeline(fresh, _field(doc, "timeline", list, ""))
    except DecodeError as error:
        raise StateError(str(error)) from None
    if fresh.tracker is not None:
        fresh.tracker.changed.clear()
        fresh.tracker.regions.clear()
    return fresh


def _load_iam(store: Store, changes: list[Any]) -> None:
    for i, data in enumerate(changes):
        change = CODEC.decode(data, Change, f"iam[{i}]")
        try:
            store.iam.record(change)
        except Exception as error:  # noqa: BLE001 - whatever a change that doesn't fit raises, it's the document's fault
            raise StateError(f"iam[{i}]: {type(change).__name__} does not apply: {error!r}"[:300]) from None


def _load_ec2(store: Store, regions: list[Any], rows: list[Any]) -> None:
    for i, entry in enumerate(regions):
        where = f"regions[{i}]."
        if not isinstance(entry, dict):
            raise StateError(f"regions[{i}] must be an object")
        account_id = _field(entry, "account", str, where)
        name = _field(entry, "region", str, where)
        if not _ACCOUNT.fullmatch(account_id) or not is_valid_region(name):
            raise StateError(f"{where[:-1]}: no account {account_id[:20]!r} or region {name[:20]!r}")
        if store.find_region(account_id, name) is not None:
            raise StateError(f"{where[:-1]}: {account_id} {name} appears twice")
        store.account(account_id).restore_region(name, _field(entry, "default_vpc_id", str, where))
    order = {table: n for n, table in enumerate(TABLES)}
    for i, row in sorted(
        enumerate(rows), key=lambda r: order.get(str(r[1].get("table")), 0) if isinstance(r[1], dict) else 0
    ):
        where = f"ec2[{i}]."
        if not isinstance(row, dict):
            raise StateError(f"ec2[{i}] must be an object")
        table = _field(row, "table", str, where)
        if table not in ITEM_CLASSES:
            raise StateError(f"{where}table must be one of {', '.join(TABLES)}")
        region = store.find_region(_field(row, "account", str, where), _field(row, "region", str, where))
        if region is None:
            raise StateError(f"ec2[{i}]: its account-region is not in regions")
        item = CODEC.decode(row.get("item"), ITEM_CLASSES[table], f"{where}item")
        if item.id in region.resources or item.id in getattr(region, table):
            raise StateError(f"ec2[{i}]: {item.id} appears twice")
        region.add_restored(table, item)


def _load_timeline(store: Store, events: list[Any]) -> None:
    restored: list[Event] = []
    for i, entry in enumerate(events):
        where = f"timeline[{i}]."
        if not isinstance(entry, dict):
            raise StateError(f"timeline[{i}] must be an object")
        when = CODEC.decode(entry.get("at"), datetime, f"{where}at")
        args = CODEC.decode(entry.get("args"), list, f"{where}args")
        kind = _field(entry, "kind", str, where)
        try:
            check_event(kind, tuple(args))
        except ValueError as error:
            raise StateError(f"timeline[{i}]: {error}") from None
        restored.append((when, i, kind, tuple(args)))
    store.timeline.restore(restored)
