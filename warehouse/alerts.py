"""Raising alerts into the outbox, in the caller's transaction.

The candidate alerts are computed by the SQL in ``sql/alerts/``; an alert
goes in only if its ``alert_id`` is not there yet, so a re-run raises
nothing. Each new alert gets one pending delivery row per channel configured
when it is raised: a channel added later receives alerts from then on, not
the whole history.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import duckdb
import pandas as pd

from warehouse.sqlfiles import list_sql

logger = logging.getLogger(__name__)


def raise_alerts(con: duckdb.DuckDBPyConnection, run_id: str, channels: Sequence[str]) -> int:
    """Insert every candidate alert not raised before; return how many were new."""
    new = 0
    for name, sql in list_sql("alerts"):
        body = sql.strip().rstrip(";")
        inserted = con.execute(
            f"""
            insert into alerts (alert_id, alert_type, deal_id, field, old_value, new_value,
                                created_at, summary, payload, run_id)
            select c.alert_id, c.alert_type, c.deal_id, c.field, c.old_value, c.new_value,
                   now(), c.summary, c.payload, ?
            from ({body}) as c
            where c.alert_id not in (select alert_id from alerts)
            returning alert_id
            """, [run_id]).fetchall()
        if inserted:
            logger.info("%s: %d new alert(s)", name, len(inserted))
        new += len(inserted)
        _queue_deliveries(con, [row[0] for row in inserted], channels)
    return new


def _queue_deliveries(con: duckdb.DuckDBPyConnection, alert_ids: list[str], channels: Sequence[str]) -> None:
    if not alert_ids or not channels:
        return
    frame = pd.DataFrame(
        [{"alert_id": a, "channel": c, "status": "pending", "attempts": 0} for a in alert_ids for c in channels])
    con.register("new_deliveries", frame)
    try:
        con.execute("insert or ignore into alert_deliveries by name select * from new_deliveries")
    finally:
        con.unregister("new_deliveries")

