"""What the server knows about every call it answered: who made it, what it asked, what was checked
and decided, and how it ended. One `CallRecord` per request, kept in a bounded `Trail` (oldest
dropped first). CloudTrail's events, the decision explanations and the policies generated from a
test run are all read from here; nothing in it is resource state.

Records are plain data (strings, numbers, tuples, the request's parsed parameters), made once when
the request is answered and never changed, so readers need no lock to look at one; what few readers
look at is kept packed (`CallRecord`).
"""

from __future__ import annotations

import re
import threading
import uuid
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ec2sim.store.iam.credentials import Credential
from ec2sim.store.trail_packing import pack, tabular, unpack

DEFAULT_LIMIT = 100_000  # records kept unless configured otherwise

ContextValue = str | Sequence[str]  # as `ec2sim.iam.policy.variables` has it


@dataclass(frozen=True, slots=True)
class StatementRef:
    """One statement that took part in a decision."""

    policy_kind: str  # "identity-based policy", "permissions boundary", "session policy",
    #                   "resource-based policy" (a role's trust policy), "VPC endpoint policy"
    policy_type: str  # the simulator's SourcePolicyType: user | group | role | aws-managed | user-managed | resource | none
    policy_id: str  # the inline policy's name or the managed policy's ARN ("trust-policy", "vpce-…")
    index: int  # the statement's position in its policy, from 0
    sid: str
    effect: str  # "Allow" | "Deny"


@dataclass(frozen=True, slots=True)
class CheckTrace:
    """One authorization made for a request: an action on a resource, with the condition keys the
    check itself carried (the request's global keys are the record's), and how it was decided.
    ``decision`` "": not evaluated, because identity-based policies don't limit the caller (the
    account root, ``--iam-enforcement off``) or an earlier check of the request was already denied."""

    action: str  # "ec2:RunInstances"
    resource: str  # an ARN or "*"
    context: Mapping[str, ContextValue]
    decision: str = ""  # "allowed" | "explicitDeny" | "implicitDeny" | ""
    reason: str = ""  # the engine's: "explicit deny", "no identity-based policy allows", ...
    policy_kind: str = ""  # the kind of policy that denied
    # The denying statements, or the granting ones (every stage's: identity or resource-based
    # policy, and the permissions boundary and session policies that had to allow too).
    statements: tuple[StatementRef, ...] = ()
    resource_policy: bool = False  # a resource-based policy had to allow too (a role's trust policy)
    # An implicit deny's Allow statements in the stages that did allow (the identity policy's,
    # when no statement of the permissions boundary allows).
    partial_allows: tuple[StatementRef, ...] = ()


@dataclass(frozen=True, slots=True)
class Caller:
    """Who made a call, as authentication found them."""

    account_id: str
    kind: str  # "root" | "user" | "assumed-role" | "federated-user" | "anonymous"
    arn: str
    principal_id: str  # AIDA…, AROA…:session, the account id for root
    name: str = ""  # the user name, or the role name of a session
    credential: Credential | None = None  # the issued key or session the request was signed with


_CALLERS: dict[tuple[Any, ...], Caller] = {}  # one shared `Caller` per principal and credential
_CALLERS_KEPT = 4096


def caller_of(
    account_id: str, kind: str, arn: str, principal_id: str, name: str, credential: Credential | None
) -> Caller:
    """The `Caller` of these values: the same object for every call of one principal signed with
    one credential (the trail keeps 100,000 records; most name a handful of callers)."""
    key = (account_id, kind, arn, principal_id, name, id(credential))
    caller = _CALLERS.get(key)
    if caller is None or caller.credential is not credential:
        if len(_CALLERS) >= _CALLERS_KEPT:
            _CALLERS.clear()
        caller = _CALLERS[key] = Caller(account_id, kind, arn, principal_id, name, credential)
    return caller


def _event_id_of(request_id: str) -> str | None:
    """The eventID of a request whose id is a UUID (as the server makes them): a version 4 UUID
    drawn from the request id's bits, so the record needn't keep it (None for other ids)."""
    if not _UUID.match(request_id):
        return None
    text = f"{(int(request_id.replace('-', ''), 16) ^ _EVENT_MASK) & _UUID_CLEAR | _UUID4:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")
