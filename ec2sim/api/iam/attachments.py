"""IAM: attachments."""

from __future__ import annotations
