"""IAM: access keys."""

from __future__ import annotations
