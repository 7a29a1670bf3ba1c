"""IAM eventual consistency (``--iam-propagation-seconds N``).

AWS documents that IAM changes take a while to reach every endpoint: a new user, role, policy,
attachment or instance profile may not work for some seconds. ec2sim models that simply: a
change recorded in the IAM journal names what it changed (`Change.pending_keys`), the store marks
it pending when it records the change (`IamStore.record`), and it stays invisible to
authorization (`ec2sim.iam.principal_policies`) and to EC2 (instance profile resolution) until
N seconds of emulated time have passed. "Invisible" means the state before the change: a new
attachment or inline policy doesn't apply yet, a new boundary doesn't limit yet, a new group
membership doesn't grant yet, a new instance profile can't be launched with yet. Removals take
effect at once (the conservative side). A replaced policy document is invisible as a whole
until it has propagated (the old text is not kept).

Keys are tuples of lower-cased strings, e.g. ``("user", "alice")``,
``("user", "alice", "inline", "p")``, ``("role", "r", "attached", ARN)``,
``("user", "alice", "group", "devs")``, ``("policy", ARN)``, ``("instance-profile", "p")``.

The pending table is the account's (`IamAccount.pending_changes`); expired entries are dropped
as they are read, so with N = 0 nothing is ever recorded and every check is one emptiness test
of a dict. This module only reads it.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ec2sim.store.iam.account import IamAccount
    from ec2sim.store.iam.changes import Key


def pending(iam: IamAccount, now: datetime) -> dict[Key, datetime] | None:
    """The account's changes not yet propagated at ``now`` (None when there are none)."""
    table = iam.pending_changes
    if not table:
        return None
    for key in [k for k, ready in table.items() if ready <= now]:
        del table[key]
    return table or None


def visible(table: dict[Key, datetime] | None, *key: str) -> bool:
    """Has what ``key`` names propagated? (``table`` from `pending`.)"""
    return table is None or tuple(part.lower() for part in key) not in table
