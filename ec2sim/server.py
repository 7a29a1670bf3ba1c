"""Start the API and metadata listeners together; stop both cleanly."""

from __future__ import annotations

import logging
import threading

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

import ec2sim
from ec2sim.api.app import ApiApp
from ec2sim.api.models import preload
from ec2sim.config import Config
from ec2sim.metadata.app import MetadataApp
from ec2sim.store import Store

log = logging.getLogger("ec2sim.server")


class _Handler(WSGIRequestHandler):
    """Keep-alive connections, and no per-request log line (the apps log their own)."""

    protocol_version = "HTTP/1.1"

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class Server:
    """The two listeners of one emulator, sharing one store."""

    poll_interval = 0.1

    def __init__(self, config: Config, store: Store | None = None) -> None:
        self.config = config
        self.store = store or Store()
        self.api_app = ApiApp(self.store, config)
        self.metadata_app = MetadataApp(self.store, config)
        self._servers: list[BaseWSGIServer] = [
            make_server(config.host, config.port, self.api_app, threaded=True, request_handler=_Handler),
            make_server(config.imds_host, config.imds_port, self.metadata_app, threaded=True,
                        request_handler=_Handler),
        ]
        self._threads: list[threading.Thread] = []

    @property
    def api_port(self) -> int:
        return self._servers[0].server_port

    @property
    def imds_port(self) -> int:
        return self._servers[1].server_port

    @property
    def api_url(self) -> str:
        return f"http://{self.config.host}:{self.api_port}"

    @property
    def imds_url(self) -> str:
        return f"http://{self.config.imds_host}:{self.imds_port}"

    def start(self) -> Server:
        threading.Thread(target=preload, name="ec2sim-models", daemon=True).start()
        for server in self._servers:
            thread = threading.Thread(target=server.serve_forever, args=(self.poll_interval,), daemon=True)
            thread.start()
            self._threads.append(thread)
        log.info(
            "ec2sim %s: API on %s, instance metadata on %s (account %s, region %s)",
            ec2sim.__version__, self.api_url, self.imds_url, self.config.account_id, self.config.region,
        )
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=1)

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
