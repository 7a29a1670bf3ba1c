"""ec2sim inside a test process: a server in threads of this process and boto3 clients pointed at it.

``with ec2sim.testing.server() as s:`` is the counterpart of moto's ``ThreadedMotoServer``; the pytest
plugin (``ec2sim.pytest_plugin``) hands out the same objects as the ``ec2sim_server`` and ``ec2sim``
fixtures. boto3 is imported only when a client or session is asked for, so the emulator itself runs
without it.
"""

from __future__ import annotations

import functools
import importlib
import json
import random
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ec2sim.config import Config

if TYPE_CHECKING:
    from ec2sim.server import Server

DEFAULT_REGION = "us-east-1"
# Any secret passes for a key the server has not issued (unless strict credentials are on).
DEFAULT_SECRET = "testing"
_INSTANCE_ID = re.compile(r"i-[0-9a-f]{8}(?:[0-9a-f]{9})?")
# Account ids come from the OS, not `random`'s shared generator: a test or a plugin that seeds `random`
# (pytest-randomly does, per test) would otherwise hand every test the same account.
_ACCOUNT_IDS = random.SystemRandom()
# The control API is local: never through an HTTP proxy from the environment.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port_config(**settings: Any) -> Config:
    """Settings for a server in a test: both listeners on free ports, `settings` (Config's fields) on top."""
    return Config(**{"port": 0, "imds_port": 0, **settings})


def _untyped(module: str) -> Any:
    """boto3 and botocore, imported when first wanted (the emulator runs without boto3) and typed as
    Any (they ship no type information; a `type: ignore` would turn stale once stubs are installed)."""
    return importlib.import_module(module)


def _boto_config(overrides: Any = None) -> Any:
    """Clients fail fast: at most one retry (botocore's default of several, with backoff, makes a test
    against a stopped server slow to fail), and short timeouts; `overrides` (a botocore Config) wins."""
    default = _untyped("botocore.config").Config(
        retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30
    )
    return default.merge(overrides) if overrides is not None else default


