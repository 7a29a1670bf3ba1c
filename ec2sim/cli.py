"""``ec2sim serve``: settings from flags, EC2SIM_* variables and a YAML file, in that order."""

from __future__ import annotations

import argparse
import logging
import os
import re
import signal
import sys
import threading
from collections.abc import Mapping, Sequence
from dataclasses import fields
from typing import Any

import ec2sim
from ec2sim.config import Config

_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
_ENFORCEMENT = ("on", "audit", "off")
_BOOLEANS = {
    "true": True,
    "yes": True,
    "on": True,
    "1": True,
    "false": False,
    "no": False,
    "off": False,
    "0": False,
}
_ACCOUNT_ID = re.compile(r"\d{12}")
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d+")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ec2sim", description="A local emulator of Amazon EC2, IAM and STS."
    )
    parser.add_argument("--version", action="version", version=f"ec2sim {ec2sim.__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the API and instance metadata listeners")
    serve.add_argument("--config", help="a YAML file of settings (keys as the flags, - or _) (EC2SIM_CONFIG)")
    kinds = Config.field_types()
    for f in fields(Config):
        flag = "--" + f.name.replace("_", "-")
        action = argparse.BooleanOptionalAction if kinds[f.name] is bool else "store"
        serve.add_argument(
            flag,
            dest=f.name,
            default=None,
            action=action,
            help=f"{f.metadata['help']} (EC2SIM_{f.name.upper()})",
        )
    return parser


def _coerce(name: str, value: Any) -> Any:
    kind = Config.field_types()[name]
    try:
        if kind is bool:  # bool("false") is True; settings spell booleans as words
            return value if isinstance(value, bool) else _BOOLEANS[str(value).lower()]
        if kind is str and isinstance(value, bool):  # YAML reads a bare on/off as a boolean
            return "on" if value else "off"
        return kind(value)
    except (KeyError, TypeError, ValueError):
        raise SystemExit(f"ec2sim: invalid value {value!r} for {name}") from None


def _read_file(path: str) -> dict[str, Any]:
    """The settings of a YAML file, keys spelled as the flags with - or _."""
    import yaml  # only config files need it: keeps start-up lean

    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle) or {}
    except (OSError, yaml.YAMLError) as error:
        raise SystemExit(f"ec2sim: cannot read config file {path}: {error}") from None
    if not isinstance(data, dict):
        raise SystemExit(f"ec2sim: {path} must hold a mapping of settings")
    return {str(k).replace("-", "_"): v for k, v in data.items()}


def _validate(config: Config) -> Config:
    """Reject settings the server would misread (a port past 65535 would wrap around)."""
    problems = [
        f"{name} must be 0-65535, not {port}"
        for name, port in (("port", config.port), ("imds_port", config.imds_port))
        if not 0 <= port <= 65535
    ]
    if not _ACCOUNT_ID.fullmatch(config.account_id):
        problems.append(f"account_id must be 12 digits, not {config.account_id!r}")
    if not _REGION.fullmatch(config.region):
        problems.append(f"region must look like us-east-1, not {config.region!r}")
    problems += [
        f"{f.name} must be >= 0"
        for f in fields(config)
        if f.name.endswith("_seconds") and getattr(config, f.name) < 0
    ]
    if config.iam_enforcement not in _ENFORCEMENT:
        problems.append(
            f"iam_enforcement must be one of {', '.join(_ENFORCEMENT)}, not {config.iam_enforcement!r}"
        )
    if config.role_credential_seconds < 900:
        problems.append(f"role_credential_seconds must be at least 900, not {config.role_credential_seconds}")
    for entry in config.root_keys():
        if len(entry) != 3 or not _ACCOUNT_ID.fullmatch(entry[0]) or not entry[1] or not entry[2]:
            problems.append(
                "root_credentials entries must be ACCOUNT:ACCESS_KEY_ID:SECRET with a 12-digit account"
            )
            break
    if config.log_level.upper() not in _LOG_LEVELS:
        problems.append(f"log_level must be one of {', '.join(_LOG_LEVELS)}, not {config.log_level!r}")
    if problems:
        raise SystemExit("ec2sim: invalid settings: " + "; ".join(problems))
    return config


def load_config(args: argparse.Namespace, environ: Mapping[str, str]) -> Config:
    settings: dict[str, Any] = {}
    config_file = args.config or environ.get("EC2SIM_CONFIG")
    if config_file:
        settings.update(_read_file(config_file))
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
    return _validate(Config(**{name: _coerce(name, value) for name, value in settings.items()}))


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    config = load_config(args, os.environ)
    logging.basicConfig(
        stream=sys.stdout,
        level=config.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    # The startup line names the listeners' ports (port 0 picks one), so it shows at any log level.
    logging.getLogger("ec2sim.server").setLevel(min(logging.INFO, logging.getLogger().level))
    from ec2sim.server import Server  # imported here so `--help` stays instant

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        server = Server(config)
    except OSError as error:  # most often: the port is taken
        raise SystemExit(
            f"ec2sim: cannot listen ({config.host}:{config.port}, metadata "
            f"{config.imds_host}:{config.imds_port}): {error.strerror or error}"
        ) from None
    with server:
        sys.stdout.flush()
        stop.wait()
    return 0
