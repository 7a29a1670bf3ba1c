"""STS handlers (Query protocol, 2011-06-15)."""

from __future__ import annotations
