"""Server settings: defaults here, overridden by a YAML file, EC2SIM_* variables and flags.

Each setting's description lives with it (``help``), so the CLI, its --help
and the README table never fall out of step with the settings themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any


def setting(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


@dataclass
class Config:
    host: str = setting("127.0.0.1", "address of the AWS API listener")
    port: int = setting(5000, "port of the AWS API listener (0 picks a free one)")
    imds_host: str = setting("127.0.0.1", "address of the instance metadata listener")
    imds_port: int = setting(1338, "port of the instance metadata listener (0 picks a free one)")
    account_id: str = setting("123456789012", "the default account (used for keys the server has not issued)")
    region: str = setting("us-east-1", "the region when a request names none")
    root_credentials: str = setting(
        "",
        "root keys of accounts, checked like any issued key: ACCOUNT:ACCESS_KEY_ID:SECRET, comma-separated",
    )
    strict_credentials: bool = setting(False, "reject access keys the server has not issued")
    instance_start_seconds: float = setting(0.0, "emulated seconds from pending to running")
    instance_limit: int = setting(1000, "pending and running instances an account may have in a region")
    instance_stop_seconds: float = setting(0.0, "emulated seconds of stopping and shutting-down")
    image_available_seconds: float = setting(0.0, "emulated seconds from pending to available of a new image")
    imds_instance_id: str = setting(
        "", "the instance the metadata listener serves at its root (none: the only running one)"
    )
    role_credential_seconds: int = setting(
        21600, "lifetime of instance role credentials served by the metadata listener (at least 900)"
    )
    iam_enforcement: str = setting(
        "on", "on (deny what policies do not allow), audit (log denials, allow) or off"
    )
    iam_propagation_seconds: float = setting(0.0, "emulated seconds before IAM changes take effect")
    max_connections: int = setting(1000, "open connections each listener holds (more wait to be accepted)")
    idle_connection_seconds: int = setting(15, "seconds an idle keep-alive connection stays open")
    request_read_seconds: int = setting(10, "seconds a client has to send a whole request")
    max_request_bytes: int = setting(10485760, "largest request body accepted (413 beyond)")
    log_level: str = setting("INFO", "DEBUG, INFO, WARNING or ERROR")
    state_dir: str = setting("", "folder of durable state (SQLite), kept across restarts (none: in memory)")
    log_format: str = setting("text", "text (plain lines) or json (one JSON object per line)")
    trail_limit: int = setting(
        100_000, "CloudTrail events kept (the oldest dropped first); saved with --state-dir"
    )

    @classmethod
    def field_types(cls) -> dict[str, type]:
        kinds = {"int": int, "float": float, "str": str, "bool": bool}
        return {f.name: kinds[f.type] if isinstance(f.type, str) else f.type for f in fields(cls)}

    def root_keys(self) -> list[tuple[str, str, str]]:
        """(account, access key id, secret) of each configured root key."""
        entries = [e.strip() for e in self.root_credentials.split(",") if e.strip()]
        return [tuple(e.split(":", 2)) for e in entries]  # type: ignore[misc]
