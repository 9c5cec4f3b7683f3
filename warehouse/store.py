"""What a run reads from and commits to the warehouse, as whole operations."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from extractors.records import CacheValidators, ExtractedArticle, FetchLogEntry
from warehouse.db import connect, scalar, transaction
from warehouse.load import article_frames, article_id, insert_fetch_log, insert_new, upsert_http_cache
from warehouse.history import snapshot_deals
from warehouse.models import build_models, models_current

logger = logging.getLogger(__name__)

# Records framed and inserted at a time: a commit never holds a second, tabular copy of all its
# articles, and DuckDB appends them in pieces (one huge append costs it several times the memory).
LOAD_CHUNK = 500


@dataclass(frozen=True)
class KnownArticles:
    urls: frozenset[str]
    guids: frozenset[tuple[str, str]]  # (feed_url, guid)

    def has(self, url: str, feed_url: str, guid: str) -> bool:
        return url in self.urls or (feed_url, guid) in self.guids


@dataclass(frozen=True)
class RunCounts:
    feeds_tried: int = 0
    feeds_failed: int = 0
    articles_skipped: int = 0
    articles_failed: int = 0


@dataclass(frozen=True)
class CommitSummary:
    articles_new: int
    mentions_new: int
    alerts_new: int
    deals_total: int
    seconds: dict[str, float] = field(default_factory=dict)  # load, models, alerts, commit: where its time went

    def plus(self, other: CommitSummary | None = None, seconds: Mapping[str, float] | None = None) -> CommitSummary:
        """This commit and ``other`` (an earlier one of the same run) as one; deals_total stays this one's."""
        times = dict(self.seconds)
        for name, value in [*(other.seconds.items() if other else ()), *(seconds or {}).items()]:
            times[name] = times.get(name, 0.0) + value
        if other is None:
            return dataclasses.replace(self, seconds=times)
        return CommitSummary(self.articles_new + other.articles_new, self.mentions_new + other.mentions_new,
                             self.alerts_new + other.alerts_new, self.deals_total, times)


def known_articles(db_path: str | Path) -> KnownArticles:
    """The articles already stored, so a run fetches only new pages."""
    if not Path(db_path).exists():
        return KnownArticles(frozenset(), frozenset())
    con = connect(db_path)
    try:
        rows = con.execute("select url, feed_url, feed_guid from raw_articles").fetchall()
    finally:
        con.close()
    return KnownArticles(frozenset(r[0] for r in rows),
                         frozenset((r[1], r[2]) for r in rows if r[1] and r[2]))


def cached_validators(db_path: str | Path) -> dict[str, CacheValidators]:
    """Per feed URL, the validators its server sent last time, for a conditional GET."""
    if not Path(db_path).exists():
        return {}
    con = connect(db_path)
    try:
        rows = con.execute("select url, etag, last_modified from http_cache").fetchall()
    finally:
        con.close()
    return {url: CacheValidators(etag, last_modified) for url, etag, last_modified in rows if etag or last_modified}


INTERRUPTED = ("interrupted: the run ended before its last commit (killed or crashed); nothing of it was stored "
               "but what a run of more articles than one commit holds had committed on the way")


def start_run(db_path: str | Path, run_id: str, started_at: datetime) -> int:
    """Record the run as running; close as failed the runs a dead process left running.

    Only call this holding :func:`warehouse.db.run_lock`: then no other run is alive, so a
    row still 'running' belongs to a process that died. Returns how many such rows were closed.
    """
    con = connect(db_path)
    try:
        with transaction(con):
            stale = scalar(con, "select count(*) from runs where status = 'running'")
            con.execute("update runs set status = 'failed', error = ? where status = 'running'", [INTERRUPTED])
            con.execute("insert or replace into runs (run_id, started_at, status) values (?, ?, 'running')",
                        [run_id, started_at])
    finally:
        con.close()
    if stale:
        logger.warning("%d earlier run(s) had died before committing; marked failed", stale)
    return stale


def commit_articles(db_path: str | Path, run_id: str, records: Sequence[ExtractedArticle],
                    fetch_log: Sequence[FetchLogEntry], channels: Sequence[str]) -> CommitSummary:
    """Part of a long run: its articles so far, their fetch log, and the models and alerts they
    bring, in one transaction. The run's last commit is :func:`commit_run`."""
    clock = time.perf_counter()
    con = connect(db_path)
    try:
        with transaction(con):
            logger.info("run %s: transaction open, writing %d articles (part of the run)", run_id, len(records))
            part = _store(con, run_id, records, fetch_log, channels)
        logger.info("run %s: part committed", run_id)
    finally:
        con.close()
    return part.plus(seconds={"commit": time.perf_counter() - clock - sum(part.seconds.values())})


