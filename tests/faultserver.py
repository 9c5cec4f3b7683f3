"""A loopback news site that misbehaves on purpose, one fault at a time (for tests/test_faults.py).

The healthy site is one RSS feed (``/feed.xml``, with an ETag so it can answer 304) linking three
article pages (``/news/1.html`` ... ``/news/3.html``) and no robots.txt. A :class:`Fault` replaces
some of those routes with misbehaving ones and says what dealwatch must make of it:

- which fetch-log line shows the fault (kind, status, an error pattern),
- which of the site's pages must still be stored in the run that meets it,
- whether it ``heals``: for a fault that may pass (a timeout, a 5xx), the next run against the
  healthy site must store every page, so nothing the fault withheld is lost for good.

Everything is written here, from templates; nothing comes from a corpus.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache

from tests.loopback import LoopbackServer, RequestRecord, Route

FEED = "/feed.xml"
PAGES = ("/news/1.html", "/news/2.html", "/news/3.html")
MB = 1024 * 1024
CAP = 10 * MB  # dealwatch's default max_bytes, which the fault tests keep

_TOPICS = [
    ("Regional grid operator opens tender for storage", "The operator said the tender would run until spring "
     "and that bids from utilities and independent developers were welcome."),
    ("Port authority publishes its annual traffic report", "Container volumes rose for the third year running, "
     "while bulk cargo held steady, according to the report released on Tuesday."),
    ("City council approves a new cycling network", "Work on the first corridors is expected to begin next "
     "year, with the remaining sections following over the next five years."),
]


def page_html(number: int, charset_meta: str | None = "utf-8") -> str:
    """An article page with enough plain prose for the article parser, and no deal in it."""
    title, lead = _TOPICS[number - 1]
    body = "\n".join(f"<p>{lead} Paragraph {i} adds detail: officials answered questions from reporters, "
                     f"described the timetable, and said further updates would follow in the coming weeks.</p>"
                     for i in range(1, 5))
    meta = f'<meta charset="{charset_meta}">' if charset_meta else ""
    return (f"<!DOCTYPE html><html lang=\"en\"><head>{meta}<title>{title}</title></head><body><article>"
            f"<h1>{title}</h1>{body}</article></body></html>")


def feed_xml(base: str, pages: tuple[str, ...] = PAGES, title: str = "Fault Wire") -> str:
    items = "".join(
        f"<item><title>{_TOPICS[i][0]}</title><link>{base}{path}</link><guid>{base}{path}</guid>"
        f"<pubDate>Mon, 0{i + 1} Dec 2025 10:00:00 GMT</pubDate><description>{_TOPICS[i][1]}</description></item>\n"
        for i, path in enumerate(pages))
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>{title}</title>'
            f"<link>{base}/</link><description>Local news.</description><language>en</language>\n{items}"
            "</channel></rss>\n")


def conditional_route(body: bytes, content_type: str) -> Route:
    """A route that answers 304 to a request naming its current ETag, like real feed servers."""
    etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'

    def answer(record: RequestRecord) -> Route:
        if record.headers.get("If-None-Match") == etag:
            return Route(status=304, headers={"ETag": etag}, content_type=None)
        return Route(body=body, content_type=content_type, headers={"ETag": etag})

    return Route(handler=answer)


def healthy_routes(base: str) -> dict[str, Route]:
    routes = {FEED: conditional_route(feed_xml(base).encode(), "application/rss+xml; charset=utf-8")}
    for number, path in enumerate(PAGES, 1):
        routes[path] = Route(body=page_html(number), content_type="text/html; charset=utf-8")
    return routes


def heal(server: LoopbackServer) -> None:
    server.routes.clear()
    server.routes.update(healthy_routes(server.base_url))


# --- misbehaving bodies ------------------------------------------------------------------------

def zeros(total: int, piece: int = 256 * 1024) -> Callable[[], Iterator[bytes]]:
    def stream() -> Iterator[bytes]:
        for _ in range(total // piece):
            yield b"\0" * piece
    return stream


def stall_after(first: bytes, seconds: float) -> Callable[[], Iterator[bytes]]:
    def stream() -> Iterator[bytes]:
        yield first
        time.sleep(seconds)
    return stream


@cache
def gzip_bomb() -> bytes:
    """About 1 MB that inflates to 1 GiB: 64 gzip members of 16 MiB of zeros each."""
    return gzip.compress(b"\0" * (16 * MB), compresslevel=9) * 64


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title>
<item><title>&lol9;</title><link>__BASE__/news/1.html</link></item></channel></rss>
"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>&secret;</title>
<item><title>&secret;</title><link>__BASE__/news/1.html</link></item></channel></rss>
"""

