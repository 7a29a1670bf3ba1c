"""Server settings: defaults here, overridden by a YAML file, EC2SIM_* variables and flags."""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass
class Config:
    host: str = "127.0.0.1"
    port: int = 5000
    imds_host: str = "127.0.0.1"
    imds_port: int = 1338
    account_id: str = "123456789012"
    region: str = "us-east-1"
    instance_start_seconds: float = 0.0
    instance_stop_seconds: float = 0.0
    image_available_seconds: float = 0.0
    strict_credentials: bool = False
    imds_instance_id: str = ""
    role_credential_seconds: int = 21600
    iam_enforcement: str = "on"  # on | audit | off
    iam_propagation_seconds: float = 0.0
    log_level: str = "INFO"

    @classmethod
    def field_types(cls) -> dict[str, type]:
        kinds = {"int": int, "float": float, "str": str, "bool": bool}
        return {f.name: kinds[f.type] if isinstance(f.type, str) else f.type for f in fields(cls)}