def commit_run(db_path: str | Path, run_id: str, started_at: datetime,
               records: Sequence[ExtractedArticle], fetch_log: Sequence[FetchLogEntry],
               channels: Sequence[str], counts: RunCounts,
               validators: Mapping[str, CacheValidators] | None = None,
               earlier: CommitSummary | None = None) -> CommitSummary:
    """Store a run's articles and mentions, the feeds' validators, rebuild the models, raise the
    alerts and record the run, all in one transaction: a crash leaves the previous state intact.

    ``earlier`` is what the run's earlier commits (:func:`commit_articles`) stored: the run's
    line in ``runs`` and the summary returned count it too.
    """
    con = connect(db_path)
    try:
        with transaction(con):
            logger.info("run %s: transaction open, writing %d articles", run_id, len(records))
            upsert_http_cache(con, validators or {}, run_id)
            whole = _store(con, run_id, records, fetch_log, channels).plus(earlier)
            con.execute(
                """insert or replace into runs (run_id, started_at, ended_at, status, feeds_tried, feeds_failed,
                       articles_new, articles_skipped, articles_failed, mentions, alerts)
                   values (?, ?, ?, 'completed', ?, ?, ?, ?, ?, ?, ?)""",
                [run_id, started_at, datetime.now(timezone.utc), counts.feeds_tried, counts.feeds_failed,
                 whole.articles_new, counts.articles_skipped, counts.articles_failed, whole.mentions_new,
                 whole.alerts_new])
            stored = time.perf_counter()
        logger.info("run %s: committed", run_id)
    finally:
        con.close()
    return whole.plus(seconds={"commit": time.perf_counter() - stored})


def _store(con, run_id: str, records: Sequence[ExtractedArticle], fetch_log: Sequence[FetchLogEntry],
           channels: Sequence[str]) -> CommitSummary:
    """Articles, mentions and fetch log in, models rebuilt, deal versions recorded, alerts raised:
    in the caller's transaction."""
    clock = time.perf_counter()
    # An article stored before keeps the mentions it was stored with.
    already = _stored_article_ids(con, [article_id(r.article.url) for r in records])
    articles_new = mentions_new = 0
    for start in range(0, len(records), LOAD_CHUNK):
        articles, mentions = article_frames(records[start:start + LOAD_CHUNK], run_id)
        articles_new += insert_new(con, "raw_articles", articles)
        mentions_new += insert_new(con, "raw_deal_mentions", mentions[~mentions["article_id"].isin(already)])
    insert_fetch_log(con, fetch_log, run_id)
    loaded = time.perf_counter()
    # Nothing new and the models built from today's SQL: the deals, and so the alerts they raise,
    # are what the last commit left. Rebuilding would cost time that grows with the history.
    rebuild = bool(articles_new or mentions_new) or not models_current(con)
    if rebuild:
        build_models(con)
        # New versions of the deals that changed: deal_changes, and so the alerts, read them.
        snapshot_deals(con, run_id)
    built = time.perf_counter()
    alerts_new = raise_alerts(con, run_id, channels) if rebuild else 0
    deals_total = scalar(con, "select count(*) from deals")
    seconds = {"load": loaded - clock, "models": built - loaded, "alerts": time.perf_counter() - built}
    return CommitSummary(articles_new, mentions_new, alerts_new, deals_total, seconds)


def raise_alerts(con, run_id: str, channels: Sequence[str]) -> int:
    """:func:`warehouse.alerts.raise_alerts`, imported when first needed: it brings pandas, which a
    run that found nothing new never needs (importing it costs more than such a run's own work)."""
    from warehouse.alerts import raise_alerts as raise_new_alerts

    return raise_new_alerts(con, run_id, channels)


def _stored_article_ids(con, ids: list[str]) -> set[str]:
    if not ids:
        return set()
    rows = con.execute("select article_id from raw_articles where list_contains(?, article_id)", [ids]).fetchall()
    return {r[0] for r in rows}


def record_failed_run(db_path: str | Path, run_id: str, started_at: datetime, error: str) -> None:
    """Best effort: a run that died before committing still leaves a line in ``runs``."""
    try:
        con = connect(db_path, lock_wait=5)
    except Exception:  # noqa: BLE001 - the original error is what the user needs to see
        logger.exception("could not record the failed run %s", run_id)
        return
    try:
        con.execute(
            """insert or replace into runs (run_id, started_at, ended_at, status, error)
               values (?, ?, ?, 'failed', ?)""",
            [run_id, started_at, datetime.now(timezone.utc), error[:2000]])
    finally:
        con.close()
