"""The ``ingest_news`` flow: feeds -> article pages -> deal mentions -> DuckDB -> models -> alerts.

Orchestration only. Tasks are coarse (one per feed, one per batch of
articles) because each task run costs milliseconds of bookkeeping; parsing
lives in ``extractors`` and every database statement in ``warehouse``.

One run holds the database's run lock from start to end, and shares one
``Fetcher`` between its tasks, so pacing, the per-site limits and robots.txt
answers hold across feeds and batches. Pages are fetched by threads and parsed
by worker processes, one per core (the extractors hold the GIL); a few batches
are in flight at a time, and a long run commits every COMMIT_ARTICLES new
articles, so its memory does not grow with its size. RunSummary.stage_seconds
says where the time went. Retrying is the fetcher's (backoff,
capped Retry-After) and then the next run's: a failed page is not stored and a
feed with such a page keeps its old validators, so the next run sees it again.
"""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing
import os
import time
import uuid
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from extractors.errors import DealwatchError, FeedError, FetchError
from extractors.feeds import parse_feed
from extractors.http import FEED, PAGE, Fetcher, is_transient
from extractors.records import CacheValidators, ExtractedArticle, Feed, FeedEntry, FetchLogEntry
from extractors.urls import canonical_url
from flows.config import Config, FeedConfig, load_config, resolve_db_path
from flows.progress import current as current_progress
from warehouse.delivery import deliver_pending
from warehouse.db import connect, run_lock
from warehouse.store import (CommitSummary, RunCounts, cached_validators, commit_articles, commit_run,
                             known_articles, record_failed_run, start_run)

if TYPE_CHECKING:  # the extractors are imported where pages are parsed: a run with none never loads them
    from extractors.pipeline import PageOutcome

# For worker threads of a batch, which run outside Prefect's task context.
_logger = logging.getLogger(__name__)

FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.5"
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
DEFAULT_BATCH_SIZE = 50
PAGE_WORKERS = 8  # concurrent page fetches inside one batch task
# Batch tasks running at once: enough to keep the fetchers and every parsing core busy, few enough
# that the pages fetched and waiting to be parsed are a few batches' worth, whatever the run's size.
BATCHES_IN_FLIGHT = 4
# Below this many new pages, starting worker processes costs more than parsing on one core.
MIN_PAGES_FOR_PROCESSES = 20
# A run with more new articles than this commits them (with their models and alerts) every time this
# many have piled up, so its memory is bounded by this, not by the run's size. Each commit is all or
# nothing; most runs are one commit.
COMMIT_ARTICLES = 2000


class FeedFailed(DealwatchError):
    """A feed that could not be fetched or read, with its fetch-log line."""

    def __init__(self, log: FetchLogEntry):
        super().__init__(f"{log.url}: {log.error}")
        self.log = log


@dataclass
class FeedOutcome:
    url: str  # as configured
    feed: Feed
    log: FetchLogEntry
    validators: CacheValidators | None = None  # from a 200; stored only once its pages are settled
    not_modified: bool = False


@dataclass
class BatchOutcome:
    records: list[ExtractedArticle] = field(default_factory=list)
    log: list[FetchLogEntry] = field(default_factory=list)
    failed: int = 0
    unsettled: set[str] = field(default_factory=set)  # canonical links that failed for a reason that may pass
    parse_seconds: float = 0.0  # summed over the batch's pages
    extract_seconds: float = 0.0


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
    feeds_unchanged: int = 0  # answered 304 to a conditional request
    alerts_given_up: int = 0  # deliveries this run marked failed for good (past the attempt cap)
    # Where the run's time went. Wall-clock seconds, except fetch, parse and extract: those run
    # side by side (threads, worker processes) and are summed over pages, so they may add up to
    # more than "articles", the wall-clock time of the whole fetch-parse-extract phase.
    stage_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        # Some feeds failing is the normal weather of the web; all of them
        # failing means the run achieved nothing.
        return self.feeds_tried > 0 and self.feeds_failed == self.feeds_tried


def _ms_since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


