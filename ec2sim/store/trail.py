"""What the server knows about every call it answered: who made it, what it asked, what was checked
and decided, and how it ended. One `CallRecord` per request, kept in a bounded `Trail` (oldest
dropped first). CloudTrail's events, the decision explanations and the policies generated from a
test run are all read from here; nothing in it is resource state.

Records are plain data (strings, numbers, tuples, the request's parsed parameters), made once when
the request is answered and never changed, so readers need no lock to look at one.
"""

from __future__ import annotations

import pickle
import threading
import zlib
from collections import deque
from collections.abc import Callable, ItemsView, Iterator, Mapping, Sequence, ValuesView
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from ec2sim.store.iam.credentials import Credential

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


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One request as answered."""

    request_id: str
    event_id: str  # unique per record (CloudTrail's eventID)
    time: datetime  # emulated time when the request arrived
    service: str  # "ec2" | "iam" | "sts" | ...
    action: str  # the API operation ("RunInstances"), "-" when the request named none
    region: str
    source_ip: str
    user_agent: str
    status: int
    caller: Caller | None = None  # None: authentication failed, or the request never got that far
    access_key_id: str = ""  # the key the request was signed with, if any (also when authentication failed)
    read_only: bool = False
    params: Mapping[str, Any] = field(default_factory=dict)  # the parsed request, botocore's member names
    result: Mapping[str, Any] | None = None  # the operation's output when it succeeded
    error_code: str = ""
    error_message: str = ""
    decision: str = "-"  # "allow" | "deny" | "-" (not authorized: failed before, or no checks)
    checks: tuple[CheckTrace, ...] = ()
    via_endpoint: str = ""  # the VPC endpoint id the request came through
    secure: bool = False  # received over HTTPS
    host: str = ""  # the Host header the client sent


class Packed(Mapping[str, Any]):
    """A large result kept compressed: the answers of writes can be big (RunInstances' instances,
    each as DescribeInstances shows it) and a trail holds 100,000 of them. It reads as the mapping
    it was made from, unpacked on each access (readers are rare: LookupEvents, policy generation).
    Pickle is safe here: the bytes are made in this process and never read from outside."""

    __slots__ = ("_data",)
    SIZE = 512  # pickled bytes from which a result is packed (smaller ones cost less as they are)

    def __init__(self, data: bytes) -> None:
        self._data = zlib.compress(data, 1)

    @classmethod
    def pack(cls, value: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
        """``value``, packed when it is large."""
        if value is None or isinstance(value, Packed):
            return value
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        return cls(data) if len(data) >= cls.SIZE else value

    def unpacked(self) -> dict[str, Any]:
        value: dict[str, Any] = pickle.loads(zlib.decompress(self._data))  # noqa: S301 - our own bytes
        return value

    def __getitem__(self, key: str) -> Any:
        return self.unpacked()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.unpacked())

    def __len__(self) -> int:
        return len(self.unpacked())

    def get(self, key: str, default: Any = None) -> Any:
        return self.unpacked().get(key, default)

    def items(self) -> ItemsView[str, Any]:
        return self.unpacked().items()

    def values(self) -> ValuesView[Any]:
        return self.unpacked().values()


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
        packed = Packed.pack(record.result)
        if packed is not record.result:
            record = replace(record, result=packed)
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