_EVENT_MASK = 0x5A17_0C3E_9B42_D8F1_6E05_A3C7_1F94_B260  # any constant: event ids mustn't equal request ids
_UUID_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID4 = (0x4000 << 64) | (0x8000 << 48)
_NOTHING = pack(({}, (), None))  # the packed parts of a call with no parameters, checks or result


class CallRecord:
    """One request as answered, never changed once made (readers need no lock to look at one).

    Kept small, as a trail holds 100,000 of them: what every reader scans (who, what, when, how it
    ended, the resources its checks named outside the caller's account) as attributes; the
    request's parameters, the checks and the result packed into bytes (`ec2sim.store.trail_packing`:
    one blob, or two when the result is a table: RunInstances'), unpacked on every read of `params`,
    `checks`, `check_resources` or `result` (LookupEvents' pages, decision explanations, policy
    generation: rare next to the calls recorded)."""

    __slots__ = (
        "_event_id",
        "_request",
        "_result",
        "access_key_id",
        "action",
        "caller",
        "foreign_resources",
        "has_checks",
        "decision",
        "error_code",
        "error_message",
        "host",
        "read_only",
        "region",
        "request_id",
        "secure",
        "service",
        "source_ip",
        "status",
        "time",
        "user_agent",
        "via_endpoint",
    )

    def __init__(
        self,
        request_id: str,
        event_id: str | None,  # CloudTrail's eventID, unique per record; None: from the request id
        time: datetime,  # emulated time when the request arrived
        service: str,  # "ec2" | "iam" | "sts" | ...
        action: str,  # the API operation ("RunInstances"), "-" when the request named none
        region: str,
        source_ip: str,
        user_agent: str,
        status: int,
        caller: Caller | None = None,  # None: authentication failed, or never got that far
        access_key_id: str = "",  # the key it was signed with, if any (also when authentication failed)
        read_only: bool = False,
        params: Mapping[str, Any] | None = None,  # the parsed request, botocore's member names
        result: Mapping[str, Any] | None = None,  # the operation's output when it succeeded
        error_code: str = "",
        error_message: str = "",
        decision: str = "-",  # "allow" | "deny" | "-" (not authorized: failed before, or no checks)
        checks: tuple[CheckTrace, ...] = (),
        via_endpoint: str = "",  # the VPC endpoint id the request came through
        secure: bool = False,  # received over HTTPS
        host: str = "",  # the Host header the client sent
    ) -> None:
        if event_id is None and not _UUID.match(request_id):
            event_id = str(uuid.uuid4())  # a request id none can be drawn from
        elif event_id is not None and event_id == _event_id_of(request_id):
            event_id = None  # the one it is read as (a record read back from trail.sqlite)
        self.request_id, self._event_id, self.time = request_id, event_id, time
        self.service, self.action, self.region = service, action, region
        self.source_ip, self.user_agent, self.status = source_ip, user_agent, status
        self.caller, self.access_key_id, self.read_only = caller, access_key_id, read_only
        self.error_code, self.error_message = error_code, error_message  # a message: packed, it
        # would cost more CPU than memory saved (AccessDenied's encoded message is random text)
        self.decision, self.via_endpoint = decision, via_endpoint
        self.secure, self.host = secure, host
        self.has_checks = bool(checks)
        self.foreign_resources = _foreign(checks, caller)
        # One blob for all but an answer set out in tables (RunInstances'), kept apart: reading the
        # checks of that call needn't unpack its instances.
        apart = result is not None and tabular(result)
        self._result = pack(result) if apart else None
        kept = None if apart else result
        self._request = (
            pack((dict(params) if params else {}, tuple(map(_plain_check, checks)), kept), apart)
            if params or checks or kept is not None
            else _NOTHING
        )

    @property
    def event_id(self) -> str:
        if self._event_id is not None:
            return self._event_id
        return _event_id_of(self.request_id) or ""  # never "": kept when there is none to derive

    @property
    def check_resources(self) -> tuple[str, ...]:
        """Each resource a check named, once, in order."""
        return tuple(dict.fromkeys(fields[1] for fields in unpack(self._request)[1]))

    @property
    def params(self) -> dict[str, Any]:
        params: dict[str, Any] = unpack(self._request)[0]
        return params

    @property
    def checks(self) -> tuple[CheckTrace, ...]:
        return tuple(_check(*fields) for fields in unpack(self._request)[1])

    @property
    def result(self) -> dict[str, Any] | None:
        result: dict[str, Any] | None = (
            unpack(self._result) if self._result is not None else unpack(self._request)[2]
        )
        return result

    def __repr__(self) -> str:
        return f"CallRecord({self.request_id!r}, {self.service}:{self.action}, {self.status})"


