"""CloudTrail's LookupEvents over the server's trail: one account's events, newest first, filtered by
one lookup attribute and a time range, in pages.

A page's NextToken names the last event it returned and the query it belongs to (the lookup
attribute, time range and category, not MaxResults, as a paginator keeps those); a token used with
another query, or that ec2sim did not make, is InvalidNextTokenException. When the event a token
names has since been dropped (retention), the next page starts at the first older event.

Validation messages are ec2sim's wording (assumed: AWS documents the exceptions, not their text).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ec2sim.api.errors import AwsError
from ec2sim.cloudtrail import events
from ec2sim.store.trail import CallRecord

if TYPE_CHECKING:
    from ec2sim.api.model_types import LookupEventsRequestTypeDef
    from ec2sim.store import Store

DEFAULT_MAX_RESULTS = 50
ATTRIBUTE_KEYS = (
    "EventId",
    "EventName",
    "ReadOnly",
    "Username",
    "ResourceType",
    "ResourceName",
    "EventSource",
    "AccessKeyId",
)


@dataclass(frozen=True)
class Query:
    account: str
    attribute: tuple[str, str] | None
    start: datetime | None
    end: datetime | None
    insight: bool  # EventCategory "insight": ec2sim records no Insights events
    max_results: int
    after: tuple[str, float] | None  # (the event id, its time) the previous page ended with

    def fingerprint(self) -> str:
        """What a token is bound to: everything but MaxResults and the position."""
        key = [
            self.account,
            list(self.attribute or ()),
            self.start.timestamp() if self.start else None,
            self.end.timestamp() if self.end else None,
            self.insight,
        ]
        return hashlib.sha256(json.dumps(key).encode()).hexdigest()[:16]


def parse_query(account: str, req: LookupEventsRequestTypeDef) -> Query:
    """The request checked as CloudTrail checks it."""
    attributes = req.get("LookupAttributes") or []
    if len(attributes) > 1:
        raise AwsError("InvalidLookupAttributesException", "You can specify only one lookup attribute.")
    attribute = None
    if attributes:
        key, value = attributes[0]["AttributeKey"], attributes[0]["AttributeValue"]
        if key not in ATTRIBUTE_KEYS:
            raise AwsError(
                "InvalidLookupAttributesException",
                f"The lookup attribute key {key} is not valid. Valid keys are: {', '.join(ATTRIBUTE_KEYS)}.",
            )
        if not 1 <= len(value) <= 2000:
            raise AwsError(
                "InvalidLookupAttributesException",
                "The lookup attribute value must be between 1 and 2000 characters long.",
            )
        attribute = (key, value)
    start, end = req.get("StartTime"), req.get("EndTime")
    if start is not None and end is not None and start > end:
        raise AwsError("InvalidTimeRangeException", "The start time must be before the end time.")
    category = req.get("EventCategory")
    if category is not None and category != "insight":
        raise AwsError(
            "InvalidEventCategoryException",
            f"The event category {category} is not valid. Valid value: insight.",
        )
    max_results = req.get("MaxResults", DEFAULT_MAX_RESULTS)
    if not 1 <= max_results <= DEFAULT_MAX_RESULTS:
        raise AwsError("InvalidMaxResultsException", "MaxResults must be between 1 and 50.")
    query = Query(account, attribute, start, end, category == "insight", max_results, None)
    token = req.get("NextToken")
    if token is not None:
        return Query(**{**query.__dict__, "after": _read_token(token, query)})
    return query


def _token(query: Query, record: CallRecord) -> str:
    data = json.dumps([query.fingerprint(), record.event_id, record.time.timestamp()])
    return base64.urlsafe_b64encode(data.encode()).decode()


def _read_token(token: str, query: Query) -> tuple[str, float]:
    try:
        fingerprint, event_id, time = json.loads(base64.urlsafe_b64decode(token.encode()))
        valid = fingerprint == query.fingerprint() and isinstance(event_id, str)
        position = (event_id, float(time))
    except (ValueError, TypeError, binascii.Error, UnicodeError):
        valid = False
    if not valid:
        raise AwsError(
            "InvalidNextTokenException",
            "The NextToken is not valid: it was not returned by LookupEvents for the same parameters.",
        )
    return position


class _Event:
    """One record as one account sees it, its parts made only when a filter or the answer needs them."""

    def __init__(
        self, record: CallRecord, account: str, home: str, store: Store, shared: tuple[str, ...]
    ) -> None:
        self.record, self.account, self.home, self.store, self.shared = record, account, home, store, shared
        self._identity: dict[str, Any] | None = None

    @property
    def identity(self) -> dict[str, Any]:
        if self._identity is None:
            self._identity = events.user_identity(self.record, self.store)
        return self._identity

    @property
    def username(self) -> str:
        return events.username(self.identity) if self.account == self.home else ""

    @property
    def event_id(self) -> str:
        return events.event_id(self.record, self.account, self.home)

    def matches(self, key: str, value: str) -> bool:
        """Whether the lookup attribute `key` of the event is `value`."""
        record = self.record
        if key in ("ResourceType", "ResourceName"):
            index = 0 if key == "ResourceType" else 1
            return any(item[index] == value for item in events.resources(record))
        found = {
            "EventId": lambda: self.event_id,
            "EventName": lambda: record.action,
            "ReadOnly": lambda: "true" if events.is_read_only(record) else "false",
            "Username": lambda: self.username,
            "EventSource": lambda: events.event_source(record),
            "AccessKeyId": lambda: record.access_key_id if self.account == self.home else "",
        }[key]()
        return found == value

    def answer(self) -> dict[str, Any]:
        record = self.record
        item: dict[str, Any] = {
            "EventId": self.event_id,
            "EventName": record.action,
            "ReadOnly": "true" if events.is_read_only(record) else "false",
            "EventTime": record.time,
            "EventSource": events.event_source(record),
            "Resources": [
                {"ResourceType": kind, "ResourceName": name} for kind, name in events.resources(record)
            ],
            "CloudTrailEvent": json.dumps(events.event(record, self.account, self.store, self.shared)),
        }
        if record.access_key_id and self.account == self.home:
            item["AccessKeyId"] = record.access_key_id
        if self.username:
            item["Username"] = self.username
        return item


def _account_events(store: Store, account: str, records: list[CallRecord]) -> Iterator[_Event]:
    """The account's events, newest first."""
    for record in reversed(records):
        shared = events.accounts(record, store)
        if account in shared:
            yield _Event(record, account, shared[0], store, shared)


def lookup(store: Store, query: Query) -> dict[str, Any]:
    """One page of LookupEvents' answer."""
    if query.insight:
        return {"Events": []}
    records = store.trail.records()
    started = query.after is None
    if query.after is not None and not any(r.event_id == query.after[0] for r in records):
        records = [r for r in records if r.time.timestamp() < query.after[1]]
        started = True
    page: list[_Event] = []
    for item in _account_events(store, query.account, records):
        if not started:
            started = query.after is not None and item.record.event_id == query.after[0]
            continue
        if query.start is not None and item.record.time < query.start:
            continue
        if query.end is not None and item.record.time > query.end:
            continue
        if query.attribute is not None and not item.matches(*query.attribute):
            continue
        if len(page) == query.max_results:
            return {"Events": [e.answer() for e in page], "NextToken": _token(query, page[-1].record)}
        page.append(item)
    return {"Events": [e.answer() for e in page]}
