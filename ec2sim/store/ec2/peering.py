"""VPC peering connections: one record server-wide, seen from both sides.

A connection is stored once, in the requester's account-region table (so durable state saves it
with that region, as an image is saved with its owner's); `PeeringRegistry` adds what the other
side needs without scans: look-up by id, the connections each account-region sees, and the live
ones of each VPC (`Ec2Region.vpc_in_use`). Tags are per side ("tags that you create for your VPC
peering connection are only applied in the account or region in which you create them", VPC
Peering Guide): the requester's are the record's `tags`; the accepter's live in the record too
(`accepter_tags`), and the accepter's region finds them through a `PeeringView` in its id registry,
so tagging works there unchanged.

Lifecycle (VPC Peering Guide, "VPC peering connection lifecycle"): initiating-request, then
pending-acceptance or failed; accepted: provisioning, then active; rejected; expired 7 days after
creation unless accepted; deleting (inter-region) then deleted. What ends stays visible for a
while, per side (`VISIBLE_FOR`), then is forgotten. Transitions run on the timeline.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar

from ec2sim.store.table import HOME, Resource, touch
from ec2sim.store.timeline import timeline_event

INITIATING, PENDING, FAILED, EXPIRED = "initiating-request", "pending-acceptance", "failed", "expired"
PROVISIONING, ACTIVE, REJECTED, DELETING, DELETED = (
    "provisioning",
    "active",
    "rejected",
    "deleting",
    "deleted",
)
# The states in which a connection counts as one between its VPCs.
LIVE = frozenset({INITIATING, PENDING, PROVISIONING, ACTIVE})
WAITING = frozenset({INITIATING, PENDING})
EXPIRES_AFTER = timedelta(days=7)
HOURS_2, DAYS_2 = timedelta(hours=2), timedelta(days=2)
# Assumed: AWS's status message when the peer VPC can't be peered (missing, another owner, or
# overlapping blocks), as EC2 reports a failed request.
FAILED_MESSAGE = "Failed due to incorrect VPC-ID, Account ID, or overlapping CIDR range"
OPTION_NAMES = (
    "AllowDnsResolutionFromRemoteVpc",
    "AllowEgressFromLocalClassicLinkToRemoteVpc",
    "AllowEgressFromLocalVpcToRemoteClassicLink",
)


@dataclass
class PeeringSide:
    """One VPC of a connection, as both sides describe it."""

    owner_id: str
    region: str
    vpc_id: str
    cidr_block: str = ""
    cidr_blocks: list[str] = field(default_factory=list)
    ipv6_cidr_blocks: list[str] = field(default_factory=list)
    options: dict[str, bool] = field(default_factory=dict)  # this side's peering options, once active
    visible_until: datetime | None = None  # after an end state: when this side stops seeing it


@dataclass(eq=False)
class VpcPeeringConnection(Resource):
    resource_type: ClassVar[str] = "vpc-peering-connection"
    owner_id: str  # the requester's account
    requester: PeeringSide
    accepter: PeeringSide
    status: str = INITIATING
    message: str = ""
    created: datetime | None = None
    expiration_time: datetime | None = None
    accepter_tags: dict[str, str] = field(default_factory=dict)

    @property
    def connection(self) -> VpcPeeringConnection:
        return self

    @property
    def one_side(self) -> bool:
        """Requester and accepter are the same account-region (one view, one set of tags)."""
        return (self.requester.owner_id, self.requester.region) == (
            self.accepter.owner_id,
            self.accepter.region,
        )

    def sides_of(self, account_id: str, region: str) -> list[PeeringSide]:
        return [s for s in (self.requester, self.accepter) if (s.owner_id, s.region) == (account_id, region)]

    def visible_to(self, account_id: str, region: str, now: datetime) -> bool:
        return any(
            s.visible_until is None or now < s.visible_until for s in self.sides_of(account_id, region)
        )

    def tags_of(self, account_id: str, region: str) -> dict[str, str]:
        """The tags the side of `account_id` in `region` gave it."""
        requester = (self.requester.owner_id, self.requester.region) == (account_id, region)
        return self.tags if requester else self.accepter_tags


@dataclass(eq=False)
class PeeringView(Resource):
    """The accepter's handle on a connection in its own id registry: its tags are the record's
    `accepter_tags` (the same dict), and a change to them is a change of the record."""

    resource_type: ClassVar[str] = "vpc-peering-connection"
    owner_id: str
    connection: VpcPeeringConnection


Regions = Callable[[str, str], Any]  # (account, region) → its `Ec2Region`, if it exists


class PeeringRegistry:
    """Every connection by id, by the account-regions that see it and by VPC."""

    def __init__(self, regions: Regions) -> None:
        self.regions = regions
        self._by_id: dict[str, VpcPeeringConnection] = {}
        self._seen_by: dict[tuple[str, str], dict[str, VpcPeeringConnection]] = {}
        self._by_vpc: dict[str, dict[str, VpcPeeringConnection]] = {}

    def get(self, connection_id: str) -> VpcPeeringConnection | None:
        return self._by_id.get(connection_id)

    def seen_by(self, account_id: str, region: str) -> Iterable[VpcPeeringConnection]:
        return self._seen_by.get((account_id, region), {}).values()

    def of_vpc(self, vpc_id: str) -> Iterable[VpcPeeringConnection]:
        return self._by_vpc.get(vpc_id, {}).values()

    def add(self, connection: VpcPeeringConnection) -> None:
        self._by_id[connection.id] = connection
        for side in (connection.requester, connection.accepter):
            self._seen_by.setdefault((side.owner_id, side.region), {})[connection.id] = connection
            self._by_vpc.setdefault(side.vpc_id, {})[connection.id] = connection
        if not connection.one_side:
            accepter = self.regions(connection.accepter.owner_id, connection.accepter.region)
            # Only a VPC there can be peered: a request naming another fails, unseen by that region.
            if accepter is not None and connection.accepter.vpc_id in accepter.vpcs:
                view = PeeringView(
                    connection.id,
                    owner_id=connection.accepter.owner_id,
                    connection=connection,
                    tags=connection.accepter_tags,
                )
                view.__dict__[HOME] = connection  # a change to its tags is the record's
                accepter.resources[connection.id] = view

    def remove(self, connection: VpcPeeringConnection) -> None:
        self._by_id.pop(connection.id, None)
        for side in (connection.requester, connection.accepter):
            self._seen_by.get((side.owner_id, side.region), {}).pop(connection.id, None)
            self._by_vpc.get(side.vpc_id, {}).pop(connection.id, None)
        accepter = self.regions(connection.accepter.owner_id, connection.accepter.region)
        if accepter is not None and not connection.one_side:
            accepter.resources.pop(connection.id, None)

    def clear(self) -> None:
        self._by_id.clear()
        self._seen_by.clear()
        self._by_vpc.clear()


# Transitions -------------------------------------------------------------------------------------


def set_status(connection: VpcPeeringConnection, status: str, message: str) -> None:
    connection.status, connection.message = status, message
    touch(connection)


def end(
    store: Any,
    connection: VpcPeeringConnection,
    status: str,
    message: str,
    now: datetime,
    requester_for: timedelta,
    accepter_for: timedelta,
) -> None:
    """Put a connection in an end state, visible to each side for the time given, then forgotten."""
    set_status(connection, status, message)
    if connection.requester.owner_id == connection.accepter.owner_id and status in (REJECTED, DELETED):
        # "If the VPC peering connection was created within the same AWS account, [it] remains
        # visible for 2 hours."
        requester_for = accepter_for = HOURS_2
    connection.requester.visible_until = now + requester_for
    connection.accepter.visible_until = now + accepter_for
    touch(connection)
    store.timeline.schedule(now + max(requester_for, accepter_for), "peering.forget", connection.id)


def activate_at(store: Any, connection: VpcPeeringConnection, when: datetime) -> None:
    store.timeline.schedule(when, "peering.active", connection.id)


@timeline_event("peering.pending")
def _pending(store: Any, when: datetime, connection_id: str) -> None:
    connection = store.peerings.get(connection_id)
    if connection is not None and connection.status == INITIATING:
        set_status(connection, PENDING, f"Pending Acceptance by {connection.accepter.owner_id}")


@timeline_event("peering.active")
def _active(store: Any, when: datetime, connection_id: str) -> None:
    connection = store.peerings.get(connection_id)
    if connection is not None and connection.status == PROVISIONING:
        for side in (connection.requester, connection.accepter):
            side.options = dict.fromkeys(OPTION_NAMES, False)
        set_status(connection, ACTIVE, "Active")


@timeline_event("peering.expire")
def _expire(store: Any, when: datetime, connection_id: str) -> None:
    connection = store.peerings.get(connection_id)
    if connection is not None and connection.status in (INITIATING, PENDING):
        end(store, connection, EXPIRED, "Expired", when, DAYS_2, DAYS_2)


def holds(connection: VpcPeeringConnection, vpc_id: str) -> bool:
    """Whether the connection keeps VPC `vpc_id` from being deleted (DependencyViolation): while
    accepted, and while its request waits on the accepter's side ("You cannot delete a VPC for which
    you have a pending-acceptance request"). A waiting request goes with the requester's VPC."""
    if connection.status in (PROVISIONING, ACTIVE):
        return True
    return connection.status in WAITING and connection.accepter.vpc_id == vpc_id