# No task-level retries: the fetcher already retries with backoff and a capped Retry-After,
# and more rounds here would multiply the requests a failing server gets. The next run retries.
@task(name="fetch-feed", cache_policy=NO_CACHE, task_run_name="fetch-feed {feed.url}")
def fetch_feed(feed: FeedConfig, fetcher: Fetcher, validators: CacheValidators | None = None) -> FeedOutcome:
    """Fetch and parse one feed, conditionally when the last run stored its validators."""
    started = time.monotonic()
    try:
        result = fetcher.fetch(feed.url, accept=FEED_ACCEPT, validators=validators, wanted=FEED)
    except FetchError as exc:
        raise FeedFailed(FetchLogEntry(feed.url, "feed", exc.status, None, _ms_since(started), exc.reason)) from exc
    log = FetchLogEntry(feed.url, "feed", result.status, len(result.content), result.elapsed_ms)
    logger = get_run_logger()
    if result.not_modified:
        logger.info("feed %s: not modified since the last run (304)", feed.url)
        return FeedOutcome(feed.url, Feed(url=result.final_url), log, not_modified=True)
    try:
        parsed = parse_feed(result.content, result.final_url, result.content_type)
    except FeedError as exc:
        raise FeedFailed(dataclasses.replace(log, error=exc.reason)) from exc
    logger.info("feed %s: %d entries", feed.url, len(parsed.entries))
    if parsed.problem:
        log = dataclasses.replace(log, error=parsed.problem)
    if feed.language:  # the config's hint wins over what the feed says
        parsed = dataclasses.replace(parsed, entries=tuple(
            dataclasses.replace(e, language=feed.language) for e in parsed.entries))
    # A malformed feed is fetched in full next time: a 304 could hide the entries it lost.
    return FeedOutcome(feed.url, parsed, log, validators=None if parsed.problem else result.validators)


@task(name="fetch-articles", cache_policy=NO_CACHE, task_run_name="fetch-articles {batch_no}/{batches}")
def fetch_articles(entries: list[FeedEntry], fetcher: Fetcher, batch_no: int, batches: int) -> BatchOutcome:
    """Fetch, parse and extract one batch of pages, a few at a time.

    A page that fails is logged and left out: it is not stored, so the next
    run tries it again. The fetcher retries network errors by itself.
    """
    logger = get_run_logger()
    outcome = BatchOutcome()
    with ThreadPoolExecutor(max_workers=PAGE_WORKERS) as pool:
        for entry, result in zip(entries, pool.map(lambda e: _fetch_one(fetcher, e), entries)):
            record, log, may_pass, page = result
            if page is not None:
                outcome.parse_seconds += page.parse_seconds
                outcome.extract_seconds += page.extract_seconds
            outcome.log.append(log)
            if record is None:
                outcome.failed += 1
                if may_pass:
                    outcome.unsettled.add(canonical_url(entry.link))
                logger.warning("article %s skipped: %s", entry.link, log.error)
            else:
                outcome.records.append(record)
    logger.info("batch %d/%d: %d articles, %d deal mentions, %d failed", batch_no, batches, len(outcome.records),
                sum(len(r.mentions) for r in outcome.records), outcome.failed)
    return outcome


def _fetch_one(fetcher: Fetcher, entry: FeedEntry
               ) -> tuple[ExtractedArticle | None, FetchLogEntry, bool, PageOutcome | None]:
    """(record or None, its fetch-log line, whether a failure may pass by the next run, what
    parsing made of the page (None when it was not fetched))."""
    started = time.monotonic()
    try:
        result = fetcher.fetch(entry.link, accept=PAGE_ACCEPT, wanted=PAGE, robots=True)
    except FetchError as exc:
        return None, FetchLogEntry(entry.link, "article", exc.status, None, _ms_since(started), exc.reason), \
            is_transient(exc), None
    log = FetchLogEntry(entry.link, "article", result.status, len(result.content), result.elapsed_ms)
    page = _pages.parse(result.content, entry, datetime.now(timezone.utc), result.content_type)
    if page.crashed:
        _logger.error("extracting %s failed:\n%s", entry.link, page.crashed)
    if page.record is None:
        return None, dataclasses.replace(log, error=page.error), False, page
    return page.record, log, False, page


class PageParser:
    """Parses pages in worker processes, one per core, or in the calling thread.

    The extractors hold the GIL, so threads would parse one page at a time; processes parse on
    every core. Workers come from a fork server (a clean process that has imported the
    extractors), not from a fork of this one, whose threads and log handlers belong to Prefect.
    """

    def __init__(self, workers: int = 0):
        self._pool: ProcessPoolExecutor | None = None
        if workers > 1:
            from extractors.pipeline import warm_up

            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
            if context.get_start_method() == "forkserver":
                context.set_forkserver_preload(["extractors.pipeline"])
            self._pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=warm_up)

    def parse(self, content: bytes, entry: FeedEntry, fetched_at: datetime, content_type: str | None) -> PageOutcome:
        from extractors.pipeline import extract_page

        pool = self._pool
        if pool is not None:
            try:
                return pool.submit(extract_page, content, entry, fetched_at, content_type).result()
            except BrokenProcessPool:
                # A worker died (killed, out of memory): the rest of the run parses here.
                _logger.warning("a page-parsing process died; parsing in the flow's process from now on")
                self._pool = None
        return extract_page(content, entry, fetched_at, content_type)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


