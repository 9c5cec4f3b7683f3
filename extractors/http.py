"""The one place that talks to the network.

A ``Fetcher`` owns one ``requests.Session`` and applies the same limits to every request:
connect/read timeouts plus a deadline for the whole request including the body, a size cap
enforced while streaming, retries with backoff on connection errors and 5xx/429 (honouring a
capped ``Retry-After``), and redirects followed by hand so that every hop passes the
private-network guard of :func:`extractors.urls.check_url_allowed`.

It is meant to be shared by the threads of a ``ThreadPoolExecutor``: the session's connection
pool is thread-safe and the per-request state lives in locals (plus one thread-local deadline
read by the retry policy).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from extractors.errors import FetchError, ResponseTooLarge
from extractors.records import FetchResult
from extractors.urls import check_url_allowed

logger = logging.getLogger(__name__)

MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
RETRY_STATUSES = (429, 500, 502, 503, 504)
CHUNK_SIZE = 64 * 1024


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


# The deadline of the fetch running on this thread. The retry policy below is shared by all
# threads (it lives in the session's adapter), so it reads the deadline from here.
_current = threading.local()


def _seconds_left() -> float:
    deadline = getattr(_current, "deadline", None)
    return float("inf") if deadline is None else deadline - time.monotonic()


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

    def __enter__(self) -> "Fetcher":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._session.close()

    def fetch(self, url: str, *, accept: str | None = None) -> FetchResult:
        """GET ``url`` and return its body bytes (decompressed, undecoded).

        Raises FetchError (refused address, network error, timeout, non-2xx status, too many
        redirects) or ResponseTooLarge (body or Content-Length past ``max_bytes``).
        """
        started = time.monotonic()
        deadline = started + self.settings.total_timeout
        headers = {"Accept": accept} if accept else {}
        _current.deadline = deadline
        try:
            response, final_url = self._follow_redirects(url, headers, deadline)
            try:
                self._raise_for_status(url, final_url, response)
                content = self._read_body(url, response, deadline)
            finally:
                response.close()
        finally:
            _current.deadline = None
        elapsed_ms = int((time.monotonic() - started) * 1000)
        logger.debug("fetched %s -> %s (%d bytes, %d ms)", url, final_url, len(content), elapsed_ms)
        return FetchResult(
            url=url,
            final_url=final_url,
            status=response.status_code,
            content=content,
            headers={name.lower(): value for name, value in response.headers.items()},
            elapsed_ms=elapsed_ms,
        )

    # --- steps of fetch ---------------------------------------------------------------------
    def _follow_redirects(
        self, url: str, headers: dict[str, str], deadline: float
    ) -> tuple[requests.Response, str]:
        """Send the request, then one request per redirect hop, checking every hop's address."""
        seen: set[str] = set()
        hop_url = url
        for _hop in range(MAX_REDIRECTS + 1):
            check_url_allowed(hop_url, self.settings.allow_private_networks)
            seen.add(hop_url)
            response = self._send(url, hop_url, headers, deadline)
            if response.status_code not in REDIRECT_STATUSES:
                return response, hop_url
            location = response.headers.get("Location")
            response.close()
            if not location:
                raise FetchError(url, f"redirect {response.status_code} without a Location", response.status_code)
            next_url = urljoin(hop_url, location)
            if next_url in seen:
                raise FetchError(url, f"redirect loop at {next_url}", response.status_code)
            logger.debug("redirect %s -> %s", hop_url, next_url)
            hop_url = next_url
        raise FetchError(url, f"more than {MAX_REDIRECTS} redirects")

    def _send(self, url: str, hop_url: str, headers: dict[str, str], deadline: float) -> requests.Response:
        left = deadline - time.monotonic()
        if left <= 0:
            raise FetchError(url, f"no answer within {self.settings.total_timeout:g} s")
        timeout = (min(self.settings.connect_timeout, left), min(self.settings.read_timeout, left))
        try:
            return self._session.get(
                hop_url, headers=headers, timeout=timeout, stream=True, allow_redirects=False
            )
        except requests.exceptions.Timeout as exc:
            raise FetchError(url, f"timed out ({type(exc).__name__})") from exc
        except requests.exceptions.RequestException as exc:
            raise FetchError(url, f"request failed ({_short(exc)})") from exc

    def _raise_for_status(self, url: str, final_url: str, response: requests.Response) -> None:
        if 200 <= response.status_code < 300:
            return
        logger.info("GET %s answered %d", final_url, response.status_code)
        raise FetchError(url, f"HTTP {response.status_code} {response.reason or ''}".strip(), response.status_code)

    def _read_body(self, url: str, response: requests.Response, deadline: float) -> bytes:
        limit = self.settings.max_bytes
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise ResponseTooLarge(url, f"Content-Length {declared} exceeds the {limit}-byte cap", response.status_code)
        chunks: list[bytes] = []
        size = 0
        raw = response.raw
        try:
            while True:
                # read1 returns as soon as some bytes arrive, so a server trickling bytes cannot
                # hold us past the deadline (read() would wait for a full chunk).
                chunk = raw.read1(CHUNK_SIZE, decode_content=True)
                if not chunk:
                    break
                size += len(chunk)
                if size > limit:  # counted after decompression: a gzip bomb stops here too
                    raise ResponseTooLarge(url, f"body exceeds the {limit}-byte cap", response.status_code)
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    raise FetchError(url, f"body not received within {self.settings.total_timeout:g} s")
        except (FetchError, ResponseTooLarge):
            raise
        except Exception as exc:  # urllib3/socket errors while streaming: timeouts, resets
            raise FetchError(url, f"reading the body failed ({_short(exc)})") from exc
        return b"".join(chunks)


def _short(exc: BaseException) -> str:
    """A one-line cause, without urllib3's nested object reprs."""
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= 200 else text[:197] + "..."
