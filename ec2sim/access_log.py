"""One log line per request, in the same form for every listener and route."""

from __future__ import annotations

import logging
import time

MAX_FIELD = 300  # characters of a path or action kept in the log; the rest is counted


def loggable(text: str) -> str:
    """`text` as one safe line: control and other unprintable characters escaped (a path or an Action
    is the client's, and a ``%0A`` in it must not start a forged log line), very long text cut."""
    if not text.isprintable():
        text = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)
    if len(text) > MAX_FIELD:
        text = f"{text[:MAX_FIELD]}...(+{len(text) - MAX_FIELD})"
    return text


def log_request(logger: logging.Logger, method: str, what: str, status: int, started: float) -> None:
    """``POST ec2 RunInstances 200 3.1ms`` — `what` names the service and action, or the path."""
    if logger.isEnabledFor(logging.INFO):
        elapsed = (time.perf_counter() - started) * 1000
        logger.info("%s %s %d %.1fms", loggable(method), loggable(what), status, elapsed)
