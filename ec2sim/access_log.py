"""One access-log line per request, in the same form for every listener and route, and the
formatters of ``--log-format text|json``.

A line names the request id, service, action (or path), principal, authorization decision,
status and milliseconds, and nothing else: never a header, a body or a query string, which is
where secrets travel (signatures, session tokens, secret keys, passwords, key material).
"""

from __future__ import annotations

import json
import logging
import sys
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone

MAX_FIELD = 300  # characters of a path or action kept in the log; the rest is counted
FORMATS = ("text", "json")


def loggable(text: str) -> str:
    """`text` as one safe line: control and other unprintable characters escaped (a path or an Action
    is the client's, and a ``%0A`` in it must not start a forged log line), very long text cut."""
    if not text.isprintable():
        text = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)
    if len(text) > MAX_FIELD:
        text = f"{text[:MAX_FIELD]}...(+{len(text) - MAX_FIELD})"
    return text


@dataclass(frozen=True)
class Access:
    """The fields of one access-log line ("-": not known, e.g. no principal when authentication failed,
    no decision when the request never reached authorization)."""

    request_id: str
    method: str
    service: str
    action: str
    principal: str
    decision: str
    status: int
    ms: float


def log_request(
    logger: logging.Logger,
    method: str,
    service: str,
    action: str,
    status: int,
    started: float,
    *,
    request_id: str = "-",
    principal: str = "-",
    decision: str = "-",
) -> None:
    """``POST ec2 RunInstances 200 3.1ms id=… principal=arn:aws:iam::…:user/alice decision=allow``;
    the JSON formatter writes the same fields as members (`action` is the path off the AWS API)."""
    if not logger.isEnabledFor(logging.INFO):
        return
    access = Access(
        loggable(request_id),
        loggable(method),
        loggable(service),
        loggable(action),
        loggable(principal),
        decision,
        status,
        round((time.perf_counter() - started) * 1000, 1),
    )
    logger.info(
        "%s %s %s %d %.1fms id=%s principal=%s decision=%s",
        access.method,
        access.service,
        access.action,
        access.status,
        access.ms,
        access.request_id,
        access.principal,
        access.decision,
        extra={"access": access},
    )


_TEXT = "%(asctime)s %(levelname)s %(name)s %(message)s"


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, an access line's fields as
    members of their own, and the traceback (as text) of an exception."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds")
        line: dict[str, object] = {
            "time": stamp.replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        access = getattr(record, "access", None)
        if isinstance(access, Access):
            line.update(asdict(access))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure(level: str, log_format: str) -> None:
    """The root logger writes to stdout at `level`, as plain text lines or JSON objects."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(_TEXT))
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
