"""Start the API and metadata listeners together; stop both cleanly.

Both listeners run on waitress: Werkzeug's development server closes every
connection after one response (a new TCP connection and thread per request),
which caps throughput far below what SDK clients reusing connections expect.

Limits a client can't lift: how many connections a listener holds open, how long an
idle keep-alive connection stays, how long a request may take to arrive (a client
trickling bytes keeps waitress's own idle timer from ever firing) and how large a
body may be (waitress answers 413 beyond it).
"""

from __future__ import annotations

import gc
import importlib
import logging
import pkgutil
import threading
import time
from functools import cache
from typing import TYPE_CHECKING, Any

from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer
from waitress.task import ThreadedTaskDispatcher

import ec2sim
from ec2sim.api import registry
from ec2sim.api.control import HEALTH_PATH
from ec2sim.api.control import PREFIXES as CONTROL_PREFIXES
from ec2sim.api.models import preload
from ec2sim.config import Config
from ec2sim.store import Store
from ec2sim.web import create_app, create_metadata_app

if TYPE_CHECKING:
    from ec2sim.cloudtrail.persistence import TrailFile
    from ec2sim.seed.apply import Seed
    from ec2sim.store.persistence import StateDir

log = logging.getLogger("ec2sim.server")
# waitress warns at every queued task ("Task queue depth is 2"): noise under any parallel client.
logging.getLogger("waitress.queue").setLevel(logging.ERROR)

API_THREADS = 8
IMDS_THREADS = 1  # its loop answers every request itself (inline): one worker, waitress's least
# How often an idle loop wakes to close timed-out connections. Stopping never waits for it:
# `stop` wakes the loop through waitress's trigger. (waitress reads this setting as an integer, so
# a fraction of a second would become 0 and spin the loop.)
LOOP_SECONDS = 1
# The packages whose modules a server may load on first use (`Server.start`).
LAZY_PACKAGES = ("ec2sim.api", "ec2sim.cloudtrail", "ec2sim.iam", "ec2sim.metadata", "ec2sim.store")


# Requests the serving loop's own thread answers, never queued for a worker: the health check,
# which must answer promptly however busy the workers are.
INLINE = frozenset({("GET", HEALTH_PATH)})


class _Channel(HTTPChannel):
    """A connection that remembers when its current request began to arrive, and answers the
    `INLINE` requests in the serving loop's thread (the dispatcher marks them `inline`)."""

    request_began: float | None = None
    _timed: object = None
    inline = False

    def received(self, data: bytes) -> bool:
        result: bool = super().received(data)
        if self.request is None:
            self.request_began = self._timed = None
        elif self.request is not self._timed:
            self._timed, self.request_began = self.request, time.monotonic()
        # Outside `requests_lock` (which `received` held while it handed the request over): the
        # request is answered here and its answer sent at once, before the loop polls again.
        while self.inline:
            self.inline = False
            self.service()  # the next pipelined request goes to a worker, or here again if INLINE
            self.handle_write()
        return result


class _TcpServer(TcpWSGIServer):
    """waitress's listener, also closing connections whose request takes too long to arrive."""

    channel_class = _Channel
    request_seconds: float = 10.0

    def maintenance(self, now: float) -> None:
        super().maintenance(now)  # closes connections idle past channel_timeout
        cutoff = time.monotonic() - self.request_seconds
        for channel in list(self.active_channels.values()):
            began = getattr(channel, "request_began", None)
            if began is not None and began < cutoff and not channel.requests:
                channel.will_close = True


class _Dispatcher(ThreadedTaskDispatcher):
    """Requests in arrival order, except the control API's, which go first: the clock and reset
    answer promptly while AWS requests wait for busy workers. `INLINE` requests that the serving
    loop reads are not queued at all: the loop's thread answers them (`_Channel.received`), so
    the health check waits neither for a free worker nor behind the workers' share of the GIL."""

    loop_thread: int | None = None  # the serving loop's thread, once it runs
    inline_all = False  # every request answered on the loop's thread (see `WaitressListener`)

    def add_task(self, task: Any) -> None:
        requests = getattr(task, "requests", None)
        first = requests[0] if requests else None
        path = getattr(first, "path", None)  # None: a malformed request
        if (
            isinstance(task, _Channel)
            and (self.inline_all or (getattr(first, "command", None), path) in INLINE)
            and threading.get_ident() == self.loop_thread
        ):
            task.inline = True
            return
        if isinstance(path, str) and path.startswith(CONTROL_PREFIXES):
            with self.lock:
                self.queue.appendleft(task)
                self.queue_cv.notify()
            return
        super().add_task(task)


class WaitressListener:
    """A waitress server on the first address `host` resolves to, stoppable from another thread."""

    def __init__(
        self, host: str, port: int, app: Any, threads: int, config: Config, *, inline: bool = False
    ) -> None:
        """`inline`: the serving loop's thread answers every request itself, none is handed to a
        worker thread (and back) through waitress's queue: for an app whose requests are short
        and serialized by the store's lock anyway (the metadata service), the hand-offs were most
        of a request's time on a keep-alive connection."""
        # Proxy headers reach the app untouched: the metadata service refuses token requests
        # that carry X-Forwarded-For, as IMDS does.
        adjustments = Adjustments(
            host=host,
            port=port,
            threads=threads,
            asyncore_loop_timeout=LOOP_SECONDS,
            asyncore_use_poll=True,  # select() stops at 1,024 descriptors
            connection_limit=config.max_connections,
            channel_timeout=config.idle_connection_seconds,
            cleanup_interval=1,
            max_request_body_size=config.max_request_bytes,
            ident="ec2sim",
            clear_untrusted_proxy_headers=False,
        )
        dispatcher = self._dispatcher = _Dispatcher()
        dispatcher.inline_all = inline
        dispatcher.set_thread_count(threads)
        self._map: dict[int, Any] = {}
        self._server = _TcpServer(
            app, self._map, dispatcher=dispatcher, adj=adjustments, sockinfo=adjustments.listen[0]
        )
        self._server.request_seconds = config.request_read_seconds
        self.port: int = self._server.effective_port
        self._serving = threading.Event()
        self._stopping = threading.Event()
        self._stopped = threading.Event()

    def serve(self) -> None:
        self._dispatcher.loop_thread = threading.get_ident()
        self._serving.set()
        try:
            self._server.run()
        except OSError:
            if not self._stopping.is_set():  # a socket closed under the loop while stopping is expected
                raise
        finally:
            self._stopped.set()

    def _close_channels(self) -> None:
        for channel in list(self._map.values()):
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


