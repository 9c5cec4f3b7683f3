"""The pure per-article pipeline: page bytes -> article -> deal mentions."""

from __future__ import annotations

import dataclasses
import logging
import time
import traceback
from dataclasses import dataclass
from datetime import datetime

from extractors.articles import parse_article
from extractors.deals import extract_deals
from extractors.errors import ArticleError
from extractors.records import ExtractedArticle, FeedEntry
from extractors.urls import canonical_url

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PageOutcome:
    """What became of one fetched page: a record, or why not. Never an exception, so it crosses
    a process boundary whole (and a worker's crash stays one page's loss)."""

    record: ExtractedArticle | None
    error: str | None = None  # why there is no record
    crashed: str | None = None  # the traceback when a parser raised something other than ArticleError
    parse_seconds: float = 0.0  # bytes -> text, title, date, language
    extract_seconds: float = 0.0  # text -> deal mentions


def extract_article(content: bytes, entry: FeedEntry, fetched_at: datetime,
                    content_type: str | None = None) -> ExtractedArticle:
    """Parse one fetched page and find its deals. Raises ArticleError when the page has no text.

    The article is stored under the canonical form of the feed's link, the
    key the next run checks before fetching, so a page is fetched once even
    when its own <link rel=canonical> says otherwise.
    """
    return _extract(content, entry, fetched_at, content_type, [0.0, 0.0])


def _extract(content: bytes, entry: FeedEntry, fetched_at: datetime, content_type: str | None,
             seconds: list[float]) -> ExtractedArticle:
    started = time.perf_counter()
    url = canonical_url(entry.link)
    page = parse_article(content, url, content_type=content_type, entry=entry)
    page = dataclasses.replace(page, url=url)
    parsed = time.perf_counter()
    seconds[0] = parsed - started
    mentions = extract_deals(page.text, title=page.title, language=page.language,
                             published_at=page.published_at)
    seconds[1] = time.perf_counter() - parsed
    return ExtractedArticle(article=page, feed_url=entry.feed_url, feed_guid=entry.guid,
                            fetched_at=fetched_at, mentions=tuple(mentions))


def extract_page(content: bytes, entry: FeedEntry, fetched_at: datetime,
                 content_type: str | None = None) -> PageOutcome:
    """:func:`extract_article` for a worker: the record with the time each half took, or the
    reason there is none. A page that trips a parser must not sink its batch."""
    seconds = [0.0, 0.0]
    try:
        record = _extract(content, entry, fetched_at, content_type, seconds)
    except ArticleError as exc:
        return PageOutcome(None, exc.reason, parse_seconds=seconds[0], extract_seconds=seconds[1])
    except Exception as exc:  # noqa: BLE001 - reported to the caller, who logs it with this traceback
        return PageOutcome(None, f"extraction failed: {type(exc).__name__}: {exc}"[:500],
                           crashed=traceback.format_exc(), parse_seconds=seconds[0], extract_seconds=seconds[1])
    return PageOutcome(record, parse_seconds=seconds[0], extract_seconds=seconds[1])


_WARM_UP_TEXT = ("Northwind Labs will invest $2 billion in Contoso AI, the companies said on Monday. "
                 "Contoso firmará un contrato de 300 millones de dólares con Northwind para obtener capacidad de cómputo.")


def warm_up() -> None:
    """Load what the extractors load on first use (company tables, cue tables, compiled patterns),
    so a fresh worker process pays it before its first real page rather than during it."""
    page = (f"<html lang='en'><head><title>Warm-up</title></head><body><article><h1>Warm-up</h1>"
            f"<p>{_WARM_UP_TEXT}</p></article></body></html>").encode("utf-8")
    parse_article(page, "http://warm-up.invalid/")
    extract_deals(_WARM_UP_TEXT, title="Warm-up", language="en", published_at=None)