_pages = PageParser()  # the run's parser while a run has pages to parse; inline otherwise


@contextmanager
def _parsing(pages: int) -> Iterator[None]:
    """Worker processes for this run's pages, when there are enough of them and cores to spare."""
    global _pages
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if pages < MIN_PAGES_FOR_PROCESSES or cores < 2:
        yield
        return
    parser = PageParser(workers=min(cores, pages))
    _pages = parser
    try:
        yield
    finally:
        _pages = PageParser()
        parser.close()


@task(name="store", cache_policy=NO_CACHE)
def store(db_path: str, run_id: str, started_at: datetime, records: list[ExtractedArticle],
          log: list[FetchLogEntry], channels: tuple[str, ...], counts: RunCounts,
          validators: dict[str, CacheValidators], earlier: CommitSummary | None = None):
    get_run_logger().info("storing %d articles in one transaction", len(records))
    summary = commit_run(db_path, run_id, started_at, records, log, channels, counts, validators, earlier)
    get_run_logger().info("stored %d new articles, %d new mentions; %d deals; %d new alerts",
                          summary.articles_new, summary.mentions_new, summary.deals_total, summary.alerts_new)
    return summary


@task(name="store-part", cache_policy=NO_CACHE)
def store_part(db_path: str, run_id: str, records: list[ExtractedArticle], log: list[FetchLogEntry],
               channels: tuple[str, ...]) -> CommitSummary:
    summary = commit_articles(db_path, run_id, records, log, channels)
    get_run_logger().info("committed %d new articles, %d new mentions on the way; %d deals; %d new alerts",
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
                        failed=len(batch), unsettled={canonical_url(e.link) for e in batch})


def _new_entries(feeds: list[Feed], db_path: str) -> tuple[list[FeedEntry], int]:
    """Entries not stored yet, each page once even when several feeds link it."""
    if not any(feed.entries for feed in feeds):  # every feed unchanged (304) or failed: nothing to look up
        return [], 0
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
        with run_lock(db):
            start_run(db, run_id, started_at)
            return _ingest(config, db, run_id, started_at, max(1, batch_size), logger)
    except Exception as exc:
        record_failed_run(db, run_id, started_at, f"{type(exc).__name__}: {exc}")
        raise


def _fetch_feeds(config: Config, fetcher: Fetcher, cached: dict[str, CacheValidators], logger
                 ) -> tuple[list[FeedOutcome], list[FetchLogEntry], dict[str, str]]:
    futures = [fetch_feed.submit(feed, fetcher, cached.get(feed.url)) for feed in config.feeds]
    outcomes, log, feed_errors = [], [], {}
    shown = current_progress()
    for feed, future in zip(config.feeds, futures):
        future.wait()
        state = future.state
        if state.is_completed():
            outcome = future.result()
            outcomes.append(outcome)
            log.append(outcome.log)
            shown.advance("feeds", unchanged=int(outcome.not_modified))
            continue
        exc = state.result(raise_on_failure=False)
        if isinstance(exc, FeedFailed):
            entry = exc.log
        else:  # a bug, not the feed's fault; still only this feed's loss
            entry = FetchLogEntry(feed.url, "feed", None, None, None, f"{type(exc).__name__}: {exc}"[:500])
        feed_errors[feed.url] = entry.error or "failed"
        log.append(entry)
        shown.advance("feeds", failed=1)
        logger.warning("feed %s failed: %s", feed.url, entry.error)
    return outcomes, log, feed_errors


def _settled_validators(outcomes: list[FeedOutcome], unsettled: set[str], logger) -> dict[str, CacheValidators]:
    """Validators to store: those of feeds whose new pages all settled. A feed with a page that
    failed for a moment keeps its old ones, so the next run gets a 200 and lists that page again."""
    keep = {}
    for outcome in outcomes:
        if outcome.validators is None:
            continue
        waiting = {canonical_url(e.link) for e in outcome.feed.entries} & unsettled
        if waiting:
            logger.info("feed %s: %d page(s) to retry, so its next fetch is unconditional", outcome.url, len(waiting))
            continue
        keep[outcome.url] = outcome.validators
    return keep


def _run_batches(batches: list[list[FeedEntry]], fetcher: Fetcher, logger) -> Iterator[BatchOutcome]:
    """The batch tasks, at most BATCHES_IN_FLIGHT at a time; their outcomes in batch order."""
    in_flight: deque = deque()
    for n, batch in enumerate(batches, 1):
        if len(in_flight) >= BATCHES_IN_FLIGHT:
            yield _batch_outcome(*in_flight.popleft(), logger)
        in_flight.append((batch, fetch_articles.submit(batch, fetcher, n, len(batches))))
    while in_flight:
        yield _batch_outcome(*in_flight.popleft(), logger)


