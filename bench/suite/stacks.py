"""Serving stacks compared on the same applications, one process each, keep-alive, 8 threads."""

from __future__ import annotations

import os
import sys

# name: (command serving ec2sim's AWS app, command serving the ceiling); {port}, {py}, {bin} filled in.
STACKS = {
    "waitress": (
        "{py} -m ec2sim serve --port {port} --imds-port 0 --log-level WARNING",
        "{py} -m bench.suite.apps --port {port}",
    ),
    "granian": (
        "{bin}/granian --interface wsgi --host 127.0.0.1 --port {port} --workers 1 --blocking-threads 8"
        " --log-level warning --factory bench.suite.apps:api_app",
        "{bin}/granian --interface wsgi --host 127.0.0.1 --port {port} --workers 1 --blocking-threads 8"
        " --log-level warning bench.suite.apps:ceiling",
    ),
    "gunicorn-gthread": (
        "{bin}/gunicorn -w 1 -k gthread --threads 8 --keep-alive 5 -b 127.0.0.1:{port} --log-level warning"
        " bench.suite.apps:api_app()",
        "{bin}/gunicorn -w 1 -k gthread --threads 8 --keep-alive 5 -b 127.0.0.1:{port} --log-level warning"
        " bench.suite.apps:ceiling",
    ),
}


def available(name: str, venv: str) -> bool:
    return name == "waitress" or os.path.exists(os.path.join(venv, "bin", name.split("-")[0]))


def command(template: str, port: int | str, venv: str) -> str:
    """The command line (`port` may stay the placeholder \"{port}\")."""
    python = (
        os.path.join(venv, "bin", "python")
        if os.path.exists(os.path.join(venv, "bin", "python"))
        else sys.executable
    )
    return template.format(port=port, py=python, bin=os.path.join(venv, "bin"))
