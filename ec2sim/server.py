"""Start the API and metadata listeners together; stop both cleanly.

Both listeners run on waitress: Werkzeug's development server closes every
connection after one response (a new TCP connection and thread per request),
which caps throughput far below what SDK clients reusing connections expect.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from waitress.server import create_server

import ec2sim
from ec2sim.api.app import ApiApp
from ec2sim.api.models import preload
from ec2sim.config import Config
from ec2sim.metadata.app import MetadataApp
from ec2sim.store import Store

log = logging.getLogger("ec2sim.server")

API_THREADS = 8
IMDS_THREADS = 4
POLL_SECONDS = 0.1  # how soon a listener notices it must stop


class WaitressListener:
    """A waitress server that can be stopped from another thread."""

    def __init__(self, host: str, port: int, app: Any, threads: int) -> None:
        # Proxy headers reach the app untouched: the metadata service refuses token requests
        # that carry X-Forwarded-For, as IMDS does.
        self._server = create_server(
            app,
            host=host,
            port=port,
            threads=threads,
            asyncore_loop_timeout=POLL_SECONDS,
            ident="ec2sim",
            clear_untrusted_proxy_headers=False,
        )
        self.port = self._server.effective_port
        self._serving = threading.Event()
        self._stopping = threading.Event()
        self._stopped = threading.Event()

    def serve(self) -> None:
        self._serving.set()
        try:
            self._server.run()
        except OSError:
            if not self._stopping.is_set():  # a socket closed under the loop while stopping is expected
                raise
        finally:
            self._stopped.set()

    def _close_channels(self) -> None:
        for channel in list(self._server._map.values()):
            channel.handle_close()

    def stop(self) -> None:
        """Close every channel from inside the serving loop (which then ends), then the workers."""
        logging.getLogger("waitress").setLevel(logging.ERROR)  # closing live channels is expected here
        self._stopping.set()
        if self._serving.is_set() and not self._stopped.is_set():
            try:
                self._server.trigger.pull_trigger(self._close_channels)
            except OSError:  # its trigger is already closed: the loop is ending by itself
                pass
            self._stopped.wait(timeout=5)
        else:
            self._close_channels()
        self._server.task_dispatcher.shutdown()


class Server:
    """The two listeners of one emulator, sharing one store."""

    def __init__(self, config: Config, store: Store | None = None) -> None:
        self.config = config
        self.store = store or Store()
        for account_id, access_key_id, secret in config.root_keys():
            self.store.configure_root_key(account_id, access_key_id, secret)
        self.api_app = ApiApp(self.store, config)
        self.metadata_app = MetadataApp(self.store, config)
        self._api = WaitressListener(config.host, config.port, self.api_app, API_THREADS)
        self._imds = WaitressListener(config.imds_host, config.imds_port, self.metadata_app, IMDS_THREADS)
        self._threads: list[threading.Thread] = []

    @property
    def api_port(self) -> int:
        return self._api.port

    @property
    def imds_port(self) -> int:
        return self._imds.port

    @property
    def api_url(self) -> str:
        return f"http://{self.config.host}:{self.api_port}"

    @property
    def imds_url(self) -> str:
        return f"http://{self.config.imds_host}:{self.imds_port}"

    def start(self) -> Server:
        threading.Thread(target=preload, name="ec2sim-models", daemon=True).start()
        for name, listener in (("api", self._api), ("imds", self._imds)):
            thread = threading.Thread(target=listener.serve, name=f"ec2sim-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)
        log.info(
            "ec2sim %s: API on %s, instance metadata on %s (account %s, region %s)",
            ec2sim.__version__,
            self.api_url,
            self.imds_url,
            self.config.account_id,
            self.config.region,
        )
        return self

    def stop(self) -> None:
        for listener in (self._api, self._imds):
            listener.stop()
        for thread in self._threads:
            thread.join(timeout=1)

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