@dataclass
class _Progress:
    """A run's pages so far: what is waiting to be committed, and what the summary will say."""

    waiting: BatchOutcome = field(default_factory=BatchOutcome)
    committed: CommitSummary | None = None
    failed: int = 0
    unsettled: set[str] = field(default_factory=set)
    seconds: dict[str, float] = field(default_factory=lambda: {"fetch": 0.0, "parse": 0.0, "extract": 0.0})

    def add(self, outcome: BatchOutcome) -> None:
        self.waiting.records += outcome.records
        self.waiting.log += outcome.log
        self.failed += outcome.failed
        self.unsettled |= outcome.unsettled
        self.seconds["fetch"] += sum(e.ms or 0 for e in outcome.log) / 1000
        self.seconds["parse"] += outcome.parse_seconds
        self.seconds["extract"] += outcome.extract_seconds

    def commit_part(self, db: str, run_id: str, channels: tuple[str, ...]) -> None:
        part = store_part(db, run_id, self.waiting.records, self.waiting.log, channels)
        self.committed = part.plus(self.committed)
        self.waiting = BatchOutcome()


def _ingest(config: Config, db: str, run_id: str, started_at: datetime, batch_size: int, logger) -> RunSummary:
    logger.info("run %s: %d feeds into %s", run_id, len(config.feeds), db)
    clock = time.perf_counter()
    progress = _Progress()
    shown = current_progress()  # what the CLI shows of the run (nothing when a deployment runs it)
    with Fetcher(config.fetch) as fetcher:
        shown.stage("feeds", total=len(config.feeds), failed=0, unchanged=0)
        feed_outcomes, log, feed_errors = _fetch_feeds(config, fetcher, cached_validators(db), logger)
        shown.finish("feeds", failed=len(feed_errors))
        entries, skipped = _new_entries([o.feed for o in feed_outcomes], db)
        progress.seconds["feeds"] = time.perf_counter() - clock
        batches = [entries[i:i + batch_size] for i in range(0, len(entries), batch_size)]
        logger.info("%d new articles to fetch (%d already stored), in %d batches", len(entries), skipped, len(batches))
        shown.stage("articles", total=len(entries), mentions=0, failed=0, skipped=skipped)
        with _parsing(len(entries)):
            for outcome in _run_batches(batches, fetcher, logger):
                progress.add(outcome)
                shown.advance("articles", len(outcome.records) + outcome.failed, failed=outcome.failed,
                              mentions=sum(len(r.mentions) for r in outcome.records))
                if len(progress.waiting.records) >= COMMIT_ARTICLES:
                    progress.commit_part(db, run_id, config.alert_urls)
        shown.finish("articles")
        robots_log = fetcher.robots_log()
    validators = _settled_validators(feed_outcomes, progress.unsettled, logger)
    counts = RunCounts(feeds_tried=len(config.feeds), feeds_failed=len(feed_errors),
                       articles_skipped=skipped, articles_failed=progress.failed)
    seconds = progress.seconds
    seconds["articles"] = time.perf_counter() - clock - seconds["feeds"]

    shown.stage("store", note=f"writing {len(progress.waiting.records)} articles, building models, raising alerts")
    summary = store(db, run_id, started_at, progress.waiting.records, log + robots_log + progress.waiting.log,
                    config.alert_urls, counts, validators, progress.committed)
    seconds |= summary.seconds
    shown.finish("store", articles_new=summary.articles_new, mentions_new=summary.mentions_new,
                 deals=summary.deals_total, alerts_new=summary.alerts_new,
                 note=", ".join(f"{phase} {summary.seconds.get(phase, 0.0):.2f}s"
                                for phase in ("load", "models", "alerts")))
    delivering = time.perf_counter()
    shown.stage("alerts", note=f"delivering to {len(config.alert_urls)} channel(s)")
    report = deliver_alerts(db, config.alert_urls, config.fetch.user_agent)
    shown.finish("alerts", delivered=report.delivered, pending=report.pending)
    seconds["deliver"] = time.perf_counter() - delivering
    seconds["total"] = time.perf_counter() - clock
    return RunSummary(
        run_id=run_id, db_path=db, feeds_tried=counts.feeds_tried, feeds_failed=counts.feeds_failed,
        articles_new=summary.articles_new, articles_skipped=skipped, articles_failed=counts.articles_failed,
        mentions_new=summary.mentions_new, deals_total=summary.deals_total, alerts_new=summary.alerts_new,
        alerts_delivered=report.delivered, alerts_pending=report.pending, feed_errors=feed_errors,
        feeds_unchanged=sum(o.not_modified for o in feed_outcomes), stage_seconds=seconds,
        alerts_given_up=report.given_up)
