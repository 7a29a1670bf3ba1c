"""Assertions shared by the tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from botocore.exceptions import ClientError


@contextmanager
def aws_error(code: str, status: int, message: str | None = None) -> Iterator[Callable[[], dict[str, Any]]]:
    """Expect a ClientError with exactly this AWS code and HTTP status (and message substring)."""
    caught: dict[str, Any] = {}
    with pytest.raises(ClientError) as info:
        yield lambda: caught
    error = info.value.response["Error"]
    caught.update(error)
    assert error["Code"] == code, error
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    if message is not None:
        assert message in error["Message"], error["Message"]
