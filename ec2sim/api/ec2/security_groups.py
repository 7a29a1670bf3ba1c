"""Security groups and their rules."""

from __future__ import annotations
