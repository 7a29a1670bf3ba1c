"""What the appliers share while a seed is applied: the caller, error paths and fixed ids."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ec2sim.api.errors import AwsError
from ec2sim.seed import SeedError
from ec2sim.seed.calls import Caller, describe

Spec = dict[str, Any]  # one item of the file, as YAML read it (validated by the schema)


@dataclass
class Run:
    file: str
    call: Caller
    region: str  # the default region (the `region` setting)
    first: bool  # the first application: fixed ids are pinned here (later ones replay every id)
    policy_arns: dict[tuple[str, str], str] = field(default_factory=dict)  # (account, name) → ARN
    images: dict[tuple[str, str, str], str] = field(default_factory=dict)  # (account, region, name) → id

    @contextmanager
    def at(self, path: str) -> Iterator[None]:
        """Errors inside are reported at `path` (the innermost `at` names the item)."""
        try:
            yield
        except AwsError as error:
            raise SeedError(self.file, path, describe(error)) from None

    def fail(self, path: str, problem: str) -> SeedError:
        return SeedError(self.file, path, problem)

    def fixed(self, kind: str, value: str | None) -> None:
        """The next id of `kind` is `value` (a fixed id from the file), if one is given."""
        if value is not None and self.first:
            self.call.store.ids.pin(kind, value)

    def expect(self, path: str, wanted: str | None, got: str) -> str:
        """`got` is the id the operation handed out: the fixed one, when the file names one."""
        if wanted is not None and got != wanted:
            raise self.fail(path, f"got id {got}, not the fixed id {wanted}")
        return got


def tags(spec: Spec) -> list[dict[str, str]]:
    return [{"Key": str(key), "Value": str(value)} for key, value in (spec.get("tags") or {}).items()]


def tag_specifications(spec: Spec, resource_type: str) -> list[dict[str, Any]]:
    found = tags(spec)
    return [{"ResourceType": resource_type, "Tags": found}] if found else []


def document(value: Any) -> str:
    """A policy document as JSON text: a mapping is written out (YAML's dates, as in an unquoted
    ``Version: 2012-10-17``, as the text they were), text is passed as written."""
    return value if isinstance(value, str) else json.dumps(value, default=str)


def present(**params: Any) -> dict[str, Any]:
    """Only the parameters that have a value (absent settings stay absent on the wire)."""
    return {key: value for key, value in params.items() if value is not None and value != []}
