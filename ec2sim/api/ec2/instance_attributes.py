"""Instance attributes, metadata options and instance status."""

from __future__ import annotations
