"""A real HTTP server on 127.0.0.1 for tests: fixed routes, a folder, or both, with misbehaviour on demand.

Usage::

    from tests.loopback import Route, serve

    with serve({"/feed.xml": Route(body=feed_bytes, content_type="application/rss+xml"),
                "/flaky": Route(body=b"ok", fail_first=1, fail_status=503),
                "/slow": Route(body=b"x" * 100, delay=2.0),
                "/moved": Route.redirect("/feed.xml")}) as server:
        server.url("/feed.xml")      # "http://127.0.0.1:<port>/feed.xml"
        server.hits["/flaky"]        # how many requests reached that path
        server.requests              # every request seen: RequestRecord(method, path, headers, at)
        server.peak_in_flight        # most requests being answered at the same moment
        server.bytes_sent["/big"]    # body bytes written for a path (what a client let through)

    with serve(directory="site/", replace={b"__BASE__": None}) as server:
        ...  # static files; None is replaced by the server's own base URL (on bytes)

The server binds port 0 (a free port), runs in a daemon thread, speaks HTTP/1.1 with
keep-alive, and is shut down when the ``with`` block ends. A plain ``bytes``/``str`` route value
means "200 with this body". Paths are matched with their query string first, then without it.
Unknown paths get a 404. Nothing here is mocked: clients talk to it over real sockets.
"""

from __future__ import annotations

import mimetypes
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping
from urllib.parse import urlsplit
from contextlib import contextmanager


@dataclass
class Route:
    """How one path answers. Every field has a harmless default."""

    body: bytes | str = b""
    status: int = 200
    content_type: str | None = "text/html; charset=utf-8"
    headers: Mapping[str, str] = field(default_factory=dict)
    # Misbehaviour ------------------------------------------------------------------
    fail_first: int = 0  # answer fail_status to the first N requests, then behave
    fail_status: int = 500
    fail_headers: Mapping[str, str] = field(default_factory=dict)  # e.g. {"Retry-After": "1"}
    delay: float = 0.0  # seconds to wait before sending the status line
    trickle: float = 0.0  # seconds to wait between body chunks (a slow body)
    chunk_size: int = 1024  # body chunk size used with trickle
    send_length: bool = True  # False: no Content-Length, the body ends when the connection closes
    drop_connection: bool = False  # close the socket without answering
    # A body produced piece by piece (e.g. 40 MB, or bytes then a stall); sent without a
    # Content-Length unless declared_length is given.
    stream: Callable[[], Iterable[bytes]] | None = None
    declared_length: int | None = None  # a Content-Length to announce, true or not (a cut-off body)
    # Full control: called with the request record, returns a Route to answer with.
    handler: Callable[["RequestRecord"], "Route"] | None = None

    @classmethod
    def redirect(cls, location: str, status: int = 302) -> "Route":
        return cls(status=status, headers={"Location": location}, content_type=None)


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str  # path with query string, as sent
    headers: dict[str, str]
    at: float = 0.0  # time.monotonic() when it arrived


class LoopbackServer:
    """The running server. Use :func:`serve` to get one."""

    def __init__(
        self,
        routes: Mapping[str, Route | bytes | str] | None,
        directory: str | Path | None,
        replace: Mapping[bytes, bytes | None] | None,
    ):
        self.routes: dict[str, Route] = {
            path: value if isinstance(value, Route) else Route(body=value)
            for path, value in (routes or {}).items()
        }
        self.directory = Path(directory) if directory is not None else None
        self.replace = dict(replace or {})
        self.hits: Counter[str] = Counter()  # by path without query string
        self.requests: list[RequestRecord] = []
        self.bytes_sent: Counter[str] = Counter()  # body bytes written, by path without query string
        self.in_flight = 0
        self.peak_in_flight = 0
        self._lock = threading.Lock()
        self._httpd = _QuietServer(("127.0.0.1", 0), _make_handler(self))
        self._httpd.daemon_threads = True
        # Do not wait for handlers still trickling a body to a client that gave up.
        self._httpd.block_on_close = False
        self.port: int = self._httpd.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        # A short poll interval makes shutdown (and so every test using the server) quick.
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True)

    def url(self, path: str = "/") -> str:
        return self.base_url + (path if path.startswith("/") else "/" + path)

    @property
    def total_hits(self) -> int:
        return sum(self.hits.values())

    def start(self) -> "LoopbackServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    # --- request side -------------------------------------------------------------------
    def _record(self, record: RequestRecord) -> int:
        """Store the request; return how many requests reached this path before it."""
        bare = urlsplit(record.path).path
        with self._lock:
            self.requests.append(record)
            seen = self.hits[bare]
            self.hits[bare] += 1
        return seen

    def _enter(self) -> None:
        with self._lock:
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)

    def _leave(self, path: str, sent: int) -> None:
        with self._lock:
            self.in_flight -= 1
            self.bytes_sent[urlsplit(path).path] += sent

    def _lookup(self, path: str) -> Route | None:
        if path in self.routes:
            return self.routes[path]
        bare = urlsplit(path).path
        if bare in self.routes:
            return self.routes[bare]
        return self._file_route(bare)

    def _file_route(self, bare_path: str) -> Route | None:
        if self.directory is None:
            return None
        root = self.directory.resolve()
        target = (root / bare_path.lstrip("/")).resolve()
        if target.is_dir():
            target = target / "index.html"
        if root not in target.parents or not target.is_file():
            return None
        body = target.read_bytes()
        for old, new in self.replace.items():
            body = body.replace(old, (new if new is not None else self.base_url.encode()))
        # Like a plain static server: a type from the extension and no charset parameter.
        content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        return Route(body=body, content_type=content_type)


