"""MaxResults / NextToken paging for EC2 Describe calls."""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from ec2sim.api.errors import AwsError

T = TypeVar("T")


def _token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"ec2sim:{offset}".encode()).decode()


def _offset(token: str) -> int:
    try:
        prefix, _, number = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
        if prefix == "ec2sim" and number.isdigit():
            return int(number)
    except (ValueError, UnicodeDecodeError):
        pass
    raise AwsError("InvalidPaginationToken", f"Invalid pagination token: {token}")


def paginate(
    items: Sequence[T], req: Mapping[str, Any], low: int = 5, high: int = 1000
) -> tuple[Sequence[T], str | None]:
    """One page of `items` and the token of the next (None on the last page)."""
    max_results = req.get("MaxResults")
    token = req.get("NextToken")
    if max_results is None and token is None:
        return items, None
    if max_results is not None and not low <= max_results <= high:
        raise AwsError(
            "InvalidParameterValue",
            f"Value ( {max_results} ) for parameter maxResults is invalid. "
            f"Expecting a value between {low} and {high}.",
        )
    start = _offset(token) if token else 0
    size = max_results if max_results is not None else high
    page = items[start : start + size]
    return page, _token(start + size) if start + size < len(items) else None
