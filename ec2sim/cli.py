"""``ec2sim serve``: settings from flags, EC2SIM_* variables and a YAML file, in that order."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Mapping, Sequence
from dataclasses import fields
from typing import Any

import yaml

import ec2sim
from ec2sim.config import Config

_HELP = {
    "host": "address of the AWS API listener",
    "port": "port of the AWS API listener (0 picks a free one)",
    "imds_host": "address of the instance metadata listener",
    "imds_port": "port of the instance metadata listener (0 picks a free one)",
    "account_id": "the default account (used for keys the server has not issued)",
    "region": "the region when a request names none",
    "instance_start_seconds": "emulated seconds from pending to running",
    "instance_stop_seconds": "emulated seconds of stopping and shutting-down",
    "log_level": "DEBUG, INFO, WARNING or ERROR",
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ec2sim", description="A local emulator of Amazon EC2, IAM and STS.")
    parser.add_argument("--version", action="version", version=f"ec2sim {ec2sim.__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the API and instance metadata listeners")
    serve.add_argument("--config", help="a YAML file of settings (keys as the flags, - or _)")
    for f in fields(Config):
        flag = "--" + f.name.replace("_", "-")
        serve.add_argument(flag, dest=f.name, default=None, help=f"{_HELP[f.name]} (EC2SIM_{f.name.upper()})")
    return parser


def _coerce(name: str, value: Any) -> Any:
    kind = Config.field_types()[name]
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise SystemExit(f"ec2sim: invalid value {value!r} for {name}") from None


def load_config(args: argparse.Namespace, environ: Mapping[str, str]) -> Config:
    settings: dict[str, Any] = {}
    config_file = args.config or environ.get("EC2SIM_CONFIG")
    if config_file:
        with open(config_file, encoding="utf-8") as handle:
            data = yaml.safe_load(handle) or {}
        if not isinstance(data, dict):
            raise SystemExit(f"ec2sim: {config_file} must hold a mapping of settings")
        settings.update({str(k).replace("-", "_"): v for k, v in data.items()})
    names = {f.name for f in fields(Config)}
    unknown = set(settings) - names
    if unknown:
        raise SystemExit(f"ec2sim: unknown settings in {config_file}: {', '.join(sorted(unknown))}")
    for name in names:
        env = environ.get(f"EC2SIM_{name.upper()}")
        if env is not None:
            settings[name] = env
        flag = getattr(args, name)
        if flag is not None:
            settings[name] = flag
    return Config(**{name: _coerce(name, value) for name, value in settings.items()})


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    config = load_config(args, os.environ)
    logging.basicConfig(
        stream=sys.stdout, level=config.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")
    from ec2sim.server import Server  # imported here so `--help` stays instant

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    with Server(config):
        sys.stdout.flush()
        stop.wait()
    return 0