# Spanish text, to make a wrong charset visible: every accented letter would turn to mojibake.
SPANISH_TITLE = "La compañía eléctrica amplía su red en Logroño"
SPANISH_PAGE = ("<!DOCTYPE html><html lang=\"es\"><head><title>" + SPANISH_TITLE + "</title></head><body><article>"
                "<h1>" + SPANISH_TITLE + "</h1>"
                + "".join(f"<p>La compañía explicó que la ampliación costará más de lo previsto y que las "
                          f"obras empezarán en otoño; según fuentes próximas, el calendario ({i}) aún podría "
                          "cambiar.</p>" for i in range(1, 5))
                + "</article></body></html>")


# --- the catalogue -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Fault:
    name: str
    what: str  # the misbehaviour, in words, for the fault matrix
    install: Callable[[LoopbackServer], None]  # puts the misbehaving routes on a healthy site
    kind: str  # the fetch_log kind that shows it: feed | article | robots
    path: str  # the URL path of that fetch_log line
    error: str | None  # regex the line's error must match; None: no error
    status: int | None = None  # the line's HTTP status (None: no answer, or none to speak of)
    stored: tuple[str, ...] = ()  # the site's pages the run must still store
    heals: bool = False  # may pass: the next run against the healthy site stores every page
    max_hits: int | None = None  # requests the faulty path may get (retries are bounded)
    max_seconds: float = 6.0  # the whole run, fault included
    check: Callable[[list[tuple]], None] | None = field(default=None, repr=False)  # on (url, title, text) rows


def _routes(**changes: Route | Callable[[str], Route]) -> Callable[[LoopbackServer], None]:
    """An installer: healthy routes, with some paths replaced (a callable gets the base URL)."""
    def install(server: LoopbackServer) -> None:
        heal(server)
        for key, route in changes.items():
            path = {"feed": FEED, "page2": PAGES[1], "robots": "/robots.txt"}.get(key, key)
            server.routes[path] = route(server.base_url) if callable(route) else route
    return install


def _redirects(start: str, hops: list[str]) -> Callable[[LoopbackServer], None]:
    def install(server: LoopbackServer) -> None:
        heal(server)
        server.routes[start] = Route.redirect(hops[0])
        for here, there in zip(hops, hops[1:]):
            server.routes[here] = Route.redirect(there)
    return install


def _feed_body(text: str) -> Callable[[str], Route]:
    return lambda base: Route(body=text.replace("__BASE__", base).encode(), content_type="application/rss+xml")


def _truncated_feed(base: str) -> Route:
    body = feed_xml(base).encode()
    third_item = [match.start() for match in re.finditer(rb"<item>", body)][2]
    return Route(body=body[: third_item + 40], content_type="application/rss+xml")


def _charset_lies(server: LoopbackServer) -> None:
    """The feed says UTF-8 and is windows-1252; the page says ISO-8859-1 and is UTF-8."""
    heal(server)
    base = server.base_url
    feed = feed_xml(base, title="Noticias de la compañía").replace(_TOPICS[1][0], SPANISH_TITLE)
    server.routes[FEED] = Route(body=feed.replace('encoding="UTF-8"', "").encode("cp1252"),
                                content_type="application/rss+xml; charset=utf-8")
    server.routes[PAGES[1]] = Route(body=SPANISH_PAGE.encode("utf-8"), content_type="text/html; charset=iso-8859-1")


