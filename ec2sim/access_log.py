"""One log line per request, in the same form for every listener and route."""

from __future__ import annotations

import logging
import time


def log_request(logger: logging.Logger, method: str, what: str, status: int, started: float) -> None:
    """``POST ec2 RunInstances 200 3.1ms`` — `what` names the service and action, or the path."""
    if logger.isEnabledFor(logging.INFO):
        logger.info("%s %s %d %.1fms", method, what, status, (time.perf_counter() - started) * 1000)
