"""What a run reads from and commits to the warehouse, as whole operations."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from extractors.records import ExtractedArticle, FetchLogEntry
from warehouse.alerts import raise_alerts
from warehouse.db import connect, scalar, transaction
from warehouse.load import article_frames, insert_fetch_log, insert_new
from warehouse.models import build_models

logger = logging.getLogger(__name__)


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


def commit_run(db_path: str | Path, run_id: str, started_at: datetime,
               records: Sequence[ExtractedArticle], fetch_log: Sequence[FetchLogEntry],
               channels: Sequence[str], counts: RunCounts) -> CommitSummary:
    """Store a run's articles and mentions, rebuild the models and raise the
    alerts, all in one transaction: a crash leaves the previous state intact."""
    articles, mentions = article_frames(records, run_id)
    con = connect(db_path)
    try:
        with transaction(con):
            # An article stored before keeps the mentions it was stored with.
            already = _stored_article_ids(con, articles["article_id"].tolist())
            mentions = mentions[~mentions["article_id"].isin(already)]
            articles_new = insert_new(con, "raw_articles", articles)
            mentions_new = insert_new(con, "raw_deal_mentions", mentions)
            insert_fetch_log(con, fetch_log, run_id)
            build_models(con)
            alerts_new = raise_alerts(con, run_id, channels)
            deals_total = scalar(con, "select count(*) from deals")
            con.execute(
                """insert or replace into runs (run_id, started_at, ended_at, status, feeds_tried, feeds_failed,
                       articles_new, articles_skipped, articles_failed, mentions, alerts)
                   values (?, ?, ?, 'completed', ?, ?, ?, ?, ?, ?, ?)""",
                [run_id, started_at, datetime.now(timezone.utc), counts.feeds_tried, counts.feeds_failed,
                 articles_new, counts.articles_skipped, counts.articles_failed, mentions_new, alerts_new])
    finally:
        con.close()
    return CommitSummary(articles_new, mentions_new, alerts_new, deals_total)


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
