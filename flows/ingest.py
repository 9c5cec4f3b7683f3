"""The ``ingest_news`` flow: feeds -> article pages -> deal mentions -> DuckDB -> models -> alerts.

Orchestration only. Tasks are coarse (one per feed, one per batch of
articles) because each task run costs milliseconds of bookkeeping; parsing
lives in ``extractors`` and every database statement in ``warehouse``.
"""

from __future__ import annotations

import dataclasses
import logging
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from extractors.errors import ArticleError, FetchError
from extractors.feeds import parse_feed
from extractors.http import Fetcher, FetchSettings
from extractors.pipeline import extract_article
from extractors.records import ExtractedArticle, Feed, FeedEntry, FetchLogEntry
from extractors.urls import canonical_url
from flows.config import Config, FeedConfig, load_config, resolve_db_path
from warehouse.delivery import deliver_pending
from warehouse.db import connect
from warehouse.store import RunCounts, commit_run, known_articles, record_failed_run

# For worker threads of a batch, which run outside Prefect's task context.
_logger = logging.getLogger(__name__)

FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.5"
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
DEFAULT_BATCH_SIZE = 50
PAGE_WORKERS = 8  # concurrent page fetches inside one batch task


@dataclass
class FeedOutcome:
    feed: Feed
    log: FetchLogEntry


@dataclass
class BatchOutcome:
    records: list[ExtractedArticle] = field(default_factory=list)
    log: list[FetchLogEntry] = field(default_factory=list)
    failed: int = 0


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    db_path: str
    feeds_tried: int
    feeds_failed: int
    articles_new: int
    articles_skipped: int
    articles_failed: int
    mentions_new: int
    deals_total: int
    alerts_new: int
    alerts_delivered: int
    alerts_pending: int
    feed_errors: dict[str, str]

    @property
    def failed(self) -> bool:
        # Some feeds failing is the normal weather of the web; all of them
        # failing means the run achieved nothing.
        return self.feeds_tried > 0 and self.feeds_failed == self.feeds_tried


def _retry_fetch_only(task, task_run, state) -> bool:
    """Retry a feed task on network trouble, not on a feed that does not parse."""
    exc = state.result(raise_on_failure=False)
    if not isinstance(exc, FetchError):
        return False
    # A 404 or 403 will say the same in ten seconds; a timeout, a 5xx or a 429 may not.
    return exc.status is None or exc.status >= 500 or exc.status == 429


@task(name="fetch-feed", retries=2, retry_delay_seconds=[2, 10], retry_condition_fn=_retry_fetch_only,
      cache_policy=NO_CACHE, task_run_name="fetch-feed {feed.url}")
def fetch_feed(feed: FeedConfig, settings: FetchSettings) -> FeedOutcome:
    with Fetcher(settings) as fetcher:
        result = fetcher.fetch(feed.url, accept=FEED_ACCEPT)
    log = FetchLogEntry(feed.url, "feed", result.status, len(result.content), result.elapsed_ms)
    parsed = parse_feed(result.content, result.final_url, result.content_type)
    get_run_logger().info("feed %s: %d entries", feed.url, len(parsed.entries))
    if feed.language:  # the config's hint wins over what the feed says
        parsed = dataclasses.replace(parsed, entries=tuple(
            dataclasses.replace(e, language=feed.language) for e in parsed.entries))
    return FeedOutcome(parsed, log)


@task(name="fetch-articles", cache_policy=NO_CACHE, task_run_name="fetch-articles {batch_no}/{batches}")
def fetch_articles(entries: list[FeedEntry], settings: FetchSettings, batch_no: int, batches: int) -> BatchOutcome:
    """Fetch, parse and extract one batch of pages, a few at a time.

    A page that fails is logged and left out: it is not stored, so the next
    run tries it again. The fetcher retries network errors by itself.
    """
    logger = get_run_logger()
    outcome = BatchOutcome()
    with Fetcher(settings) as fetcher, ThreadPoolExecutor(max_workers=PAGE_WORKERS) as pool:
        for entry, result in zip(entries, pool.map(lambda e: _fetch_one(fetcher, e), entries)):
            record, log = result
            outcome.log.append(log)
            if record is None:
                outcome.failed += 1
                logger.warning("article %s skipped: %s", entry.link, log.error)
            else:
                outcome.records.append(record)
    logger.info("batch %d/%d: %d articles, %d deal mentions, %d failed", batch_no, batches, len(outcome.records),
                sum(len(r.mentions) for r in outcome.records), outcome.failed)
    return outcome


def _fetch_one(fetcher: Fetcher, entry: FeedEntry) -> tuple[ExtractedArticle | None, FetchLogEntry]:
    started = time.monotonic()
    try:
        result = fetcher.fetch(entry.link, accept=PAGE_ACCEPT)
    except FetchError as exc:
        return None, FetchLogEntry(entry.link, "article", exc.status, None,
                                   int((time.monotonic() - started) * 1000), exc.reason)
    log = FetchLogEntry(entry.link, "article", result.status, len(result.content), result.elapsed_ms)
    try:
        record = extract_article(result.content, entry, datetime.now(timezone.utc), result.content_type)
    except ArticleError as exc:
        return None, dataclasses.replace(log, error=exc.reason)
    except Exception as exc:  # noqa: BLE001 - one page that trips a parser must not sink the batch
        _logger.exception("extracting %s failed", entry.link)
        return None, dataclasses.replace(log, error=f"extraction failed: {type(exc).__name__}: {exc}"[:500])
    return record, log


