"""A loopback static server for news sites in the corpus layout.

A site folder holds ``feeds/*.xml`` and ``articles/*.html``, possibly under
batch folders (``batch1/feeds/...``). Every URL inside those files is written
with the literal prefix ``__BASE__``; the server swaps in its own base URL on
the fly, so feed links are absolute and point back at this server.

The server behaves like a plain static server (``python -m http.server``):
no charset in ``Content-Type``, 404 for anything that is not a feed or an
article. It is used by ``dealwatch demo``, ``dealwatch eval`` and the tests.

The root is read through ``importlib.resources`` ``Traversable`` objects only,
so the bundled demo sites are served the same way from a source checkout, an
installed wheel or a zip.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import logging
import re
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources.abc import Traversable
from pathlib import Path
from types import TracebackType
from urllib.parse import unquote, urlsplit

logger = logging.getLogger(__name__)

BASE_PLACEHOLDER = b"__BASE__"

# Which files exist on a site: (folder name, file suffix) -> how to label it.
# Everything else (README, expected.json, __init__.py, robots.txt) is a 404,
# exactly as on the sites the corpus imitates.
_SERVABLE = {("feeds", ".xml"), ("articles", ".html")}

# First element name of an XML document, skipping the declaration, comments,
# processing instructions and doctype (all start with "<?" or "<!").
_ROOT_ELEMENT = re.compile(rb"<(?![?!])(?:[\w.-]+:)?([A-Za-z_][\w.-]*)")

_FEED_TYPES = {
    "rss": "application/rss+xml",
    "feed": "application/atom+xml",
    "RDF": "application/rdf+xml",  # RSS 1.0
}


def demo_sites_root() -> Traversable:
    """The bundled sample sites, wherever the package is installed."""
    return importlib.resources.files("flows.demo_sites")


def feed_content_type(body: bytes) -> str:
    """Content-Type for a feed, from its root element (rss / feed / rdf:RDF)."""
    match = _ROOT_ELEMENT.search(body[:4096])
    if match is None:
        return "application/xml"
    return _FEED_TYPES.get(match.group(1).decode("ascii"), "application/xml")


def _as_traversable(root: Path | Traversable) -> Traversable:
    if isinstance(root, str):  # a plain string path is an easy mistake to forgive
        root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"site root is not a folder: {root}")
    return root


def _child(node: Traversable, name: str) -> Traversable | None:
    """``node / name`` if it exists; one segment at a time because
    ``Traversable.joinpath`` with several parts differs across versions."""
    child = node.joinpath(name)
    if child.is_dir() or child.is_file():
        return child
    return None


def _safe_segments(url_path: str) -> list[str] | None:
    """URL path -> folder/file names, or None if it tries to leave the root."""
    segments = unquote(url_path).split("/")[1:]
    for segment in segments:
        if segment in ("", ".", "..") or segment.startswith(".") or "\\" in segment:
            return None
    return segments


class SiteServer:
    """Serves one site folder on loopback in a background thread.

    Use as a context manager::

        with SiteServer(demo_sites_root()) as site:
            urls = site.feed_urls()

    ``root`` may be swapped while the server runs (``site.root = other``) to
    republish a site under the same base URL, as the later batch of a site.
    """

    def __init__(
        self,
        root: Path | Traversable,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.root = root  # validated by the setter
        self.host = host
        self.port = port
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def root(self) -> Traversable:
        return self._root

    @root.setter
    def root(self, root: Path | Traversable) -> None:
        self._root = _as_traversable(root)

    # -- lifecycle -------------------------------------------------------

    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("SiteServer is not running; use it in a with block")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> SiteServer:
        if self._httpd is not None:
            return self
        self._httpd = _QuietServer((self.host, self.port), _make_handler(self))
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},  # quick shutdown
            name=f"SiteServer:{self.port}",
            daemon=True,
        )
        self._thread.start()
        logger.debug("serving %s at %s", self.root, self.base_url)
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> SiteServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- what the site holds ---------------------------------------------

    def feed_urls(self, subdir: str = "") -> list[str]:
        """Absolute URLs of every ``feeds/*.xml`` under ``subdir`` (or the
        whole site), sorted. A missing ``subdir`` is an error, not an empty
        list, so a typo in a batch name cannot look like an empty site."""
        start = self.root
        prefix: list[str] = []
        for name in (s for s in subdir.strip("/").split("/") if s):
            node = _child(start, name)
            if node is None or not node.is_dir():
                raise FileNotFoundError(f"no folder {subdir!r} in site {self.root}")
            start, prefix = node, prefix + [name]
        found = [
            "/".join(parts)
            for parts in _walk(start, prefix)
            if len(parts) >= 2 and (parts[-2], _suffix(parts[-1])) == ("feeds", ".xml")
        ]
        return sorted(f"{self.base_url}/{path}" for path in found)

    def url_for(self, relative_path: str) -> str:
        """Absolute URL of a file given by its path inside the site."""
        return f"{self.base_url}/{relative_path.lstrip('/')}"

    def resolve(self, url_path: str) -> tuple[bytes, str] | None:
        """(body with ``__BASE__`` replaced, Content-Type) for a URL path, or
        None where a static news site would answer 404."""
        segments = _safe_segments(url_path)
        if not segments or len(segments) < 2:
            return None
        if (segments[-2], _suffix(segments[-1])) not in _SERVABLE:
            return None
        node: Traversable | None = self.root
        for name in segments:
            node = _child(node, name) if node is not None else None
        if node is None or not node.is_file():
            return None
        body = node.read_bytes().replace(BASE_PLACEHOLDER, self.base_url.encode("ascii"))
        if segments[-2] == "feeds":
            return body, feed_content_type(body)
        # No charset, like a plain static server: clients must read <meta charset>.
        return body, "text/html"


def _suffix(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""


def _walk(node: Traversable, prefix: list[str]) -> list[list[str]]:
    """Path parts of every file below ``node`` (hidden entries skipped)."""
    files: list[list[str]] = []
    for child in node.iterdir():
        if child.name.startswith((".", "__pycache__")):
            continue
        parts = prefix + [child.name]
        if child.is_dir():
            files.extend(_walk(child, parts))
        elif child.is_file():
            files.append(parts)
    return files


class _QuietServer(ThreadingHTTPServer):
    """Threaded (daemon threads, so a stuck client never blocks exit) and
    quiet: a client hanging up mid-response is logged, not printed."""

    def handle_error(self, request: object, client_address: tuple) -> None:
        logger.debug("error serving %s", client_address, exc_info=True)


def _make_handler(site: SiteServer) -> type[BaseHTTPRequestHandler]:
    class _SiteHandler(BaseHTTPRequestHandler):
        server_version = "SiteServer/1.0"
        protocol_version = "HTTP/1.1"  # keep-alive, as real sites do

        def do_GET(self) -> None:
            self._respond(send_body=True)

        def do_HEAD(self) -> None:
            self._respond(send_body=False)

        def _respond(self, send_body: bool) -> None:
            found = site.resolve(urlsplit(self.path).path)
            if found is None:
                self._send_not_found(send_body)
                return
            body, content_type = found
            # A content ETag lets a fetcher use conditional GETs; it changes
            # when the site is republished with new items.
            etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
            if etag in (self.headers.get("If-None-Match") or ""):
                self.send_response(HTTPStatus.NOT_MODIFIED)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", etag)
            self.end_headers()
            if send_body:
                self.wfile.write(body)

        def _send_not_found(self, send_body: bool) -> None:
            body = b"<!DOCTYPE html><title>404 Not Found</title><h1>Not Found</h1>\n"
            self.send_response(HTTPStatus.NOT_FOUND)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if send_body:
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            # Quiet: one debug line per request instead of stderr noise.
            logger.debug("%s %s", self.address_string(), format % args)

    return _SiteHandler
