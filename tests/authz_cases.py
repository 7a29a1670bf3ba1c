"""The pieces every authorization case is built from: lazy references into an `Env`, and `case`.

A case's parameters and resources may hold references (functions of the `Env`): resolving
them creates what the request needs, as the account's root, before the request is made.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from operator import attrgetter
from typing import Any

from tests.authz_env import Case, Env, statement

Ref = Callable[[Env], Any]
Builder = Callable[[Env, str], Case]  # (env, "ec2:RunInstances") → the case
Also = Iterable[tuple[str, tuple["Ref | str", ...]]]  # more (action, resources) a request needs


def resolve(value: Any, env: Env) -> Any:
    if callable(value):
        return value(env)
    if isinstance(value, dict):
        return {key: resolve(item, env) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve(item, env) for item in value]
    return value


def attr(name: str) -> Ref:
    return attrgetter(name)


def case(
    params: dict[str, Any],
    *resources: Ref | str,
    needs: Iterable[Ref] = (),
    also: Also = (),
) -> Builder:
    """The request `params`, allowed by the action on `resources` (none: ``*``) and by each
    ``(action, resources)`` of `also`; `needs` are made first."""
    needs, also = tuple(needs), tuple(also)

    def build(env: Env, action: str) -> Case:
        for need in needs:
            need(env)
        request = resolve(params, env)
        statements = [statement("Allow", action, [resolve(r, env) for r in resources] or None)]
        statements += [statement("Allow", extra, [resolve(r, env) for r in where]) for extra, where in also]
        return Case(request, tuple(statements))

    return build


def ec2_arn(kind: str, name: Ref | str) -> Ref:
    return lambda env: env.ec2_arn(kind, resolve(name, env))


def new(kind: str) -> Ref:
    """The ARN a resource being created is authorized on (``volume/*``)."""
    return ec2_arn(kind, "*")


def iam_arn(kind: str, name: Ref | str) -> Ref:
    return lambda env: env.iam_arn(kind, resolve(name, env))
