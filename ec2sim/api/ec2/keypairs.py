"""Key pairs: create, import, describe, delete."""

from __future__ import annotations