@functools.cache
def _session_class() -> type:
    """A boto3 Session whose clients and resources talk to one ec2sim server unless told otherwise
    (boto3 sessions carry no endpoint of their own)."""

    session: Any = _untyped("boto3").Session

    class EmulatorSession(session):
        def __init__(self, endpoint_url: str, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.endpoint_url = endpoint_url

        def client(self, service_name: str, **kwargs: Any) -> Any:
            # boto3's resource() passes endpoint_url=None and a config of its own: fill in, merge.
            if kwargs.get("endpoint_url") is None:
                kwargs["endpoint_url"] = self.endpoint_url
            kwargs["config"] = _boto_config(kwargs.get("config"))
            return super().client(service_name, **kwargs)

        def resource(self, service_name: str, **kwargs: Any) -> Any:
            if kwargs.get("endpoint_url") is None:
                kwargs["endpoint_url"] = self.endpoint_url
            return super().resource(service_name, **kwargs)

    return EmulatorSession


class EmulatorServer:
    """A running server (`ec2sim_server`), its URLs, its control API and boto3 clients for it.

    Clients without credentials of their own act as the root user of the default account
    (``config.account_id``); most tests want an account of their own instead: `new_account()`.
    """

    def __init__(self, server: Server) -> None:
        self.server = server
        self._lock = threading.Lock()  # boto3 sessions are not safe to make clients from in parallel
        self._session: Any = None
        self._issued: set[str] = {server.config.account_id} | {key[0] for key in server.config.root_keys()}

    @property
    def endpoint_url(self) -> str:
        """The AWS API (and the control API beside it)."""
        return self.server.api_url

    @property
    def imds_url(self) -> str:
        """The instance metadata listener (``…/latest/meta-data/`` is the root instance's)."""
        return self.server.imds_url

    @property
    def config(self) -> Config:
        return self.server.config

    def _control(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        request = urllib.request.Request(
            f"{self.endpoint_url}/_ec2sim/{path}",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with _DIRECT.open(request, timeout=30) as response:
                answer: dict[str, Any] = json.loads(response.read())
        except urllib.error.HTTPError as error:
            raise ValueError(f"ec2sim {path}: {json.loads(error.read()).get('error', error)}") from None
        return answer

    def reset(self) -> None:
        """Forget every account and resource (``POST /_ec2sim/reset``); the clock back to real time."""
        self._control("reset", {})

    def advance_clock(self, seconds: float) -> datetime:
        """Move emulated time forward and run what falls due (instances leaving ``pending``, credential
        rotation, expiry); the new emulated time. Every account on the server shares the clock."""
        now = self._control("clock", {"advance_seconds": seconds})["now"]
        return datetime.fromisoformat(now.replace("Z", "+00:00"))

    def _defaults(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        return {
            "region_name": DEFAULT_REGION,
            "aws_access_key_id": self.config.account_id,
            "aws_secret_access_key": DEFAULT_SECRET,
            **kwargs,
        }

    def boto3_session(self, **kwargs: Any) -> Any:
        """A boto3 Session (kwargs as boto3.Session's) whose clients and resources talk to this server."""
        return _session_class()(self.endpoint_url, **self._defaults(kwargs))

    def boto3_client(self, service: str, **kwargs: Any) -> Any:
        """A boto3 client for this server: region us-east-1, one retry at most; kwargs (as boto3.client's) win."""
        with self._lock:
            if self._session is None:  # one session for every client: botocore loads each model once
                self._session = _session_class()(self.endpoint_url)
            return self._session.client(service, **self._defaults(kwargs))

    def recorded_policy(
        self,
        principal: str,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        conditions: bool = False,
    ) -> dict[str, Any]:
        """The smallest identity policy (IAM JSON) allowing every call `principal` (a user's, role's
        or role session's ARN) made on this server so far; LookupError when it made none that needed
        a permission. See `ec2sim.api.least_privilege`."""
        from ec2sim.api.least_privilege import recorded_policy

        return recorded_policy(self.server.store, principal, since, until, conditions).document

    def write_recorded_policies(self, directory: str | Path) -> list[Path]:
        """One policy file per principal that made calls (``pytest --ec2sim-record-policy DIR``)."""
        from ec2sim.api.least_privilege import write_recorded_policies

        return write_recorded_policies(self.server.store, Path(directory))

    def new_account(self) -> EmulatorAccount:
        """A fresh account: a random 12-digit access key id acts as the root user of a new account."""
        with self._lock:
            while (account_id := str(_ACCOUNT_IDS.randrange(10**11, 10**12))) in self._issued:
                pass
            self._issued.add(account_id)
        return EmulatorAccount(self, account_id)


class EmulatorAccount:
    """One account on a shared server (`ec2sim` fixture): its clients act as its root user."""

    def __init__(self, server: EmulatorServer, account_id: str) -> None:
        self.server = server
        self.account_id = account_id

    def _credentials(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        return {"aws_access_key_id": self.account_id, "aws_secret_access_key": DEFAULT_SECRET, **kwargs}

    def boto3_client(self, service: str, **kwargs: Any) -> Any:
        """A client as this account's root user (region us-east-1, one retry at most; kwargs win)."""
        return self.server.boto3_client(service, **self._credentials(kwargs))

    def boto3_session(self, **kwargs: Any) -> Any:
        """A boto3 Session as this account's root user, talking to the server."""
        return self.server.boto3_session(**self._credentials(kwargs))

    def recorded_policy(self, principal: str, **options: Any) -> dict[str, Any]:
        """`EmulatorServer.recorded_policy` (the server records every account's calls)."""
        return self.server.recorded_policy(principal, **options)

    def imds_url_for(self, instance_id: str) -> str:
        """The metadata service as `instance_id` sees it, ending in ``/``: append
        ``latest/meta-data/…``, or set it as ``AWS_EC2_METADATA_SERVICE_ENDPOINT`` for an SDK."""
        if not _INSTANCE_ID.fullmatch(instance_id):
            raise ValueError(f"not an instance id: {instance_id!r}")
        return f"{self.server.imds_url}/{instance_id}/"


@contextmanager
def server(config: Config | None = None, **settings: Any) -> Iterator[EmulatorServer]:
    """A server in threads of this process for the ``with`` block. `settings` are Config's fields
    (``server(instance_start_seconds=30)``), over `config` if given, else over `free_port_config()`."""
    from ec2sim.server import Server  # deferred: importing the emulator takes most of a second

    with Server(replace(config or free_port_config(), **settings)) as running:
        yield EmulatorServer(running)