def _foreign(checks: tuple[CheckTrace, ...], caller: Caller | None) -> tuple[str, ...]:
    """The resources the checks named outside the caller's account (ARNs naming no account
    included: an image's owner is the store's to say); with no caller, or an anonymous one, every
    ARN. Which other accounts a record concerns is read from these alone (`ec2sim.cloudtrail`)."""
    own = caller.account_id if caller is not None and caller.kind != "anonymous" else None
    return tuple(
        dict.fromkeys(
            check.resource
            for check in checks
            if check.resource.startswith("arn:")
            and (own is None or check.resource.split(":", 5)[4:5] != [own])
        )
    )


def _plain_check(check: CheckTrace) -> tuple[Any, ...]:
    """A check as plain values (pickled far quicker and smaller than the dataclasses)."""
    return (
        check.action,
        check.resource,
        dict(check.context),
        check.decision,
        check.reason,
        check.policy_kind,
        tuple(map(_plain_ref, check.statements)),
        check.resource_policy,
        tuple(map(_plain_ref, check.partial_allows)),
    )


def _plain_ref(ref: StatementRef) -> tuple[Any, ...]:
    return (ref.policy_kind, ref.policy_type, ref.policy_id, ref.index, ref.sid, ref.effect)


def _check(
    action: str,
    resource: str,
    context: dict[str, ContextValue],
    decision: str,
    reason: str,
    policy_kind: str,
    statements: tuple[tuple[Any, ...], ...],
    resource_policy: bool,
    partial_allows: tuple[tuple[Any, ...], ...],
) -> CheckTrace:
    return CheckTrace(
        action,
        resource,
        context,
        decision,
        reason,
        policy_kind,
        tuple(StatementRef(*ref) for ref in statements),
        resource_policy,
        tuple(StatementRef(*ref) for ref in partial_allows),
    )


class Trail:
    """The last `limit` records, in arrival order, by request id too; listeners see each new record
    (the live event stream). Appends come from many request threads, so it has its own small lock."""

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self.limit = limit
        self._records: deque[CallRecord] = deque()
        self._by_request: dict[str, CallRecord] = {}
        self._listeners: list[Callable[[CallRecord], None]] = []
        self._lock = threading.Lock()

    def add(self, record: CallRecord) -> None:
        with self._lock:
            if self.limit <= 0:
                return
            while len(self._records) >= self.limit:
                dropped = self._records.popleft()
                self._by_request.pop(dropped.request_id, None)
            self._records.append(record)
            self._by_request[record.request_id] = record
            listeners = tuple(self._listeners)
        for listener in listeners:
            listener(record)

    def resize(self, limit: int) -> None:
        """Keep at most `limit` records from now on (the oldest dropped now if there are more)."""
        with self._lock:
            self.limit = limit
            while self._records and len(self._records) > max(limit, 0):
                self._by_request.pop(self._records.popleft().request_id, None)

    def get(self, request_id: str) -> CallRecord | None:
        return self._by_request.get(request_id)

    def records(self) -> list[CallRecord]:
        """A snapshot, oldest first."""
        with self._lock:
            return list(self._records)

    def __len__(self) -> int:
        return len(self._records)

    def listen(self, listener: Callable[[CallRecord], None]) -> Callable[[], None]:
        """Call ``listener`` with every record added from now on (from the adding thread: it must be
        quick and never raise); returns the function that stops it."""
        with self._lock:
            self._listeners.append(listener)

        def stop() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return stop

    def clear(self) -> None:
        with self._lock:
            self._records.clear()
            self._by_request.clear()
