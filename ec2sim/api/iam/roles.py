"""IAM: roles."""

from __future__ import annotations
