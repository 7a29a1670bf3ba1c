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
from collections.abc import Callable, Iterator
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


# Lookup attributes read from the record alone, whatever the account (checked first: they are cheap).
_RECORD_KEYS: dict[str, Callable[[CallRecord], str]] = {
    "EventName": lambda record: record.action,
    "EventSource": events.event_source,
    "ReadOnly": lambda record: "true" if record.read_only else "false",
}


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
        if key in _RECORD_KEYS:
            return _RECORD_KEYS[key](record) == value
        if key == "EventId":
            return self.event_id == value
        if key == "Username":
            return self.username == value
        if key == "AccessKeyId":
            return self.account == self.home and record.access_key_id == value
        index = 0 if key == "ResourceType" else 1
        return any(item[index] == value for item in events.resources(record))

    def answer(self) -> dict[str, Any]:
        record = self.record
        item: dict[str, Any] = {
            "EventId": self.event_id,
            "EventName": record.action,
            "ReadOnly": "true" if record.read_only else "false",
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


def _newer(records: list[CallRecord], after: tuple[str, float] | None) -> Iterator[CallRecord]:
    """The records a page starts from, newest first: all, or those after the previous page's last."""
    if after is None:
        yield from reversed(records)
        return
    at = next((i for i in range(len(records) - 1, -1, -1) if records[i].event_id == after[0]), None)
    if at is not None:
        yield from reversed(records[:at])
    else:  # dropped since (retention): the older ones
        yield from (r for r in reversed(records) if r.time.timestamp() < after[1])


def lookup(store: Store, query: Query) -> dict[str, Any]:
    """One page of LookupEvents' answer. The cheap filters (time) come before working out the
    accounts a record concerns, and the event's parts are made only for the filter that needs them."""
    if query.insight:
        return {"Events": []}
    key, wanted = query.attribute or ("", "")
    cheap = _RECORD_KEYS.get(key)
    page: list[_Event] = []
    for record in _newer(store.trail.records(), query.after):
        if (query.start is not None and record.time < query.start) or (
            query.end is not None and record.time > query.end
        ):
            continue
        if cheap is not None and cheap(record) != wanted:
            continue
        shared = events.accounts(record, store)
        if query.account not in shared:
            continue
        item = _Event(record, query.account, shared[0], store, shared)
        if query.attribute is not None and not item.matches(*query.attribute):
            continue
        if len(page) == query.max_results:
            return {"Events": [e.answer() for e in page], "NextToken": _token(query, page[-1].record)}
        page.append(item)
    return {"Events": [e.answer() for e in page]}
