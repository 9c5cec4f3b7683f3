"""The one place that talks to the network.

A ``Fetcher`` owns one ``requests.Session`` and applies the same limits to every request:
connect/read timeouts plus a deadline for the whole request including the body, a size cap
enforced while streaming, retries with backoff on connection errors and 5xx/429 (honouring a
capped ``Retry-After``), and redirects followed by hand so that every hop passes the address
guard of :func:`extractors.urls.check_url_allowed` (and robots.txt, for pages).

Politeness is per origin (scheme, host, port) and lasts as long as the Fetcher, one run:
requests to a site start ``per_host_delay`` apart, at most ``max_per_host`` at once, later
after a ``Retry-After``; a site that failed ``HOST_FAILURE_LIMIT`` times in a row is skipped
for the rest of the run; its robots.txt is fetched once.

It is meant to be shared by the threads of a run: the session's connection pool is thread-safe,
the per-site state is locked, and the per-request state lives in locals (plus one thread-local
deadline read by the retry policy).
"""

from __future__ import annotations

import fnmatch
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError
from urllib3.exceptions import TimeoutError as Urllib3Timeout
from urllib3.util.retry import Retry

from extractors.errors import (FetchError, FetchSkipped, ResponseTooLarge, RobotsDisallowed, RobotsUnreachable,
                               UnwantedContentType)
from extractors.records import CacheValidators, FetchLogEntry, FetchResult
from extractors.robots import ROBOTS_MAX_BYTES, RobotsAnswer, RobotsCache
from extractors.urls import check_url_allowed, origin

logger = logging.getLogger(__name__)

MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
RETRY_STATUSES = (429, 500, 502, 503, 504)
CHUNK_SIZE = 64 * 1024
# Transient failures in a row after which a site is skipped for the rest of the run: without
# it, a site that hangs costs (pages x total_timeout / max_per_host).
HOST_FAILURE_LIMIT = 3


@dataclass(frozen=True)
class FetchSettings:
    user_agent: str = "dealwatch/0.1 (+https://github.com/dealwatch/dealwatch)"
    connect_timeout: float = 5.0
    read_timeout: float = 20.0
    total_timeout: float = 60.0  # a deadline for the whole request incl. retries and body
    max_bytes: int = 10 * 1024 * 1024  # cap enforced while streaming
    retries: int = 2  # on connection errors and 5xx/429
    backoff: float = 0.5
    allow_private_networks: bool = False  # refuse loopback/private/link-local/metadata unless True
    max_retry_after: float = 30.0  # a server asking to wait longer is waited for this long
    per_host_delay: float = 0.5  # seconds between the starts of two requests to one site
    max_per_host: int = 2  # requests in flight to one site at once
    respect_robots_txt: bool = True  # pages a site's robots.txt disallows are skipped


@dataclass(frozen=True)
class Wanted:
    """Media types worth downloading for one kind of resource; a missing Content-Type passes
    (the parsers sniff the bytes)."""

    what: str
    patterns: tuple[str, ...]

    def accepts(self, content_type: str | None) -> bool:
        media = (content_type or "").split(";", 1)[0].strip().lower()
        return not media or any(fnmatch.fnmatchcase(media, pattern) for pattern in self.patterns)


PAGE = Wanted("an HTML page", ("text/html", "application/xhtml+xml"))
# rss+xml, atom+xml, rdf+xml, application/xml, text/xml; text/* because feeds are often served
# as text/html or text/plain by mistake, and parse_feed tells a page from a feed by its bytes.
FEED = Wanted("a feed", ("*xml*", "text/*"))


def is_transient(exc: FetchError) -> bool:
    """Whether the next run may get a different answer: network trouble, 5xx, 429.
    A skip, a size cap or a 4xx will say the same again."""
    if isinstance(exc, (FetchSkipped, ResponseTooLarge)):
        return False
    return exc.status is None or exc.status >= 500 or exc.status == 429


# The fetch running on this thread. The retry policy below is shared by all threads (it lives
# in the session's adapter), so it reads the deadline from here.
_current = threading.local()


@dataclass
class _Attempt:
    deadline: float | None = None  # set when the first hop gets its turn at the site
    started: float | None = None


def _seconds_left() -> float:
    attempt = getattr(_current, "attempt", None)
    if attempt is None or attempt.deadline is None:
        return float("inf")
    return attempt.deadline - time.monotonic()