class _QuietServer(ThreadingHTTPServer):
    """A client that gives up mid-answer is the point of many tests, not an error to print."""

    def handle_error(self, request: object, client_address: object) -> None:
        pass


def _make_handler(server: LoopbackServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # keep test output clean
            pass

        def do_HEAD(self) -> None:
            self._answer(send_body=False)

        def do_GET(self) -> None:
            self._answer(send_body=True)

        def _answer(self, send_body: bool) -> None:
            record = RequestRecord(self.command, self.path, dict(self.headers.items()), time.monotonic())
            seen_before = server._record(record)
            server._enter()
            self.sent = 0
            try:
                self._route(record, seen_before, send_body)
            finally:
                server._leave(self.path, self.sent)

        def _route(self, record: RequestRecord, seen_before: int, send_body: bool) -> None:
            route = server._lookup(self.path)
            if route is None:
                route = Route(body=b"not found", status=404, content_type="text/plain")
            if route.handler is not None:
                route = route.handler(record)
            if route.drop_connection:
                self.close_connection = True
                return
            if route.delay:
                time.sleep(route.delay)
            if seen_before < route.fail_first:
                route = Route(
                    body=f"failure {seen_before + 1}".encode(),
                    status=route.fail_status,
                    content_type="text/plain",
                    headers=route.fail_headers,
                )
            self._send(route, send_body)

        def _send(self, route: Route, send_body: bool) -> None:
            body = route.body.encode("utf-8") if isinstance(route.body, str) else route.body
            self.send_response(route.status)
            if route.content_type:
                self.send_header("Content-Type", route.content_type)
            for name, value in route.headers.items():
                self.send_header(name, value)
            if route.declared_length is not None:
                self.send_header("Content-Length", str(route.declared_length))
                self.close_connection = True  # after a body that may not match it
            elif route.send_length and route.stream is None:
                self.send_header("Content-Length", str(len(body)))
            else:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            if not send_body:
                return
            try:
                if route.stream is not None:
                    for piece in route.stream():
                        self.wfile.write(piece)
                        self.wfile.flush()
                        self.sent += len(piece)
                elif route.trickle:
                    for start in range(0, len(body), route.chunk_size):
                        piece = body[start : start + route.chunk_size]
                        self.wfile.write(piece)
                        self.wfile.flush()
                        self.sent += len(piece)
                        time.sleep(route.trickle)
                else:
                    self.wfile.write(body)
                    self.sent += len(body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client gave up; that is often the point

    return Handler


@contextmanager
def serve(
    routes: Mapping[str, Route | bytes | str] | None = None,
    *,
    directory: str | Path | None = None,
    replace: Mapping[bytes, bytes | None] | None = None,
) -> Iterator[LoopbackServer]:
    """Run a loopback server for the duration of a ``with`` block.

    ``routes`` win over files in ``directory``. ``replace`` rewrites bytes in served files;
    a value of None stands for the server's base URL (``http://127.0.0.1:<port>``).
    """
    server = LoopbackServer(routes, directory, replace).start()
    try:
        yield server
    finally:
        server.stop()
