"""IAM: users."""

from __future__ import annotations
