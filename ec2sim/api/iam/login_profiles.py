"""IAM: login profiles."""

from __future__ import annotations
