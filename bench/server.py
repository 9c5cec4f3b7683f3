"""The synthetic corpus served on loopback: one HTTP server (one port) per outlet.

Run as a process of its own (``python -m bench.server``) so that serving
costs neither the measured process's GIL nor its memory; it prints one JSON
line (feed URLs, the stats URL) and serves until it is terminated.

Every outlet is its own origin (its own port), as sites are in the wild, so
the flow's per-host limits apply per outlet. Feeds carry an ETag and a
Last-Modified and answer a matching conditional GET with 304. ``/__stats``
(on any port) returns the request counters by kind, which is how the bench
proves a warm rerun fetched no article page.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from bench.corpus import ARTICLE_PATH, FEED_PATH, Corpus, Outlet

ROBOTS = b"User-agent: *\nAllow: /\n"
LAST_MODIFIED = "Mon, 06 Jan 2025 06:00:00 GMT"


class Counters:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def add(self, kind: str) -> None:
        with self._lock:
            self._counts[kind] += 1

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)


class SiteServers:
    """One ThreadingHTTPServer per outlet on 127.0.0.1, each in a daemon thread."""

    def __init__(self, corpus: Corpus):
        self.corpus = corpus
        self.counters = Counters()
        self._feed_cache: dict[int, bytes] = {}
        self._feed_lock = threading.Lock()
        self._servers: dict[str, ThreadingHTTPServer] = {}
        for outlet in corpus.outlets:
            server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self, outlet))
            server.daemon_threads = True
            self._servers[outlet.slug] = server

    def base_url(self, outlet: Outlet) -> str:
        return f"http://127.0.0.1:{self._servers[outlet.slug].server_address[1]}"

    def feed_urls(self) -> list[str]:
        return [f"{self.base_url(self.corpus.outlet_of_feed(k))}/feeds/{k}.xml" for k in range(self.corpus.feeds)]

    def manifest(self) -> dict:
        first = self.corpus.outlets[0]
        return {"feeds": self.feed_urls(), "stats": f"{self.base_url(first)}/__stats",
                "sites": {o.slug: self.base_url(o) for o in self.corpus.outlets},
                "articles": self.corpus.articles, "seed": self.corpus.seed}

    def start(self) -> "SiteServers":
        for server in self._servers.values():
            threading.Thread(target=server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        for server in self._servers.values():
            server.shutdown()
            server.server_close()

    def __enter__(self) -> "SiteServers":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def feed_body(self, feed: int, base_url: str) -> bytes:
        with self._feed_lock:
            if feed not in self._feed_cache:
                self._feed_cache[feed] = self.corpus.feed_xml(feed, base_url)
            return self._feed_cache[feed]

    def etag(self, feed: int) -> str:
        digest = hashlib.sha1(f"{self.corpus.seed}/{self.corpus.articles}/{feed}".encode()).hexdigest()[:16]
        return f'"{digest}"'


def _handler_for(sites: SiteServers, outlet: Outlet) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
            pass

        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            path = urlsplit(self.path).path
            base = sites.base_url(outlet)
            if path == "/robots.txt":
                sites.counters.add("robots")
                return self._send(200, ROBOTS, "text/plain")
            if path == "/__stats":
                return self._send(200, json.dumps(sites.counters.snapshot()).encode(), "application/json")
            feed = FEED_PATH.match(path)
            if feed and int(feed.group(1)) < sites.corpus.feeds \
                    and sites.corpus.outlet_of_feed(int(feed.group(1))) == outlet:
                return self._feed(int(feed.group(1)), base)
            article = ARTICLE_PATH.match(path)
            if article:
                index = int(article.group(1))
                if index < sites.corpus.articles and sites.corpus.meta(index).outlet == outlet:
                    sites.counters.add("article")
                    return self._send(200, sites.corpus.page(index, base), "text/html; charset=utf-8")
            sites.counters.add("not_found")
            return self._send(404, b"not found", "text/plain")

        def _feed(self, feed: int, base: str) -> None:
            etag = sites.etag(feed)
            headers = {"ETag": etag, "Last-Modified": LAST_MODIFIED}
            if self.headers.get("If-None-Match") == etag or (
                    self.headers.get("If-Modified-Since") == LAST_MODIFIED and not self.headers.get("If-None-Match")):
                sites.counters.add("feed_not_modified")
                return self._send(304, b"", None, headers)
            sites.counters.add("feed")
            return self._send(200, sites.feed_body(feed, base), "application/rss+xml; charset=utf-8", headers)

        def _send(self, status: int, body: bytes, content_type: str | None,
                  headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            if content_type:
                self.send_header("Content-Type", content_type)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if status != 304:
                self.wfile.write(body)

    return Handler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="serve the synthetic bench corpus on loopback")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--articles", type=int, required=True)
    parser.add_argument("--feeds", type=int, default=40)
    args = parser.parse_args(argv)
    sites = SiteServers(Corpus(args.seed, args.articles, args.feeds)).start()
    print(json.dumps(sites.manifest()), flush=True)
    try:
        sys.stdin.read()  # serve until the parent closes our stdin (or terminates us)
    finally:
        sites.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
