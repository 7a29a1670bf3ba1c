"""Operations called in-process, as an account's root user, the way `ApiApp._call` runs them.

Parameters in boto3's shape are flattened by botocore's own serializer, then parsed by the
operation's input shape (`parse_request`, so types and required members are checked as on the
wire), planned, and handled. Authorization is skipped: the caller is the account's root user.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from ec2sim.api import registry
from ec2sim.api.context import RequestContext
from ec2sim.api.errors import AwsError
from ec2sim.api.models import SERVICE_INFO
from ec2sim.api.parsing import parse_request
from ec2sim.config import Config
from ec2sim.iam.principals import Principal
from ec2sim.store import Store


@cache
def _serializer(protocol: str) -> Any:
    from botocore.serialize import create_serializer  # type: ignore[import-untyped]  # only seeding needs it

    return create_serializer(protocol, include_validation=False)  # the server validates, as on the wire


def flatten(service: str, action: str, params: dict[str, Any]) -> dict[str, str]:
    """`params` (boto3's shape) as the query parameters an SDK would send."""
    info = SERVICE_INFO[service]
    serialized = _serializer(info.protocol).serialize_to_request(params, info.operation(action))
    return {key: str(value) for key, value in serialized["body"].items()}


class Caller:
    """Runs operations on one store with one configuration (callers hold the store lock)."""

    def __init__(self, store: Store, config: Config) -> None:
        self.store = store
        self.config = config

    def __call__(
        self, account_id: str, region: str, service: str, action: str, **params: Any
    ) -> dict[str, Any]:
        """The operation's result; an AwsError as the API would answer it."""
        operation = registry.operation(service, action)
        if operation is None:  # callers name implemented operations
            raise KeyError((service, action))
        req = parse_request(service, action, flatten(service, action, params))
        now = self.store.clock.now()
        ctx = RequestContext(
            request_id=self.store.ids.request_id(),
            service=service,
            action=action,
            region=region,
            principal=Principal.root(account_id),
            source_ip="127.0.0.1",
            user_agent="ec2sim-seed",
            now=now,
            store=self.store,
            config=self.config,
        )
        self.store.run_due(now)
        plan = operation.plan(ctx, req)
        if plan.error is not None:
            raise plan.error
        return operation.handler(ctx, req, plan) or {}


def describe(error: AwsError) -> str:
    return f"{error.code}: {error.message}"
