"""Server processes: free ports, start, wait for an answer, resident memory, stop."""

from __future__ import annotations

import http.client
import os
import shlex
import signal
import socket
import subprocess
import time


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def spawn(command: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        shlex.split(command),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
        start_new_session=True,
    )


def get(port: int, path: str, timeout: float = 5) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def wait_answer(port: int, proc: subprocess.Popen[bytes], path: str = "/", timeout: float = 60) -> float:
    """Seconds until the port answers an HTTP request (any status)."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}: {proc.args}")
        try:
            get(port, path, timeout=2)
            return time.perf_counter() - started
        except OSError:
            time.sleep(0.01)
    raise RuntimeError(f"nothing answered on port {port} within {timeout}s")


def rss_mb(pid: int) -> float:
    """Resident memory of the process and its children (gunicorn's worker, granian's runtime)."""
    total = 0
    pids = [pid]
    while pids:
        current = pids.pop()
        try:
            with open(f"/proc/{current}/status") as handle:
                total += int(handle.read().split("VmRSS:")[1].split()[0])
            with open(f"/proc/{current}/task/{current}/children") as handle:
                pids.extend(int(child) for child in handle.read().split())
        except (OSError, IndexError):
            continue
    return round(total / 1024, 1)


def stop(proc: subprocess.Popen[bytes], timeout: float = 10) -> bool:
    """SIGTERM the process group; True when it exited by itself within `timeout`."""
    if proc.poll() is not None:
        return True
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout)
        return True
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return False
