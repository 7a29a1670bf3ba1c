"""Reading a seed: the YAML file, its JSON Schema, cross-references, then a trial application.

Everything wrong is a `SeedError` naming the file, the YAML path (``accounts[0].users[2]``) and
the problem; a file that loads has been applied once, in full, to a throwaway store.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from functools import cache
from importlib import resources
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from ec2sim.config import Config
from ec2sim.seed import SECTIONS, SeedError
from ec2sim.seed.apply import EC2_SECTIONS, Seed
from ec2sim.store import Store
from ec2sim.store.ec2.geography import is_valid_region

_MAX_PROBLEM = 300  # characters of a schema problem (it quotes the offending value)


@cache
def schema() -> dict[str, Any]:
    """The file's JSON Schema, as shipped in ``ec2sim/data/seed.schema.json``."""
    data: dict[str, Any] = json.loads(resources.files("ec2sim.data").joinpath("seed.schema.json").read_text())
    return data


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(schema())


def yaml_path(parts: Iterable[Any]) -> str:
    """``accounts[0].regions.eu-west-1.images[2]`` for the keys and indexes of a path."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text


def read_sections(file: str) -> dict[str, Any]:
    """The seed sections of the file (the settings are the CLI's to read)."""
    try:
        with open(file, encoding="utf-8") as handle:
            data = yaml.safe_load(handle) or {}
    except (OSError, yaml.YAMLError, ValueError) as error:
        raise SeedError(file, "", f"cannot read config file: {error}") from None
    if not isinstance(data, dict):
        raise SeedError(file, "", "must hold a mapping of settings")
    return {key: data[key] for key in SECTIONS if key in data}


def check_schema(file: str, sections: dict[str, Any]) -> None:
    error: ValidationError | None = best_match(_validator().iter_errors(sections))
    if error is not None:
        problem = error.message if len(error.message) <= _MAX_PROBLEM else error.message[:_MAX_PROBLEM] + "…"
        raise SeedError(file, yaml_path(error.absolute_path), problem)


def _regions(account: dict[str, Any], path: str) -> Iterator[tuple[str, dict[str, Any], str]]:
    for name, spec in (account.get("regions") or {}).items():
        yield str(name), spec, f"{path}.regions.{name}"


def _fixed_ids(accounts: list[dict[str, Any]]) -> Iterator[tuple[str, str]]:
    """(path, id) of every fixed resource id and access key id in the file."""
    for i, account in enumerate(accounts):
        path = f"accounts[{i}]"
        for j, key in enumerate(account.get("root_access_keys") or []):
            yield f"{path}.root_access_keys[{j}]", key["access_key_id"]
        for j, user in enumerate(account.get("users") or []):
            for k, key in enumerate(user.get("access_keys") or []):
                yield f"{path}.users[{j}].access_keys[{k}]", key["access_key_id"]
        for spec, where in [(account, path), *((s, p) for _, s, p in _regions(account, path))]:
            for section in EC2_SECTIONS:
                for j, item in enumerate(spec.get(section) or []):
                    if item.get("id") is not None:
                        yield f"{where}.{section}[{j}].id", item["id"]


def check_references(file: str, accounts: list[dict[str, Any]], config: Config) -> None:
    """Account ids, fixed ids and access key ids appear once; regions exist."""
    seen = {key_id: "root_credentials" for _, key_id, _ in config.root_keys()}
    for i, account in enumerate(accounts):
        seen.setdefault(account["id"], f"accounts[{i}]")
        if seen[account["id"]] != f"accounts[{i}]":
            raise SeedError(
                file, f"accounts[{i}].id", f"account {account['id']} is also {seen[account['id']]}"
            )
        for name, _, path in _regions(account, f"accounts[{i}]"):
            if not is_valid_region(name):
                raise SeedError(file, path, f"{name} is not a region")
    for path, value in _fixed_ids(accounts):
        if value in seen:
            raise SeedError(file, path, f"{value} is also at {seen[value]}")
        seen[value] = path


def load_seed(file: str, config: Config) -> Seed | None:
    """The file's seed (None when it has none), validated and applied once to a throwaway store."""
    sections = read_sections(file)
    if not sections:
        return None
    check_schema(file, sections)
    accounts = [{"id": config.account_id, **account} for account in sections.get("accounts") or []]
    check_references(file, accounts, config)
    seed = Seed(file, accounts, config)
    seed.populate(Store())
    return seed
