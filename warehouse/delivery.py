"""Delivering the alert outbox to its channels (see ``warehouse.channels``).

Each (alert, channel) pair is recorded as delivered the moment it is, in its
own statement, so a channel that is down holds back no other channel, its
alerts stay pending for the next run, and an alert once delivered is never
sent again on that channel. A kill between sending and recording means one
more send on the next run, with the same ``alert_id``: delivery is
at-least-once, with at most one repeat per kill. Within a run a failed send
is retried with exponential backoff; across runs, after ``MAX_ATTEMPTS`` the
pair is marked ``failed``, logged at ERROR and never tried again.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

import duckdb
import requests

from warehouse.channels import AlertRefused, Channel, open_channel, secret_values
from warehouse.db import scalar
from warehouse.errors import DeliveryError

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 10  # across runs; past it an alert is marked failed on that channel
ATTEMPTS_PER_RUN = 3
BACKOFF_BASE = 0.5      # seconds before the first retry of a run, doubled for each next one
BACKOFF_CEILING = 30.0  # no wait is longer, not even one a Retry-After asks for
BACKOFF_JITTER = 0.25   # up to this share added at random, so clients that failed together do not retry together
WEBHOOK_TIMEOUT = (5.0, 15.0)  # connect, read (seconds)
_MIN_SECRET_LENGTH = 4  # hiding shorter values would garble every log line and protect nothing


def backoff_delay(retry: int, retry_after: float | None = None,
                  rand: Callable[[], float] = random.random) -> float:
    """Seconds to wait before retry number ``retry`` (1 for the first) of one send.

    ``retry_after`` is what the channel asked for (a webhook's Retry-After):
    honoured when longer than the backoff, up to the ceiling.
    """
    delay = min(BACKOFF_CEILING, BACKOFF_BASE * 2 ** (retry - 1) * (1 + BACKOFF_JITTER * rand()))
    if retry_after is not None:
        delay = max(delay, min(retry_after, BACKOFF_CEILING))
    return delay


# --- keeping secrets out of logs -------------------------------------------------------------------
# Libraries under the channels log the URL they send to (urllib3 at DEBUG, apprise's plugins), and
# an exception's text repeats it: every log record of the process is scrubbed of the values that
# ${VAR}s expanded to, from the first delivery on.
# A tuple, longest first, replaced whole: threads logging while another adds one never see it change.
_secrets: tuple[str, ...] = ()
_secrets_lock = threading.Lock()


def redact(text: str) -> str:
    for secret in _secrets:
        text = text.replace(secret, "***")
    return text


def _scrub(record: logging.LogRecord) -> logging.LogRecord:
    secrets = _secrets
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a malformed record: logging reports it when it formats it
        return record
    if any(secret in message for secret in secrets):
        record.msg, record.args = redact(message), ()
    if record.exc_info and record.exc_info[0] is not None:
        trace = logging.Formatter().formatException(record.exc_info)
        if any(secret in trace for secret in secrets):
            record.exc_text = redact(trace)  # formatters print exc_text when it is set
    return record


def _keep_out_of_logs(secrets: Iterable[str]) -> None:
    global _secrets
    new = {s for s in secrets if len(s) >= _MIN_SECRET_LENGTH} - set(_secrets)
    if not new:
        return
    with _secrets_lock:
        if not _secrets:
            make_record = logging.getLogRecordFactory()
            logging.setLogRecordFactory(lambda *args, **kwargs: _scrub(make_record(*args, **kwargs)))
        _secrets = tuple(sorted(set(_secrets) | new, key=len, reverse=True))


# --- the outbox ------------------------------------------------------------------------------------

@dataclass
class DeliveryReport:
    delivered: int = 0
    failed_attempts: int = 0
    given_up: int = 0  # (alert, channel) pairs this run marked failed
    pending: int = 0
    errors: dict[str, str] = field(default_factory=dict)  # channel template -> last error


PAYLOAD_KEYS = {"new_circular_deal": "cycle", "daily_digest": "digest"}


def _alert_message(row: tuple, columns: list[str]) -> dict:
    alert = dict(zip(columns, row))
    payload = alert.pop("payload", None)
    # What the alert is about, under a name that says so: the deal (with the change, for
    # deal_changed), the loop of a new_circular_deal, or the day's alerts of a digest.
    key = PAYLOAD_KEYS.get(alert.get("alert_type"), "deal")
    alert[key] = json.loads(payload) if isinstance(payload, str) else payload
    if isinstance(alert.get("created_at"), datetime):
        alert["created_at"] = alert["created_at"].isoformat()
    return alert


def deliver_pending(con: duckdb.DuckDBPyConnection, channels: Sequence[str], *,
                    user_agent: str = "dealwatch", sleep: Callable[[float], None] = time.sleep,
                    timeout: tuple[float, float] | None = None) -> DeliveryReport:
    """Send every pending alert to every channel still configured.

    ``sleep`` waits between retries (tests pass one that does not); ``timeout``
    is the webhooks' (connect, read) timeout, ``WEBHOOK_TIMEOUT`` by default.
    """
    _keep_out_of_logs(secret_values(channels))
    report = DeliveryReport()
    session = requests.Session()
    try:
        for template in channels:
            opener = partial(open_channel, template, session, user_agent, timeout or WEBHOOK_TIMEOUT)
            _deliver_channel(con, template, opener, report, sleep)
    finally:
        session.close()
    con.execute("""
        update alerts set delivered_at = d.last_delivered
        from (select alert_id, max(delivered_at) as last_delivered
              from alert_deliveries group by alert_id
              having bool_and(status = 'delivered')) as d
        where alerts.alert_id = d.alert_id and alerts.delivered_at is null
    """)
    report.pending = scalar(con, "select count(*) from alert_deliveries where status = 'pending'")
    return report


def _deliver_channel(con, template: str, open_: Callable[[], Channel], report: DeliveryReport, sleep) -> None:
    cursor = con.execute("""
        select a.alert_id, a.alert_type, a.deal_id, a.field, a.old_value, a.new_value,
               a.created_at, a.summary, a.payload, d.attempts
        from alert_deliveries d join alerts a using (alert_id)
        where d.channel = ? and d.status = 'pending'
        order by a.created_at, a.alert_id
    """, [template])
    rows = cursor.fetchall()
    if not rows:
        return
    columns = [c[0] for c in cursor.description][:-1]
    try:
        channel = open_()
    except DeliveryError as exc:
        logger.warning("alert channel %s: %s (%d alert(s) stay pending)", template, redact(str(exc)), len(rows))
        for row in rows:
            _record_failure(con, row[0], template, row[-1] + 1, exc, report)
        return
    for row in rows:
        alert = _alert_message(row[:-1], columns)
        attempts, error = _send(channel, alert, row[-1], sleep, report)
        if error is None:
            con.execute("""
                update alert_deliveries set status = 'delivered', attempts = ?, last_error = null,
                       last_attempt_at = now(), delivered_at = now()
                where alert_id = ? and channel = ?""", [attempts, alert["alert_id"], template])
            report.delivered += 1
            continue
        logger.warning("alert channel %s: %s (alert %s, attempt %d)", template, redact(str(error)),
                       alert["alert_id"], attempts)
        _record_failure(con, alert["alert_id"], template, attempts, error, report)
        if not isinstance(error, AlertRefused):
            # The channel is down: the rest of its alerts wait for the next run
            # rather than each paying the timeouts again.
            return


def _send(channel: Channel, alert: dict, attempts: int, sleep, report: DeliveryReport
          ) -> tuple[int, DeliveryError | None]:
    """Up to ``ATTEMPTS_PER_RUN`` sends of one alert; the attempts so far, and the last error if none went through."""
    error: DeliveryError | None = None
    for retry in range(ATTEMPTS_PER_RUN):
        if retry:
            sleep(backoff_delay(retry, getattr(error, "retry_after", None)))
        attempts += 1
        try:
            channel.send(alert)
            return attempts, None
        except DeliveryError as exc:
            error = exc
        except Exception as exc:  # noqa: BLE001 - a channel library's own bug must not stop the others
            error = DeliveryError(f"{type(exc).__name__}: {exc}")
        report.failed_attempts += 1
        if attempts >= MAX_ATTEMPTS or isinstance(error, AlertRefused):
            break  # a refusal is an answer about this alert: asking again at once would get the same
    return attempts, error


def _record_failure(con, alert_id: str, template: str, attempts: int, error: DeliveryError,
                    report: DeliveryReport) -> None:
    message = redact(str(error))
    report.errors[template] = message
    status = "failed" if attempts >= MAX_ATTEMPTS else "pending"
    if status == "failed":
        report.given_up += 1
        logger.error("alert %s could not be delivered to %s after %d attempts (%s); marked failed",
                     alert_id, template, attempts, message)
    con.execute("""
        update alert_deliveries set status = ?, attempts = ?, last_error = ?, last_attempt_at = now()
        where alert_id = ? and channel = ?""", [status, attempts, message, alert_id, template])
