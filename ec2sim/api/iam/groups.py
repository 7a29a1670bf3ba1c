"""IAM: groups."""

from __future__ import annotations
