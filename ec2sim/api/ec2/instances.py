"""Instances: RunInstances, DescribeInstances, and the lifecycle actions."""

from __future__ import annotations
