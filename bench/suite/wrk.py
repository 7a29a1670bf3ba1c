"""wrk runs: one Lua script per request (method, headers, body), parsed requests/s and latencies."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


@dataclass
class Result:
    rps: float
    p50_ms: float | None
    p99_ms: float | None
    errors: int  # non-2xx answers plus socket errors

    def as_dict(self) -> dict[str, float | int | None]:
        return {"rps": self.rps, "p50_ms": self.p50_ms, "p99_ms": self.p99_ms, "errors": self.errors}


def available() -> bool:
    return shutil.which("wrk") is not None


def script(method: str, headers: dict[str, str], body: str = "") -> str:
    """The Lua that makes wrk send this one request over and over (keep-alive)."""
    lines = [f"wrk.method = {json.dumps(method)}"]
    if body:
        lines.append(f"wrk.body = {json.dumps(body)}")
    for name, value in headers.items():
        if name.lower() not in ("host", "content-length"):
            lines.append(f"wrk.headers[{json.dumps(name)}] = {json.dumps(value)}")
    return "\n".join(lines) + "\n"


def _ms(text: str, label: str) -> float | None:
    found = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", text, re.MULTILINE)
    return float(found.group(1)) * _UNITS[found.group(2)] if found else None


def parse(text: str) -> Result:
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    errors = int(non2xx.group(1)) if non2xx else 0
    if sockets:
        errors += sum(int(n) for n in sockets.groups())
    return Result(float(rps.group(1)) if rps else 0.0, _ms(text, "50%"), _ms(text, "99%"), errors)


def start(
    url: str,
    method: str,
    headers: dict[str, str],
    body: str = "",
    *,
    seconds: float,
    connections: int = 8,
    threads: int = 2,
    timeout: float = 5,
) -> subprocess.Popen[str]:
    """wrk running in the background (`finish` reads its result)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script(method, headers, body))
    command = [
        "wrk",
        f"-t{min(threads, connections)}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        f"--timeout={timeout:g}s",
        "--latency",
        "-s",
        handle.name,
        url,
    ]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    proc.script = handle.name  # type: ignore[attr-defined]
    return proc


def finish(proc: subprocess.Popen[str]) -> Result:
    out, _ = proc.communicate()
    os.unlink(proc.script)  # type: ignore[attr-defined]
    return parse(out)


def run(url: str, method: str, headers: dict[str, str], body: str = "", **kw: float) -> Result:
    return finish(start(url, method, headers, body, **kw))  # type: ignore[arg-type]
