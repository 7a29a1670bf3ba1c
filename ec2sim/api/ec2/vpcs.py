"""VPCs, subnets and network interfaces (describe)."""

from __future__ import annotations
