"""Action handlers by (service, Action), registered by decorator."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ec2sim.api.context import RequestContext

Handler = Callable[[RequestContext, dict[str, Any]], "dict[str, Any] | None"]

HANDLERS: dict[tuple[str, str], Handler] = {}


def action(service: str, name: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        HANDLERS[(service, name)] = handler
        return handler

    return register


def ec2_action(name: str) -> Callable[[Handler], Handler]:
    return action("ec2", name)


def iam_action(name: str) -> Callable[[Handler], Handler]:
    return action("iam", name)


def sts_action(name: str) -> Callable[[Handler], Handler]:
    return action("sts", name)