def withdraw_requests(store: Any, vpc_id: str, by: str, now: datetime) -> None:
    """The requester's VPC is being deleted: "If you have requested a VPC peering connection [...]
    and you delete your VPC before the other party has accepted the request, the VPC peering
    connection is also deleted" (VPC Peering Guide)."""
    for connection in list(store.peerings.of_vpc(vpc_id)):
        if connection.status in WAITING and connection.requester.vpc_id == vpc_id:
            delete(store, connection, by, now)


def delete(store: Any, connection: VpcPeeringConnection, by: str, now: datetime) -> None:
    """Delete a connection on behalf of account `by`: at once in one region, through ``deleting``
    between regions."""
    if connection.requester.region == connection.accepter.region:
        _finish_delete(store, connection, by, now)
    else:
        set_status(connection, DELETING, "Deleting")
        store.timeline.schedule(now, "peering.deleted", connection.id, by)


def _finish_delete(store: Any, connection: VpcPeeringConnection, by: str, now: datetime) -> None:
    """Visible to the party that deleted it for 2 hours, to the other for 2 days."""
    by_requester = by == connection.requester.owner_id
    end(
        store,
        connection,
        DELETED,
        f"Deleted by {by}",
        now,
        HOURS_2 if by_requester else DAYS_2,
        DAYS_2 if by_requester else HOURS_2,
    )


@timeline_event("peering.failed")
def _failed(store: Any, when: datetime, connection_id: str) -> None:
    """The failed request stays visible to the requester for 2 hours (the accepter never sees it)."""
    connection = store.peerings.get(connection_id)
    if connection is not None and connection.status == INITIATING:
        end(store, connection, FAILED, FAILED_MESSAGE, when, HOURS_2, timedelta(0))


@timeline_event("peering.deleted")
def _deleted(store: Any, when: datetime, connection_id: str, by: str) -> None:
    connection = store.peerings.get(connection_id)
    if connection is not None and connection.status == DELETING:
        _finish_delete(store, connection, by, when)


@timeline_event("peering.forget")
def _forget(store: Any, when: datetime, connection_id: str) -> None:
    connection = store.peerings.get(connection_id)
    if connection is None:
        return
    ends = [s.visible_until for s in (connection.requester, connection.accepter)]
    if all(e is not None and e <= when for e in ends):
        region = store.find_region(connection.requester.owner_id, connection.requester.region)
        if region is not None:
            region.remove_peering(connection)
