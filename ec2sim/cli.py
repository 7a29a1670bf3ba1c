"""``ec2sim serve``: settings from flags, EC2SIM_* variables and a YAML file, in that order."""

from __future__ import annotations

import argparse
import logging
import math
import os
import re
import signal
import socket
import sys
import threading
from collections.abc import Mapping, Sequence
from dataclasses import fields
from typing import Any, NoReturn

import ec2sim
from ec2sim import access_log, cli_policy
from ec2sim.cli_explain import add_commands as add_explain_commands
from ec2sim.config import Config
from ec2sim.seed import SECTIONS as SEED_SECTIONS
from ec2sim.seed import SeedError

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


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad command line in one line (status 2), like every other bad setting."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    # No abbreviations (`--por`): an error names the flag as typed, and a new flag can't change
    # what an abbreviation meant.
    parser = _Parser(
        prog="ec2sim", description="A local emulator of Amazon EC2, IAM and STS.", allow_abbrev=False
    )
    parser.add_argument("--version", action="version", version=f"ec2sim {ec2sim.__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve",
        help="run the API and instance metadata listeners",
        description="Serve the AWS API and instance metadata. Each flag is also an EC2SIM_* variable and a "
        "key of the --config file; a flag beats a variable, which beats the file.",
        allow_abbrev=False,
    )
    serve.add_argument(
        "--config", help="a YAML file of settings, keys as the flags (- or _) (default: none; EC2SIM_CONFIG)"
    )
    kinds = Config.field_types()
    for f in fields(Config):
        flag = "--" + f.name.replace("_", "-")
        action = argparse.BooleanOptionalAction if kinds[f.name] is bool else "store"
        serve.add_argument(
            flag,
            dest=f.name,
            default=None,
            action=action,
            help=f"{f.metadata['help']} (default: {_shown(f.default)}; EC2SIM_{f.name.upper()})".replace(
                "%", "%%"
            ),
        )
    add_explain_commands(commands)  # explain, tail
    cli_policy.add_parser(commands)
    return parser


def _shown(default: object) -> str:
    if isinstance(default, bool):
        return str(default).lower()
    if isinstance(default, float):
        return f"{default:g}"
    return str(default) if default != "" else "none"


class SettingsError(Exception):
    """A setting the server can't use; the message names it as the user wrote it."""


# Numeric settings' ranges. Seconds of emulated time stop at a year: beyond it a timestamp
# computed from them leaves the calendar (`datetime` ends in 9999).
_YEAR = 365 * 24 * 3600
_RANGES: dict[str, tuple[float, float]] = {
    "port": (0, 65535),
    "imds_port": (0, 65535),
    "instance_limit": (0, 1_000_000),
    "role_credential_seconds": (900, 43200),
    "max_connections": (1, 100_000),
    "idle_connection_seconds": (1, 86400),
    "request_read_seconds": (1, 3600),
    "max_request_bytes": (1024, 1 << 30),
    "trail_limit": (0, 10_000_000),
}


def _range(name: str) -> tuple[float, float]:
    return _RANGES.get(name, (0, _YEAR))


def _coerce(name: str, value: Any, label: str) -> Any:
    """The setting's value in its type, or a SettingsError naming `label` (the flag, variable or key)."""
    kind = Config.field_types()[name]
    try:
        if kind is bool:  # bool("false") is True; settings spell booleans as words
            return value if isinstance(value, bool) else _BOOLEANS[str(value).lower()]
        if kind is str:  # YAML reads a bare on/off as a boolean
            if isinstance(value, bool):
                return "on" if value else "off"
            if not isinstance(value, (str, int)):
                raise TypeError(value)
            return str(value)
        return _number(name, kind, value, label)
    except (KeyError, TypeError, ValueError):
        raise SettingsError(f"invalid value {value!r} for {label}") from None