class _DeadlineRetry(Retry):
    """urllib3 retries that never wait past the current fetch's deadline.

    ``Retry-After`` is capped at ``retry_after_cap`` seconds; a retry that would start after the
    deadline is not attempted (the last answer is returned, or the connection error raised).
    """

    def __init__(self, *args: Any, retry_after_cap: float = 30.0, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.retry_after_cap = retry_after_cap

    def new(self, **kw: Any) -> "_DeadlineRetry":
        kw.setdefault("retry_after_cap", self.retry_after_cap)
        return super().new(**kw)  # type: ignore[return-value]

    def get_retry_after(self, response: Any) -> float | None:
        try:
            seconds = super().get_retry_after(response)
        except Exception:  # an unparseable Retry-After: fall back to the backoff
            return None
        if seconds is None:
            return None
        return max(0.0, min(seconds, self.retry_after_cap, _seconds_left()))

    def get_backoff_time(self) -> float:
        return max(0.0, min(super().get_backoff_time(), _seconds_left()))

    def is_exhausted(self) -> bool:
        return super().is_exhausted() or _seconds_left() <= 0


@dataclass
class _Site:
    slots: threading.BoundedSemaphore
    next_start: float = 0.0
    failures: int = 0
    last_failure: str = ""


class HostGate:
    """Pacing, a concurrency limit and a failure count per site, shared by threads."""

    def __init__(self, delay: float, max_concurrent: int, failure_limit: int = HOST_FAILURE_LIMIT):
        self.delay = delay
        self.max_concurrent = max(1, max_concurrent)
        self.failure_limit = failure_limit
        self._lock = threading.Lock()
        self._sites: dict[str, _Site] = {}

    def _site(self, key: str) -> _Site:
        with self._lock:
            site = self._sites.get(key)
            if site is None:
                site = self._sites[key] = _Site(threading.BoundedSemaphore(self.max_concurrent))
            return site

    @contextmanager
    def turn(self, key: str) -> Iterator[None]:
        """Hold one of the site's slots, starting no sooner than its pacing allows."""
        site = self._site(key)
        with site.slots:
            with self._lock:
                now = time.monotonic()
                start = max(now, site.next_start)
                site.next_start = start + self.delay
            if start > now:
                time.sleep(start - now)
            yield

    def defer(self, key: str, seconds: float) -> None:
        """Start nothing more at this site for ``seconds`` (it sent Retry-After)."""
        site = self._site(key)
        with self._lock:
            site.next_start = max(site.next_start, time.monotonic() + seconds)

    def broken(self, key: str) -> str | None:
        """Why the site is skipped for the rest of the run, or None."""
        site = self._site(key)
        with self._lock:
            if site.failures < self.failure_limit:
                return None
            return f"skipped: {key} failed {site.failures} times in a row in this run (last: {site.last_failure})"

    def record(self, key: str, failure: str | None) -> None:
        """Count a transient failure, or clear the count on any answer."""
        site = self._site(key)
        with self._lock:
            site.failures = site.failures + 1 if failure else 0
            site.last_failure = failure or ""


class Fetcher:
    """Fetches URLs under :class:`FetchSettings`. Use as a context manager or call ``close()``."""

    def __init__(self, settings: FetchSettings = FetchSettings()):
        self.settings = settings
        self._session = requests.Session()
        self._session.headers["User-Agent"] = settings.user_agent
        retry = _DeadlineRetry(
            total=settings.retries,
            connect=settings.retries,
            read=settings.retries,
            status=settings.retries,
            other=0,
            redirect=False,  # redirects are followed by hand in fetch(), one checked hop at a time
            status_forcelist=RETRY_STATUSES,
            allowed_methods=frozenset({"GET", "HEAD"}),
            backoff_factor=settings.backoff,
            respect_retry_after_header=True,
            raise_on_status=False,  # hand back the last 5xx so its status can be reported
            retry_after_cap=settings.max_retry_after,
        )
        adapter = HTTPAdapter(max_retries=retry, pool_connections=16, pool_maxsize=16)
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        self._gate = HostGate(settings.per_host_delay, settings.max_per_host)
        self._robots = RobotsCache(settings.user_agent, self._fetch_robots) if settings.respect_robots_txt else None

    def __enter__(self) -> "Fetcher":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._session.close()

    def robots_log(self) -> list[FetchLogEntry]:
        """One line per robots.txt this fetcher asked for."""
        return self._robots.log() if self._robots is not None else []

    def fetch(self, url: str, *, accept: str | None = None, validators: CacheValidators | None = None,
              wanted: Wanted | None = None, robots: bool = False, max_bytes: int | None = None,
              truncate: bool = False) -> FetchResult:
        """GET ``url`` and return its body bytes (decompressed, undecoded).

        ``validators`` make the request conditional: an unchanged resource comes back as a
        FetchResult with status 304 and no content. ``wanted`` skips other media types before
        their body is read; ``robots`` checks the site's robots.txt first (if the settings say
        so); ``max_bytes`` overrides the cap, and ``truncate`` keeps the first bytes instead of
        failing past it.

        Raises FetchError (network error, timeout, non-2xx status, too many redirects), or one
        of its kinds: ResponseTooLarge, UrlRefused, RobotsDisallowed, RobotsUnreachable,
        UnwantedContentType.
        """
        headers = {"Accept": accept} if accept else {}
        conditional = bool(validators and validators.request_headers())
        if validators:
            headers.update(validators.request_headers())
        outer = getattr(_current, "attempt", None)  # a robots.txt asked for in the middle of a page's redirects
        _current.attempt = attempt = _Attempt()
        try:
            seen: set[str] = set()
            hop_url, status = url, None
            for _hop in range(MAX_REDIRECTS + 1):
                check_url_allowed(hop_url, self.settings.allow_private_networks)
                if robots:
                    self._check_robots(url, hop_url)
                seen.add(hop_url)
                answer = self._hop(url, hop_url, headers, attempt, wanted, conditional,
                                   max_bytes or self.settings.max_bytes, truncate)
                if isinstance(answer, FetchResult):
                    logger.debug("fetched %s -> %s (%d, %d bytes, %d ms)", url, answer.final_url, answer.status,
                                  len(answer.content), answer.elapsed_ms)
                    return answer
                status, next_url = answer
                if next_url in seen:
                    raise FetchError(url, f"redirect loop at {next_url}", status)
                logger.debug("redirect %s -> %s", hop_url, next_url)
                hop_url = next_url
            raise FetchError(url, f"more than {MAX_REDIRECTS} redirects", status)
        finally:
            _current.attempt = outer

    # --- steps of fetch ---------------------------------------------------------------------
    def _check_robots(self, url: str, hop_url: str) -> None:
        if self._robots is None:
            return
        verdict = self._robots.allows(hop_url)
        if verdict.allowed:
            return
        logger.info("skipped %s: disallowed by robots.txt (%s)", hop_url, verdict.why)
        if verdict.temporary:
            raise RobotsUnreachable(url, f"disallowed by robots.txt for now ({verdict.why})")
        raise RobotsDisallowed(url, f"disallowed by robots.txt ({verdict.why})")

    def _fetch_robots(self, robots_url: str) -> RobotsAnswer:
        started = time.monotonic()
        try:
            result = self.fetch(robots_url, accept="text/plain, */*;q=0.5", max_bytes=ROBOTS_MAX_BYTES, truncate=True)
        except FetchError as exc:
            return RobotsAnswer(robots_url, exc.status, ms=int((time.monotonic() - started) * 1000), error=exc.reason)
        return RobotsAnswer(robots_url, result.status, result.content, result.elapsed_ms)

    def _hop(self, url: str, hop_url: str, headers: dict[str, str], attempt: _Attempt, wanted: Wanted | None,
             conditional: bool, limit: int, truncate: bool) -> FetchResult | tuple[int, str]:
        """One request, in the site's turn: the result, or (redirect status, next URL)."""
        site = origin(hop_url)
        with self._gate.turn(site):
            broken = self._gate.broken(site)
            if broken:
                raise FetchError(url, broken)
            if attempt.deadline is None:  # the deadline runs from the first request, not the wait for a turn
                attempt.started = time.monotonic()
                attempt.deadline = attempt.started + self.settings.total_timeout
            try:
                response = self._send(url, hop_url, headers, attempt.deadline)
                try:
                    self._defer_if_asked(site, response)
                    answer = self._answer(url, hop_url, response, attempt, wanted, conditional, limit, truncate)
                finally:
                    response.close()
            except FetchError as exc:
                self._gate.record(site, exc.reason if is_transient(exc) else None)
                raise
            self._gate.record(site, None)
            return answer

    def _send(self, url: str, hop_url: str, headers: dict[str, str], deadline: float) -> requests.Response:
        left = deadline - time.monotonic()
        if left <= 0:
            raise FetchError(url, f"no answer within {self.settings.total_timeout:g} s")
        timeout = (min(self.settings.connect_timeout, left), min(self.settings.read_timeout, left))
        try:
            return self._session.get(
                hop_url, headers=headers, timeout=timeout, stream=True, allow_redirects=False
            )
        except requests.exceptions.RequestException as exc:
            cause = _cause(exc)
            if isinstance(exc, requests.exceptions.Timeout) or isinstance(cause, (TimeoutError, Urllib3Timeout)):
                raise FetchError(url, f"timed out ({type(cause).__name__})") from exc
            raise FetchError(url, f"request failed ({_short(cause)})") from exc

    def _defer_if_asked(self, site: str, response: requests.Response) -> None:
        """A final 429/503 with Retry-After holds back every request to the site, not only this one."""
        value = response.headers.get("Retry-After")
        if response.status_code not in (429, 503) or not value:
            return
        try:
            seconds = Retry(0).parse_retry_after(value)
        except Exception:  # noqa: BLE001 - a malformed header is ignored, as urllib3 does
            return
        self._gate.defer(site, min(seconds, self.settings.max_retry_after))

    def _answer(self, url: str, hop_url: str, response: requests.Response, attempt: _Attempt,
                wanted: Wanted | None, conditional: bool, limit: int, truncate: bool) -> FetchResult | tuple[int, str]:
        status = response.status_code
        if status in REDIRECT_STATUSES:
            location = response.headers.get("Location")
            if not location:
                raise FetchError(url, f"redirect {status} without a Location", status)
            return status, urljoin(hop_url, location)
        if status == 304 and conditional:
            content = b""
        else:
            self._raise_for_status(url, hop_url, response)
            if wanted is not None and not wanted.accepts(response.headers.get("Content-Type")):
                media = response.headers.get("Content-Type", "").split(";", 1)[0].strip()
                logger.info("skipped %s: content type %s is not %s", hop_url, media, wanted.what)
                raise UnwantedContentType(url, f"skipped: content type {media} is not {wanted.what}", status)
            content = self._read_body(url, response, attempt.deadline or 0.0, limit, truncate)
        return FetchResult(
            url=url,
            final_url=hop_url,
            status=status,
            content=content,
            headers={name.lower(): value for name, value in response.headers.items()},
            elapsed_ms=int((time.monotonic() - (attempt.started or time.monotonic())) * 1000),
        )

    def _raise_for_status(self, url: str, final_url: str, response: requests.Response) -> None:
        if 200 <= response.status_code < 300:
            return
        logger.info("GET %s answered %d", final_url, response.status_code)
        raise FetchError(url, f"HTTP {response.status_code} {response.reason or ''}".strip(), response.status_code)

    def _read_body(self, url: str, response: requests.Response, deadline: float, limit: int, truncate: bool) -> bytes:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit and not truncate:
            raise ResponseTooLarge(url, f"Content-Length {declared} exceeds the {limit}-byte cap", response.status_code)
        chunks: list[bytes] = []
        size = 0
        raw = response.raw
        try:
            while True:
                # read1 returns as soon as some bytes arrive, so a server trickling bytes cannot
                # hold us past the deadline (read() would wait for a full chunk). urllib3 caps
                # what one call decompresses, so a gzip bomb is also read a chunk at a time.
                chunk = raw.read1(CHUNK_SIZE, decode_content=True)
                if not chunk:
                    break
                if size + len(chunk) > limit:  # counted after decompression: a gzip bomb stops here too
                    if not truncate:
                        raise ResponseTooLarge(url, f"body exceeds the {limit}-byte cap", response.status_code)
                    chunks.append(chunk[: limit - size])
                    break
                size += len(chunk)
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    raise FetchError(url, f"body not received within {self.settings.total_timeout:g} s")
        except (FetchError, ResponseTooLarge):
            raise
        except Exception as exc:  # urllib3/socket errors while streaming: timeouts, resets
            raise FetchError(url, f"reading the body failed ({_short(exc)})") from exc
        return b"".join(chunks)


def _cause(exc: BaseException) -> BaseException:
    """What went wrong under requests' wrapping: the reason of urllib3's MaxRetryError, if any."""
    inner = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else exc
    if isinstance(inner, MaxRetryError) and inner.reason is not None:
        return inner.reason
    return inner


def _short(exc: BaseException) -> str:
    """A one-line cause, without urllib3's nested object reprs."""
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= 200 else text[:197] + "..."
