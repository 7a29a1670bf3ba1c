"""What authorization knows about a principal between requests, as of its account's IAM revision.

A principal's applicable policies, its tags (aws:PrincipalTag/*) and the decisions already taken
for it change only when its account's IAM state does, and every IAM change moves the account's
revision (`IamTables.revision`, set by `IamStore.record`). So each account keeps one `AccountCache`
of `PrincipalEntry`s, by access key id, valid for one revision: the first look-up after a change
empties it, and no decision is ever served from an older revision. Callers don't use it while
changes are still propagating (``--iam-propagation-seconds``): those become visible with time, not
with a revision (`ec2sim.iam.principal_policies.applicable_policies`).

Bounded: an account keeps at most `PRINCIPALS` entries (least recently used out first), each at
most `DECISIONS` (action, resource) pairs with `VARIANTS` remembered contexts each.

A decision is remembered with the condition keys its evaluation read (`Recorder`) and their values:
it is reused for the same action and resource while those keys read the same. A policy without
conditions or variables reads none, so its decisions are reused outright, and the request's
condition keys are not even built (`decide`).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast
from weakref import WeakKeyDictionary

from ec2sim.iam.policy.variables import ContextValue
from ec2sim.store.iam.credentials import Credential

if TYPE_CHECKING:
    from ec2sim.iam.policy.engine import Decision
    from ec2sim.store.iam.account import IamAccount

PRINCIPALS = 4096
DECISIONS = 256
VARIANTS = 4

Reads = tuple[tuple[str, "ContextValue | None"], ...]
P = TypeVar("P")  # what a principal's policies are gathered into (`principal_policies.ApplicablePolicies`)


class Recorder(Mapping[str, ContextValue]):
    """A request context that notes every key read and the value it gave (None: absent). The
    engine only looks keys up (`get`, ``in``); anything that walks the context makes the reads
    incomplete (`opaque`), and the decision is then not remembered."""

    __slots__ = ("_context", "opaque", "reads")

    def __init__(self, context: Mapping[str, ContextValue]) -> None:
        self._context = context
        self.reads: dict[str, ContextValue | None] = {}
        self.opaque = False

    def get(self, key: str, default: Any = None) -> Any:
        value = self._context.get(key)
        self.reads[key] = value
        return default if value is None else value

    def __getitem__(self, key: str) -> ContextValue:
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def __iter__(self) -> Iterator[str]:
        self.opaque = True
        return iter(self._context)

    def __len__(self) -> int:
        self.opaque = True
        return len(self._context)


class PrincipalEntry(Generic[P]):
    __slots__ = ("credential", "decisions", "policies", "tags")

    def __init__(self, credential: Credential, policies: P) -> None:
        self.credential = credential
        self.policies = policies
        self.tags: dict[str, str] | None = None  # aws:PrincipalTag/*, on first use
        self.decisions: dict[tuple[str, str], list[tuple[Reads, Decision]]] = {}

    def decide(
        self,
        action: str,
        resource: str,
        context: Callable[[], Mapping[str, ContextValue]],
        evaluate: Callable[[Mapping[str, ContextValue]], Decision],
    ) -> Decision:
        """The decision on `action` and `resource`: a remembered one whose reads still hold in
        `context` (built only when a remembered decision read a key), else `evaluate`'s."""
        key = (action, resource)
        variants = self.decisions.get(key)
        current: Mapping[str, ContextValue] | None = None
        for reads, decision in variants or ():
            if not reads:
                return decision
            current = current if current is not None else context()
            if all(current.get(name) == value for name, value in reads):
                return decision
        recorder = Recorder(current if current is not None else context())
        decision = evaluate(recorder)
        if not recorder.opaque:
            if variants is None:
                if len(self.decisions) >= DECISIONS:
                    self.decisions.clear()
                variants = self.decisions[key] = []
            elif len(variants) >= VARIANTS:
                del variants[0]
            variants.append((tuple(recorder.reads.items()), decision))
        return decision


class AccountCache:
    def __init__(self) -> None:
        self.revision = -1
        self.entries: OrderedDict[str, PrincipalEntry[Any]] = OrderedDict()


_caches: WeakKeyDictionary[IamAccount, AccountCache] = WeakKeyDictionary()


def principal_entry(iam: IamAccount, credential: Credential, policies: Callable[[], P]) -> PrincipalEntry[P]:
    """The entry of the principal `credential` stands for, as of `iam`'s current revision (made
    with `policies` when there is none)."""
    cache = _caches.get(iam)
    if cache is None:
        cache = _caches[iam] = AccountCache()
    entries = cache.entries
    if cache.revision != iam.revision:
        cache.revision = iam.revision
        entries.clear()
    key = credential.access_key_id
    entry = entries.get(key)
    if entry is not None and entry.credential is credential:
        entries.move_to_end(key)
        return cast(PrincipalEntry[P], entry)
    entry = entries[key] = PrincipalEntry(credential, policies())
    if len(entries) > PRINCIPALS:
        entries.popitem(last=False)
    return entry
