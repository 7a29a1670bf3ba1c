"""IAM: account summary."""

from __future__ import annotations
