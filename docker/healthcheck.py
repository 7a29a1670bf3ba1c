"""The image's HEALTHCHECK: GET /_ec2sim/health on the port the running server really listens on.

The port may come from a flag given to `docker run IMAGE --port 6000`, an EC2SIM_* variable or a
`--config` file, so this reads the server's own command line from /proc and hands it, with the
container's environment (a health check runs with the same variables and working directory as the
server), to ec2sim's own settings loader: whatever the server reads, this reads the same way.
Exit status 0 when the server answers, 1 otherwise, with one line saying why (`docker inspect`
keeps it in the health log).
"""

from __future__ import annotations

import json
import os
import sys
import urllib.request
from pathlib import Path

from ec2sim.cli import SettingsError, _parser, load_config

# A server listening on every address is reached over loopback.
_WILDCARDS = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}


def server_arguments() -> list[str]:
    """The flags after `serve` of the ec2sim server (PID 1, or its child under `docker run --init`)."""
    for pid in sorted(int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()):
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")[:-1]
        except (OSError, UnicodeDecodeError):  # gone meanwhile, or not ours to read
            continue
        for i, arg in enumerate(argv[1:], 1):
            if arg == "serve" and Path(argv[i - 1]).name == "ec2sim":
                return argv[i + 1 :]
    raise RuntimeError("no `ec2sim serve` process in this container")


def health_url() -> str:
    config = load_config(_parser().parse_args(["serve", *server_arguments()]), os.environ)
    if config.port == 0:
        raise RuntimeError("the API port is 0 (picked at start); give the container a fixed --port")
    host = _WILDCARDS.get(config.host, config.host)
    return f"http://{f'[{host}]' if ':' in host else host}:{config.port}/_ec2sim/health"


def main() -> int:
    try:
        url = health_url()
        with urllib.request.urlopen(url, timeout=2) as response:
            status = json.load(response).get("status")
    except (OSError, ValueError, RuntimeError, SettingsError, SystemExit) as error:
        print(f"unhealthy: {error}")
        return 1
    print(f"{url}: {status}")
    return 0 if status == "running" else 1


if __name__ == "__main__":
    sys.exit(main())
