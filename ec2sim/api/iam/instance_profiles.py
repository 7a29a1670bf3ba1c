"""IAM: instance profiles."""

from __future__ import annotations
