"""Bulk loads of a run's records into the raw tables.

Rows go in as DataFrames (one statement per table, never row by row) and
with ``insert or ignore`` on their keys, so loading the same records twice
adds nothing. The fetch log and the feeds' validators go in as columns of
Python lists, unnested by DuckDB: a run that found nothing new never needs
pandas (importing it costs more than such a run's own work).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING

import duckdb

from extractors.records import CacheValidators, ExtractedArticle, FetchLogEntry
from warehouse.db import scalar

if TYPE_CHECKING:
    import pandas as pd

logger = logging.getLogger(__name__)

ARTICLE_COLUMNS = ["article_id", "url", "feed_url", "feed_guid", "outlet", "title", "published_at",
                   "language", "text", "content_hash", "fetched_at", "run_id"]
MENTION_COLUMNS = ["mention_id", "article_id", "deal_type", "payer", "payee", "amount", "currency",
                   "amount_usd", "stake_pct", "status", "evidence", "confidence", "extracted_at", "run_id"]


def article_id(url: str) -> str:
    """Key of an article: its canonical URL, hashed."""
    return hashlib.md5(url.encode("utf-8")).hexdigest()


def mention_id(article: str, deal_type: str, payer: str, payee: str) -> str:
    return hashlib.md5("|".join((article, deal_type, payer, payee)).encode("utf-8")).hexdigest()


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def article_frames(records: Sequence[ExtractedArticle], run_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows of raw_articles and raw_deal_mentions for a batch of records."""
    articles, mentions = [], []
    for record in records:
        page = record.article
        aid = article_id(page.url)
        articles.append({
            "article_id": aid, "url": page.url, "feed_url": record.feed_url,
            "feed_guid": record.feed_guid, "outlet": page.outlet, "title": page.title,
            "published_at": page.published_at, "language": page.language, "text": page.text,
            "content_hash": content_hash(page.text), "fetched_at": record.fetched_at, "run_id": run_id,
        })
        for m in record.mentions:
            mentions.append({
                "mention_id": mention_id(aid, m.deal_type, m.payer, m.payee), "article_id": aid,
                "deal_type": m.deal_type, "payer": m.payer, "payee": m.payee, "amount": m.amount,
                "currency": m.currency, "amount_usd": m.amount_usd, "stake_pct": m.stake_pct,
                "status": m.status, "evidence": m.evidence, "confidence": m.confidence,
                "extracted_at": record.fetched_at, "run_id": run_id,
            })
    return (_frame(articles, ARTICLE_COLUMNS, "article_id"),
            _frame(mentions, MENTION_COLUMNS, "mention_id"))


def _frame(rows: list[dict], columns: list[str], key: str) -> pd.DataFrame:
    import pandas as pd

    frame = pd.DataFrame(rows, columns=columns)
    # Two feeds can link the same page: the first record wins, as the database would keep it.
    return frame.drop_duplicates(subset=[key], keep="first")


def insert_new(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> int:
    """Insert the rows whose key is not there yet; return how many went in."""
    if frame.empty:
        return 0
    before = scalar(con, f"select count(*) from {table}")
    con.register("incoming_rows", frame)
    try:
        con.execute(f"insert or ignore into {table} by name select * from incoming_rows")
    finally:
        con.unregister("incoming_rows")
    return scalar(con, f"select count(*) from {table}") - before


def insert_fetch_log(con: duckdb.DuckDBPyConnection, entries: Iterable[FetchLogEntry], run_id: str) -> int:
    """Append a run's fetch log. A plain insert: the log has no key (DuckDB refuses
    ``insert or ignore`` without one), and every run adds its own lines."""
    entries = list(entries)
    if not entries:
        return 0
    con.execute(
        """insert into fetch_log (run_id, url, kind, status, bytes, ms, error, logged_at)
           select ?, unnest(?::varchar[]), unnest(?::varchar[]), unnest(?::integer[]), unnest(?::bigint[]),
                  unnest(?::integer[]), unnest(?::varchar[]), ?""",
        [run_id, [e.url for e in entries], [e.kind for e in entries], [e.status for e in entries],
         [e.bytes for e in entries], [e.ms for e in entries], [e.error for e in entries], datetime.now(timezone.utc)])
    return len(entries)


def upsert_http_cache(con: duckdb.DuckDBPyConnection, validators: Mapping[str, CacheValidators],
                      run_id: str) -> int:
    """Keep, per URL, the validators of its latest settled 200 (replacing the previous ones)."""
    if not validators:
        return 0
    con.execute(
        """insert or replace into http_cache (url, etag, last_modified, updated_at, run_id)
           select unnest(?::varchar[]), unnest(?::varchar[]), unnest(?::varchar[]), ?, ?""",
        [list(validators), [v.etag for v in validators.values()], [v.last_modified for v in validators.values()],
         datetime.now(timezone.utc), run_id])
    return len(validators)