def _warm_up() -> None:
    """In the background once the listeners are up (``ec2sim serve``): load the models and every
    operation's module (the server answers before they are loaded: start-up imports only what
    its first request needs, and an operation's first call would otherwise pay for its module),
    then freeze the heap (`gc.freeze`): what start-up built (modules, models, a restored state) is
    left out of the collector's full passes, which walked it on every one (~60 ms at idle,
    seconds with a large state dir: a request caught behind one waits that long). `Store.reset`
    and `Store.replace_state` unfreeze it, so the state they drop can be reclaimed."""
    preload()
    registry.load_all()
    gc.freeze()


@cache
def _import_all() -> None:
    """Every module a server may load on first use, imported now, in this thread (once a process)."""
    for package in LAZY_PACKAGES:
        path = importlib.import_module(package).__path__
        for found in pkgutil.walk_packages(path, f"{package}."):
            importlib.import_module(found.name)


class Server:
    """The two listeners of one emulator, sharing one store."""

    def __init__(self, config: Config, store: Store | None = None, seed: Seed | None = None) -> None:
        """`seed` (from `ec2sim.seed.loader.load_seed`, which has checked it) is applied to the
        store here, and again after each reset."""
        self.config = config
        self.store = store or Store(durable=bool(config.state_dir))
        if config.state_dir and self.store.tracker is None:
            raise ValueError("a server with a state directory needs a store made with Store(durable=True)")
        self.store.iam.propagation_seconds = config.iam_propagation_seconds
        for account_id, access_key_id, secret in config.root_keys():
            self.store.configure_root_key(account_id, access_key_id, secret)
        self.store.trail.resize(config.trail_limit)
        # --state-dir: StateDirError when another server has it. Restored state wins over the seed.
        self.state: StateDir | None = None
        self.trail_file: TrailFile | None = None
        if config.state_dir:  # only then: persistence imports every record class
            from ec2sim.store.persistence import StateDir

            self.state = StateDir(config.state_dir)
        try:
            restored = self.state.load(self.store) if self.state is not None else False
            if self.state is not None:
                from ec2sim.cloudtrail.persistence import TrailFile

                self.trail_file = TrailFile(config.state_dir, config.trail_limit)
                self.trail_file.load(self.store.trail)
                self.trail_file.attach(self.store.trail)
            if seed is not None:
                seed.configure(self.store)
                if not restored:
                    seed.populate(self.store)
            with self.store.lock:
                self.store.commit()
            self._listen(config, seed)
        except BaseException:
            self._close_state()
            raise

    def _listen(self, config: Config, seed: Seed | None) -> None:
        """The apps and their listeners (not serving until `start`)."""
        self.api_app = create_app(config, self.store)
        self.api_app.extensions["ec2sim"].api.control.reseed = seed.populate if seed is not None else None
        self.metadata_app = create_metadata_app(config, self.store)
        self._api = WaitressListener(config.host, config.port, self.api_app, API_THREADS, config)
        self._imds = WaitressListener(
            config.imds_host, config.imds_port, self.metadata_app, IMDS_THREADS, config, inline=True
        )
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

    def start(self, *, background: bool = False) -> Server:
        """Serve. With `background` (``ec2sim serve``, a process of its own) the listeners answer at
        once and `_warm_up` runs beside them. Without (a server inside a test run: the pytest
        plugin, `ec2sim.testing.server`) every module it could load on first use is imported
        first, here: two threads importing at once are not safe under pytest's assertion
        rewriting, which parses each module it imports (CPython 3.11's `ast` keeps one recursion
        counter per interpreter: "AST constructor recursion depth mismatch"); and the process's
        garbage collector is left alone."""
        if background:
            threading.Thread(target=_warm_up, name="ec2sim-warm-up", daemon=True).start()
        else:
            preload()
            _import_all()
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
        self.api_app.extensions["ec2sim"].api.control.close()  # open event streams end first
        for listener in (self._api, self._imds):
            listener.stop()
        for thread in self._threads:
            thread.join(timeout=1)
        self._close_state(graceful=True)

    def _close_state(self, graceful: bool = False) -> None:
        """Close the state directory (its lock freed for the next server); the store stays in memory.
        `graceful`: a stop, not a start that failed half-way: a snapshot of the state is written."""
        if self.trail_file is not None:
            self.trail_file.close()
            self.trail_file = None
        if self.state is not None:
            with self.store.lock:
                try:
                    if self.store.persistence is self.state:  # loaded: keys' last uses are saved now
                        self.state.save_key_uses(self.store)
                        if graceful:
                            self.state.save_snapshot(self.store)
                finally:
                    self.store.persistence = None
                    self.state.close()
            self.state = None

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
