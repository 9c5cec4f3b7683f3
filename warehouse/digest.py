"""Raising the daily digest into the alert outbox, in the caller's transaction.

The digest itself is computed by ``sql/digest/daily_digest.sql`` (kept out of
``sql/alerts/``, which every ingest run executes). Like every alert it goes in
only if its ``alert_id`` is new, with one pending delivery row per channel, so
``warehouse.delivery`` sends it exactly like the others.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import duckdb

from warehouse.sqlfiles import read_sql

logger = logging.getLogger(__name__)

# Lines per alert type in the digest's text; chat channels cut long messages,
# and the payload carries every alert anyway.
MAX_LINES_PER_TYPE = 25


@dataclass(frozen=True)
class Digest:
    alert_id: str
    summary: str
    alert_count: int  # alerts the digest sums up
    raised: bool      # False: this day's digest was raised before, nothing new was queued


def raise_digest(con: duckdb.DuckDBPyConnection, window_end: datetime, run_id: str,
                 channels: Sequence[str], max_lines: int = MAX_LINES_PER_TYPE) -> Digest:
    """Insert the digest of the 24 hours before ``window_end`` unless that day's is there already.

    Returns the digest as stored: on a second run the same day, the first one.
    """
    sql = read_sql("digest/daily_digest.sql")
    alert_id, alert_type, summary, payload = con.execute(
        f"select alert_id, alert_type, summary, payload from ({sql.strip().rstrip(';')})",
        {"window_end": window_end, "max_lines": max_lines}).fetchall()[0]
    inserted = con.execute(
        """insert into alerts (alert_id, alert_type, created_at, summary, payload, run_id)
           select ?, ?, now(), ?, ?, ?
           where not exists (select 1 from alerts where alert_id = ?)
           returning alert_id""",
        [alert_id, alert_type, summary, payload, run_id, alert_id]).fetchall()
    if inserted and channels:
        con.execute(
            """insert or ignore into alert_deliveries (alert_id, channel, status, attempts)
               select ?, unnest(?), 'pending', 0""", [alert_id, list(channels)])
    if not inserted:
        logger.info("the digest %s of this day was raised before; nothing new", alert_id)
        summary, payload = con.execute("select summary, payload from alerts where alert_id = ?",
                                       [alert_id]).fetchall()[0]
    count = json.loads(payload).get("alert_count", 0) if payload else 0
    return Digest(alert_id=alert_id, summary=summary, alert_count=count, raised=bool(inserted))
