"""IAM: policies."""

from __future__ import annotations
