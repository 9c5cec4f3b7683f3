"""The ``daily_digest`` flow: one summary alert of the last 24 hours' alerts, through the usual channels.

Scheduled at 08:00 UTC by prefect.yaml. The digest is an ordinary alert in
the outbox (type ``daily_digest``, id derived from the day), so it is sent by
the same delivery code, retried the same way, and never sent twice for a day.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from flows.config import DEFAULT_CONFIG, load_config, resolve_db_path
from warehouse.db import LOCK_WAIT_ENV, connect, lock_wait_seconds, run_lock, transaction
from warehouse.delivery import deliver_pending
from warehouse.digest import raise_digest

# The digest waits for an ingest run that holds the database rather than
# failing after the default two minutes: a lost digest is a silent gap for
# users. $DEALWATCH_LOCK_WAIT, when set, still wins.
DIGEST_LOCK_WAIT_SECONDS = 1800.0


@dataclass(frozen=True)
class DigestSummary:
    alert_id: str
    window_end: datetime
    alert_count: int       # alerts the digest sums up
    raised: bool           # False when this day's digest existed already
    summary: str
    alerts_delivered: int  # every pending alert delivered by this run, the digest included
    alerts_pending: int


def digest_window_end(as_of: datetime | None = None) -> datetime:
    """The end of the digest's 24-hour window, in UTC.

    ``as_of`` when given (naive means UTC); else the run's scheduled start time,
    so a run that waited for a slow ingest, or a backlog run, still covers
    exactly the 24 hours before its 08:00.
    """
    when = as_of or flow_run.get_scheduled_start_time() or datetime.now(timezone.utc)
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc)


def _lock_wait() -> float:
    return lock_wait_seconds() if os.environ.get(LOCK_WAIT_ENV, "").strip() else DIGEST_LOCK_WAIT_SECONDS


@flow(name="daily-digest", log_prints=True)
def daily_digest(config_path: str = DEFAULT_CONFIG, db_path: str | None = None,
                 as_of: datetime | None = None) -> DigestSummary:
    """Raise and deliver one digest of the alerts of the 24 hours before ``as_of`` (default: the
    run's scheduled time)."""
    run_logger = get_run_logger()
    config = load_config(config_path)
    db = resolve_db_path(db_path)
    window_end = digest_window_end(as_of)
    run_id = str(flow_run.get_id() or uuid.uuid4())
    # The run lock keeps the digest from reading half a run or delivering
    # alongside an ingest run (which would send the same alert twice).
    with run_lock(db, wait=_lock_wait()):
        con = connect(db)
        try:
            with transaction(con):
                digest = raise_digest(con, window_end, run_id, config.alert_urls)
            report = deliver_pending(con, config.alert_urls, user_agent=config.fetch.user_agent)
        finally:
            con.close()
    if digest.raised:
        run_logger.info("digest %s raised: %d alerts in the 24 hours to %s", digest.alert_id,
                        digest.alert_count, window_end.isoformat())
    else:
        run_logger.info("digest %s for %s exists already; nothing new raised", digest.alert_id,
                        window_end.date().isoformat())
    run_logger.info("alerts delivered: %d, still pending: %d", report.delivered, report.pending)
    for channel, error in report.errors.items():
        run_logger.warning("alert channel %s: %s", channel, error)
    return DigestSummary(alert_id=digest.alert_id, window_end=window_end, alert_count=digest.alert_count,
                         raised=digest.raised, summary=digest.summary, alerts_delivered=report.delivered,
                         alerts_pending=report.pending)