@task(name="store", cache_policy=NO_CACHE)
def store(db_path: str, run_id: str, started_at: datetime, records: list[ExtractedArticle],
          log: list[FetchLogEntry], channels: tuple[str, ...], counts: RunCounts):
    summary = commit_run(db_path, run_id, started_at, records, log, channels, counts)
    get_run_logger().info("stored %d new articles, %d new mentions; %d deals; %d new alerts",
                          summary.articles_new, summary.mentions_new, summary.deals_total, summary.alerts_new)
    return summary


@task(name="deliver-alerts", cache_policy=NO_CACHE)
def deliver_alerts(db_path: str, channels: tuple[str, ...], user_agent: str):
    con = connect(db_path)
    try:
        report = deliver_pending(con, channels, user_agent=user_agent)
    finally:
        con.close()
    logger = get_run_logger()
    logger.info("alerts delivered: %d, still pending: %d", report.delivered, report.pending)
    for channel, error in report.errors.items():
        logger.warning("alert channel %s: %s", channel, error)
    return report


def _batch_outcome(batch: list[FeedEntry], future, logger) -> BatchOutcome:
    """A batch task that crashed costs its own pages, not the run: they are not
    stored, so the next run fetches them again; the other batches are kept."""
    future.wait()
    if future.state.is_completed():
        return future.result()
    exc = future.state.result(raise_on_failure=False)
    logger.error("a batch of %d articles failed (%s: %s); they will be tried again next run",
                 len(batch), type(exc).__name__, exc)
    error = f"batch failed: {type(exc).__name__}: {exc}"[:500]
    return BatchOutcome(log=[FetchLogEntry(e.link, "article", None, None, None, error) for e in batch],
                        failed=len(batch))


def _new_entries(feeds: list[Feed], db_path: str) -> tuple[list[FeedEntry], int]:
    """Entries not stored yet, each page once even when several feeds link it."""
    known = known_articles(db_path)
    seen: set[str] = set()
    fresh, skipped = [], 0
    for feed in feeds:
        for entry in feed.entries:
            url = canonical_url(entry.link)
            if url in seen or known.has(url, entry.feed_url, entry.guid):
                skipped += 1
                continue
            seen.add(url)
            fresh.append(entry)
    return fresh, skipped


@flow(name="ingest-news", log_prints=True)
def ingest_news(config_path: str = "dealwatch.toml", db_path: str | None = None,
                batch_size: int = DEFAULT_BATCH_SIZE) -> RunSummary:
    """One ingest pass: every feed of the config into the warehouse at ``db_path``."""
    logger = get_run_logger()
    config: Config = load_config(config_path)
    db = resolve_db_path(db_path)
    run_id = str(flow_run.get_id() or uuid.uuid4())
    started_at = datetime.now(timezone.utc)
    try:
        return _ingest(config, db, run_id, started_at, max(1, batch_size), logger)
    except Exception as exc:
        record_failed_run(db, run_id, started_at, f"{type(exc).__name__}: {exc}")
        raise


def _ingest(config: Config, db: str, run_id: str, started_at: datetime, batch_size: int, logger) -> RunSummary:
    logger.info("run %s: %d feeds into %s", run_id, len(config.feeds), db)
    futures = [fetch_feed.submit(feed, config.fetch) for feed in config.feeds]
    feeds, log, feed_errors = [], [], {}
    for feed, future in zip(config.feeds, futures):
        future.wait()
        state = future.state
        if state.is_completed():
            outcome = future.result()
            feeds.append(outcome.feed)
            log.append(outcome.log)
        else:
            exc = state.result(raise_on_failure=False)
            reason = getattr(exc, "reason", None) or str(exc)
            feed_errors[feed.url] = reason
            log.append(FetchLogEntry(feed.url, "feed", getattr(exc, "status", None), None, None, reason))
            logger.warning("feed %s failed: %s", feed.url, reason)

    entries, skipped = _new_entries(feeds, db)
    batches = [entries[i:i + batch_size] for i in range(0, len(entries), batch_size)]
    logger.info("%d new articles to fetch (%d already stored), in %d batches", len(entries), skipped, len(batches))
    futures = [fetch_articles.submit(batch, config.fetch, n, len(batches)) for n, batch in enumerate(batches, 1)]
    outcomes = [_batch_outcome(batch, future, logger) for batch, future in zip(batches, futures)]
    records = [r for o in outcomes for r in o.records]
    log += [entry for o in outcomes for entry in o.log]
    counts = RunCounts(feeds_tried=len(config.feeds), feeds_failed=len(feed_errors),
                       articles_skipped=skipped, articles_failed=sum(o.failed for o in outcomes))

    summary = store(db, run_id, started_at, records, log, config.alert_urls, counts)
    report = deliver_alerts(db, config.alert_urls, config.fetch.user_agent)
    return RunSummary(
        run_id=run_id, db_path=db, feeds_tried=counts.feeds_tried, feeds_failed=counts.feeds_failed,
        articles_new=summary.articles_new, articles_skipped=skipped, articles_failed=counts.articles_failed,
        mentions_new=summary.mentions_new, deals_total=summary.deals_total, alerts_new=summary.alerts_new,
        alerts_delivered=report.delivered, alerts_pending=report.pending, feed_errors=feed_errors)
