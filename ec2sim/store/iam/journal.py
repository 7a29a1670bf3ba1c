"""All IAM state (every account's tables, every issued credential) and the journal of its changes.

Every change is a `Change` record, applied, appended to `journal` and counted by `revision`
(monotonic, from 0): caches and propagation delay key on the revision, persistence writes the
journal, and replaying it into an empty store (`replay`) rebuilds an equal state.

Not journaled: root keys from the settings (configuration, installed again at every start, see
`add_credential`), and the per-request usage records of `IamAccount.record_key_use`.

The changes' and accounts' modules load with the first change (a server starts without them).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from ec2sim.store.iam.credentials import Credential
from ec2sim.store.timeline import Timeline, timeline_event

if TYPE_CHECKING:
    from ec2sim.store.iam.account import IamAccount
    from ec2sim.store.iam.changes import Change
    from ec2sim.store.iam.issued import IssueCredential

FORGET_EXPIRED_AFTER = timedelta(hours=1)  # a temporary key's full record outlives its expiry by this


class HasIam(Protocol):
    iam: IamStore


@timeline_event("iam.forget")
def _forget(store: HasIam, when: datetime, access_key_id: str, expiration: datetime) -> None:
    """A temporary key expired `FORGET_EXPIRED_AFTER` ago: forget it, unless it is gone already."""
    from ec2sim.store.iam.issued import ForgetCredential

    credential = store.iam.credentials.get(access_key_id)
    if credential is not None and credential.expiration == expiration:
        store.iam.record(
            ForgetCredential(
                account_id=credential.account_id, at=when, access_key_id=access_key_id, expiration=expiration
            )
        )


class IamStore:
    def __init__(self, timeline: Timeline) -> None:
        self._timeline = timeline
        self.accounts: dict[str, IamAccount] = {}
        # Every credential the server has issued, by access key id, across accounts.
        self.credentials: dict[str, Credential] = {}
        # Keys issued once and since forgotten: refused, never taken for unknown keys. The value is
        # the expiry of a temporary key forgotten after it expired (ExpiredToken), None for a deleted key.
        self.retired_keys: dict[str, datetime | None] = {}
        self.journal: list[Change] = []
        self.revision = 0
        self.propagation_seconds = 0.0  # --iam-propagation-seconds (set by the server)

    def record(self, change: Change) -> None:
        """Apply `change`, journal it, and hold back what it names until it has propagated."""
        change.apply(self)
        self.journal.append(change)
        self.revision += 1
        changed = self.accounts.get(change.account_id)
        if changed is not None:
            changed.revision = self.revision
        if self.propagation_seconds > 0:
            keys = change.pending_keys()
            if keys:
                ready = change.at + timedelta(seconds=self.propagation_seconds)
                pending = self.accounts[change.account_id].pending_changes
                for key in keys:
                    pending[tuple(part.lower() for part in key)] = ready

    def replay(self, changes: Iterable[Change]) -> None:
        for change in changes:
            self.record(change)

    # What changes apply to (`ec2sim.store.iam.changes.IamState`) ------------------------------------

    def tables(self, account_id: str) -> IamAccount:
        return self.accounts[account_id]

    def add_account(self, account_id: str, create_date: datetime) -> None:
        from ec2sim.store.iam.account import IamAccount

        self.accounts[account_id] = IamAccount(account_id, create_date, record=self.record)

    def forget_after_expiry(self, credential: Credential) -> None:
        """Once `credential` (temporary) is expired by FORGET_EXPIRED_AFTER, keep only its expiry.

        SDKs polling instance metadata or assuming roles get new sets forever; without
        this `credentials` would grow without bound. Until then an expired key is checked
        in full (signature, then expiry); after, it answers ExpiredToken from its expiry alone.
        """
        assert credential.expiration is not None
        when = credential.expiration + FORGET_EXPIRED_AFTER
        self._timeline.schedule(when, "iam.forget", credential.access_key_id, credential.expiration)

    # Operations -----------------------------------------------------------------------------------------

    def account(self, account_id: str, now: datetime) -> IamAccount:
        """The account's IAM, which appears (a change) on first use."""
        found = self.accounts.get(account_id)
        if found is None:
            from ec2sim.store.iam.changes import CreateAccount

            self.record(CreateAccount(account_id=account_id, at=now))
            found = self.accounts[account_id]
        return found

    def issue(self, change: IssueCredential) -> Credential:
        """Issue the temporary credential `change` describes."""
        self.record(change)
        return self.credentials[change.access_key_id]

    def add_credential(self, credential: Credential) -> Credential:
        """Install a key the settings give (root keys): configuration, not a journaled change."""
        self.credentials[credential.access_key_id] = credential
        return credential

    def reset(self) -> None:
        """No accounts and no credentials; the journal restarts, the revision keeps counting up."""
        self.accounts.clear()
        self.credentials.clear()
        self.retired_keys.clear()
        self.journal.clear()
        self.revision += 1