def _number(name: str, kind: type, value: Any, label: str) -> int | float:
    """An int or float setting: finite and within its range (NaN and infinity are refused)."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise TypeError(value)
    text = str(value).strip()
    if kind is int and not re.fullmatch(r"[+-]?[0-9]{1,12}", text):
        raise ValueError(value)
    number = int(text) if kind is int else float(text)
    low, high = _range(name)
    if not math.isfinite(number) or not low <= number <= high:
        raise SettingsError(f"{label} must be {low:.0f}-{high:.0f}, not {value}")
    return number


def _read_file(path: str) -> dict[str, tuple[str, Any]]:
    """The settings of a YAML file: name → (key as written, value); keys as the flags, - or _."""
    import yaml  # only config files need it: keeps start-up lean

    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle) or {}
    except (OSError, yaml.YAMLError) as error:
        raise SettingsError(f"cannot read config file {path}: {error}".replace("\n", " ")) from None
    if not isinstance(data, dict):
        raise SettingsError(f"{path} must hold a mapping of settings")
    names = {f.name for f in fields(Config)}
    settings: dict[str, tuple[str, Any]] = {}
    for key, value in data.items():
        if key in SEED_SECTIONS:  # the seed's, read by `ec2sim.seed.loader`
            continue
        name = str(key).replace("-", "_")
        if name not in names:
            raise SettingsError(f"unknown settings in {path}: {key}")
        settings[name] = (f"{path}: {key}", value)
    return settings


def _check(config: Config, labels: Mapping[str, str]) -> None:
    """Reject settings the server would misread; the first problem names its setting."""

    def fail(name: str, problem: str) -> None:
        raise SettingsError(f"{labels.get(name, '--' + name.replace('_', '-'))} {problem}")

    if not _ACCOUNT_ID.fullmatch(config.account_id):
        fail("account_id", f"must be 12 digits, not {config.account_id!r}")
    if not _REGION.fullmatch(config.region):
        fail("region", f"must look like us-east-1, not {config.region!r}")
    if config.iam_enforcement not in _ENFORCEMENT:
        fail("iam_enforcement", f"must be one of {', '.join(_ENFORCEMENT)}, not {config.iam_enforcement!r}")
    for entry in config.root_keys():
        if len(entry) != 3 or not _ACCOUNT_ID.fullmatch(entry[0]) or not entry[1] or not entry[2]:
            fail("root_credentials", "entries must be ACCOUNT:ACCESS_KEY_ID:SECRET with a 12-digit account")
    if config.log_level.upper() not in _LOG_LEVELS:
        fail("log_level", f"must be one of {', '.join(_LOG_LEVELS)}, not {config.log_level!r}")
    if config.log_format.lower() not in access_log.FORMATS:
        fail("log_format", f"must be one of {', '.join(access_log.FORMATS)}, not {config.log_format!r}")
    for name in ("host", "imds_host"):
        try:
            socket.getaddrinfo(getattr(config, name), None, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            fail(name, f"is not an address this machine can listen on: {getattr(config, name)!r}")


def load_config(args: argparse.Namespace, environ: Mapping[str, str]) -> Config:
    """Settings from the file, then EC2SIM_* variables, then flags; SettingsError names a bad one."""
    config_file = args.config or environ.get("EC2SIM_CONFIG")
    settings = _read_file(config_file) if config_file else {}
    for f in fields(Config):
        env = environ.get(f"EC2SIM_{f.name.upper()}")
        if env is not None:
            settings[f.name] = (f"EC2SIM_{f.name.upper()}", env)
        flag = getattr(args, f.name)
        if flag is not None:
            settings[f.name] = (_flag_as_typed(f.name, args), flag)
    labels = {name: label for name, (label, _) in settings.items()}
    values = {name: _coerce(name, value, label) for name, (label, value) in settings.items()}
    config = Config(**values)
    _check(config, labels)
    return config


def _flag_as_typed(name: str, args: argparse.Namespace) -> str:
    flag = "--" + name.replace("_", "-")
    return f"--no-{flag[2:]}" if getattr(args, name) is False else flag


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command != "serve":
        return int(args.run(args))
    try:
        config = load_config(args, os.environ)
        config_file = args.config or os.environ.get("EC2SIM_CONFIG")
        seed = None
        if config_file:  # its accounts: checked and applied once before anything listens
            from ec2sim.seed.loader import load_seed

            seed = load_seed(config_file, config)
    except (SettingsError, SeedError) as error:
        print(f"ec2sim: {error}", file=sys.stderr)
        return 2
    access_log.configure(config.log_level, config.log_format.lower())
    # The startup line names the listeners' ports (port 0 picks one), so it shows at any log level.
    logging.getLogger("ec2sim.server").setLevel(min(logging.INFO, logging.getLogger().level))
    from ec2sim.server import Server  # imported here so `--help` stays instant

    state_errors: tuple[type[Exception], ...] = ()
    if config.state_dir:  # persistence (every record class) only for a state dir
        from ec2sim.store.persistence import StateDirError, StateError

        state_errors = (StateDirError, StateError)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        server = Server(config, seed=seed)
    except state_errors as error:  # --state-dir: another server's, or unreadable
        print(f"ec2sim: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # most often: the port is taken
        raise SystemExit(
            f"ec2sim: cannot listen ({config.host}:{config.port}, metadata "
            f"{config.imds_host}:{config.imds_port}): {error.strerror or error}"
        ) from None
    # JSON logs keep stdout to JSON lines: the banner (for people) goes to stderr then.
    print(
        banner(config, server.api_port, server.imds_port),
        file=sys.stderr if config.log_format.lower() == "json" else sys.stdout,
        flush=True,
    )
    server.start(background=True)
    try:
        sys.stdout.flush()
        stop.wait()
    finally:
        server.stop()
    return 0


def _client_url(host: str, port: int) -> str:
    """The URL a client on this machine uses: a listener on every interface is reached at loopback."""
    host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def banner(config: Config, api_port: int, imds_port: int) -> str:
    """What `serve` prints first: where it listens, how credentials work, and (last) the lines to copy
    into a shell. The secret shown is any secret, never a configured one."""
    api, imds = _client_url(config.host, api_port), _client_url(config.imds_host, imds_port)
    key, secret = config.account_id, "ec2sim"
    credentials = "any 12-digit access key id acts as the root user of that account, with any secret"
    if config.strict_credentials:  # only issued and configured keys: name one, not its secret
        roots = sorted(config.root_keys(), key=lambda entry: entry[0] != config.account_id)
        key = roots[0][1] if roots else "REPLACE_WITH_AN_ACCESS_KEY_ID"
        secret = "REPLACE_WITH_ITS_SECRET"
        credentials = "strict credentials: only keys it issued or was given with --root-credentials"
    return "\n".join(
        [
            f"ec2sim {ec2sim.__version__}: API on {api}, instance metadata on {imds} "
            f"(account {config.account_id}, region {config.region})",
            f"  IAM enforcement {config.iam_enforcement}; {credentials}.",
            f"  Control API: {api}/_ec2sim/health, /_ec2sim/reset, /_ec2sim/clock. Stop with Ctrl-C.",
            '  Point the AWS CLI and SDKs at it, and code "on" an instance at its metadata, with:',
            "",
            f"export AWS_ENDPOINT_URL={api} AWS_ACCESS_KEY_ID={key} AWS_SECRET_ACCESS_KEY={secret} "
            f"AWS_DEFAULT_REGION={config.region}",
            f"export AWS_EC2_METADATA_SERVICE_ENDPOINT={imds}/",
        ]
    )