def _spanish_text_reads_right(rows: list[tuple]) -> None:
    page = [(title, text) for url, title, text in rows if url.endswith(PAGES[1])]
    assert page, "the Spanish page was not stored"
    title, text = page[0]
    assert title == SPANISH_TITLE and "La compañía explicó que la ampliación costará más" in text
    assert "Ã" not in title + text and "\ufffd" not in title + text


ALL_PAGES = PAGES
NOT_PAGE_2 = (PAGES[0], PAGES[2])

FAULTS = [
    # feeds that do not answer, or answer badly ---------------------------------------------------
    Fault("slow drip", "feed body trickles 200 B every 0.1 s (each read in time)",
          _routes(feed=Route(body=b"<rss>" + b" " * 20000, trickle=0.1, chunk_size=200,
                             content_type="application/rss+xml")),
          "feed", FEED, r"body not received within 2 s", None, heals=True, max_hits=1),
    Fault("hang", "feed accepts the connection and never answers",
          _routes(feed=Route(body=b"late", delay=30)), "feed", FEED, r"timed out", None, heals=True, max_hits=2),
    Fault("stall mid-body", "feed sends 1 KB, then nothing",
          _routes(feed=Route(stream=stall_after(b"<rss>" + b" " * 1024, 30), content_type="application/rss+xml")),
          "feed", FEED, r"reading the body failed.*(timed out|Timeout)", None, heals=True, max_hits=1),
    Fault("500 storm", "feed answers 500 to every request",
          _routes(feed=Route(status=500, body=b"error")), "feed", FEED, r"^HTTP 500", 500, heals=True, max_hits=2),
    Fault("429 then OK", "feed answers 429 with Retry-After: 1 once, then the feed",
          _routes(feed=lambda base: Route(body=feed_xml(base), content_type="application/rss+xml", fail_first=1,
                                          fail_status=429, fail_headers={"Retry-After": "1"})),
          "feed", FEED, None, 200, stored=ALL_PAGES, max_hits=2),
    Fault("429 storm", "feed answers 429 with Retry-After: 3600 to every request",
          _routes(feed=Route(status=429, body=b"slow down", headers={"Retry-After": "3600"})),
          "feed", FEED, r"^HTTP 429", 429, heals=True, max_hits=2),
    Fault("40 MB body", "feed streams 40 MB, no Content-Length",
          _routes(feed=Route(stream=zeros(40 * MB), content_type="application/rss+xml")),
          "feed", FEED, r"body exceeds the 10485760-byte cap", 200, max_hits=1),
    Fault("40 MB declared", "feed announces Content-Length: 41943040",
          _routes(feed=Route(stream=zeros(40 * MB), declared_length=40 * MB, content_type="application/rss+xml")),
          "feed", FEED, r"Content-Length 41943040 exceeds the 10485760-byte cap", 200, max_hits=1),
    Fault("gzip bomb", "feed is 1 MB of gzip that inflates to 1 GiB",
          _routes(feed=Route(body=gzip_bomb(), headers={"Content-Encoding": "gzip"},
                             content_type="application/rss+xml")),
          "feed", FEED, r"body exceeds the 10485760-byte cap", 200, max_hits=1),
    Fault("billion laughs", "feed declares nested XML entities (10^9 'lol's)",
          _routes(feed=_feed_body(BILLION_LAUGHS)), "feed", FEED, r"refused: the XML declares entities", 200),
    Fault("external entity", "feed declares an entity read from file:///etc/passwd",
          _routes(feed=_feed_body(EXTERNAL_ENTITY)), "feed", FEED, r"refused: the XML declares entities", 200),
    Fault("wrong charset", "feed labelled UTF-8 is windows-1252; a page labelled ISO-8859-1 is UTF-8",
          _charset_lies, "feed", FEED, None, 200, stored=ALL_PAGES, check=_spanish_text_reads_right),
    Fault("redirect loop", "feed redirects /feed.xml -> /a -> /b -> /a",
          _redirects(FEED, ["/a", "/b", "/a"]), "feed", FEED, r"redirect loop", 302),
    Fault("redirect chain", "feed redirects through 7 hops",
          _redirects(FEED, [f"/hop{i}" for i in range(1, 8)]), "feed", FEED, r"more than 5 redirects", 302),
    Fault("redirect to metadata", "feed redirects to http://169.254.169.254/latest/meta-data/",
          _routes(feed=Route.redirect("http://169.254.169.254/latest/meta-data/")),
          "feed", FEED, r"refused: 169\.254\.169\.254 is a cloud metadata address", None),
    Fault("HTML instead of XML", "feed URL serves an HTML page",
          _routes(feed=Route(body=page_html(1), content_type="text/html; charset=utf-8")),
          "feed", FEED, r"an HTML page was served instead of a feed", 200),
    Fault("not a feed type", "feed URL serves image/png",
          _routes(feed=Route(body=b"\x89PNG\r\n\x1a\n" + b"\0" * 100, content_type="image/png")),
          "feed", FEED, r"skipped: content type image/png is not a feed", 200),
    Fault("empty feed", "feed answers 200 with an empty body",
          _routes(feed=Route(body=b"", content_type="application/rss+xml")),
          "feed", FEED, r"empty response, not a feed", 200),
    Fault("truncated feed", "feed XML ends inside its third item",
          _routes(feed=_truncated_feed), "feed", FEED, r"malformed feed .*kept its 2 complete entries", 200,
          stored=(PAGES[0], PAGES[1]), heals=True),
    Fault("connection cut", "feed announces 5000 bytes, sends 2000 and closes",
          _routes(feed=lambda base: Route(body=feed_xml(base)[:2000], declared_length=5000,
                                          content_type="application/rss+xml")),
          "feed", FEED, r"reading the body failed", None, heals=True, max_hits=1),
    # pages that misbehave behind a healthy feed -----------------------------------------------------
    Fault("page hangs", "one page never answers",
          _routes(page2=Route(body=b"late", delay=30)), "article", PAGES[1], r"timed out", None,
          stored=NOT_PAGE_2, heals=True, max_hits=2),
    Fault("page 40 MB", "one page streams 40 MB",
          _routes(page2=Route(stream=zeros(40 * MB), content_type="text/html")),
          "article", PAGES[1], r"body exceeds the 10485760-byte cap", 200, stored=NOT_PAGE_2, max_hits=1),
    Fault("page is a PDF", "one item links to application/pdf",
          _routes(page2=Route(stream=zeros(4 * MB), content_type="application/pdf")),
          "article", PAGES[1], r"skipped: content type application/pdf is not an HTML page", 200,
          stored=NOT_PAGE_2, max_hits=1),
    Fault("page redirects to metadata", "one page redirects to http://169.254.169.254/computeMetadata/v1/",
          _routes(page2=Route.redirect("http://169.254.169.254/computeMetadata/v1/")),
          "article", PAGES[1], r"refused: .* cloud metadata address", None, stored=NOT_PAGE_2, max_hits=1),
    Fault("robots.txt disallows", "robots.txt has Disallow: /news/2",
          _routes(robots=Route(body=b"User-agent: *\nDisallow: /news/2\n", content_type="text/plain")),
          "article", PAGES[1], r"disallowed by robots\.txt .*Disallow: /news/2", None, stored=NOT_PAGE_2,
          max_hits=0),
    Fault("robots.txt 503", "robots.txt answers 503: every page disallowed for this run",
          _routes(robots=Route(status=503, body=b"down")),
          "robots", "/robots.txt", r"unreachable \(HTTP 503\)", 503, heals=True, max_hits=2),
]
