"""``GET /_ec2sim/events``: every call as it is answered, as server-sent events (text/event-stream).

Each call is one ``data:`` line of JSON (`ec2sim.api.decisions.event_view`); ``?principal=ARN``
keeps that principal's calls only (a role's sessions too, for an ``assumed-role/ROLE`` ARN).

- Each stream has its own bounded queue, filled from the request threads through `Trail.listen`
  (which must never block them): when a slow client lets it fill, new events are dropped and
  counted, and the stream says so with a ``dropped`` event (``{"dropped": N}``, the total so far)
  before the next one it sends.
- A comment line every `HEARTBEAT_SECONDS` keeps proxies from closing an idle stream and finds
  clients that went away (waitress refuses the write to a closed connection, which ends the stream).
- A stream holds one of the listener's worker threads for as long as it is open, so at most
  `MAX_STREAMS` are open at once (503 beyond), leaving the other workers to AWS requests.
- `EventStreams.close` (the server's stop) ends every open stream at once, so stopping never
  waits on them. A stream stops listening when waitress closes its response (the stream ended,
  the client went away, or the server stopped).
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Callable, Iterator

from werkzeug.wrappers import Request, Response

from ec2sim.api.decisions import event_view, principal_matches
from ec2sim.store.trail import CallRecord, Trail

MAX_STREAMS = 4  # of the API listener's 8 worker threads (`ec2sim.server.API_THREADS`)
QUEUE_SIZE = 1000
HEARTBEAT_SECONDS = 10.0

Route = Callable[[Request], Response]


class _Stream:
    """One client's queue of records, filled by the trail's listener."""

    def __init__(self, principal: str | None) -> None:
        self.principal = principal
        self.records: queue.Queue[CallRecord | None] = queue.Queue(QUEUE_SIZE)
        self.dropped = 0
        self._counting = threading.Lock()  # offers come from every request thread
        self.closed = threading.Event()

    def offer(self, record: CallRecord) -> None:
        """The trail's listener: quick, never blocks, never raises."""
        if self.principal is not None and not principal_matches(record, self.principal):
            return
        try:
            self.records.put_nowait(record)
        except queue.Full:
            with self._counting:
                self.dropped += 1

    def close(self) -> None:
        self.closed.set()
        try:
            self.records.put_nowait(None)  # wakes the waiting stream (a full queue wakes it anyway)
        except queue.Full:
            pass

    def lines(self) -> Iterator[bytes]:
        yield b": ec2sim events\n\n"  # sends the headers now, before the first call
        reported = 0
        while not self.closed.is_set():
            try:
                record = self.records.get(timeout=HEARTBEAT_SECONDS)
            except queue.Empty:
                yield b": heartbeat\n\n"
                continue
            if record is None or self.closed.is_set():
                return
            if self.dropped != reported:
                reported = self.dropped
                yield f"event: dropped\ndata: {json.dumps({'dropped': reported})}\n\n".encode()
            yield f"data: {json.dumps(event_view(record))}\n\n".encode()


class EventStreams:
    """The open streams of one server."""

    def __init__(self, trail: Trail) -> None:
        self.trail = trail
        self._open: set[_Stream] = set()
        self._lock = threading.Lock()
        self._closed = False

    def routes(self) -> dict[tuple[str, str], Route]:
        return {("GET", "/_ec2sim/events"): self.events}

    def events(self, request: Request) -> Response:
        if request.method == "HEAD":  # waitress would drain a stream it sends no byte of, forever
            return Response(b"", 200, mimetype="text/event-stream")
        stream = _Stream(request.args.get("principal") or None)
        with self._lock:
            if self._closed:
                return _unavailable("the server is stopping")
            if len(self._open) >= MAX_STREAMS:
                return _unavailable(f"too many event streams open (at most {MAX_STREAMS})")
            self._open.add(stream)
        stop = self.trail.listen(stream.offer)

        def closed() -> None:  # waitress closes every response, also one never iterated
            stop()
            with self._lock:
                self._open.discard(stream)

        response = Response(stream.lines(), 200, mimetype="text/event-stream")
        response.headers["Cache-Control"] = "no-cache"
        response.call_on_close(closed)
        return response

    def close(self) -> None:
        """End every open stream now and refuse new ones."""
        with self._lock:
            self._closed = True
            streams = list(self._open)
        for stream in streams:
            stream.close()

    @property
    def open_count(self) -> int:
        return len(self._open)


def _unavailable(message: str) -> Response:
    return Response(json.dumps({"error": message}), 503, content_type="application/json")
