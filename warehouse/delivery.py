"""Delivering the alert outbox to its channels.

Channels are URLs: ``jsonl://PATH`` appends one JSON line per alert,
``http(s)://`` POSTs the alert as JSON with an ``Idempotency-Key`` header
equal to its ``alert_id``, and any other scheme goes to apprise (Slack,
Discord, e-mail, ...). Each (alert, channel) pair is recorded as delivered
the moment it is, in its own statement, so a channel that is down holds back
no other channel, its alerts stay pending for the next run, and an alert
once delivered is never sent again on that channel.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
import requests

from warehouse.db import scalar
from warehouse.errors import DeliveryError

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 10  # across runs; past it an alert is marked failed on that channel
ATTEMPTS_PER_RUN = 3
BACKOFF_SECONDS = (0.5, 2.0)
WEBHOOK_TIMEOUT = (5.0, 15.0)  # connect, read
_ENV_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def expand_env(template: str) -> str:
    """Replace ``${VAR}`` with the environment's value; a missing one is an error."""
    def value(match: re.Match) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise DeliveryError(f"environment variable {name} is not set")
        return os.environ[name]
    return _ENV_VAR.sub(value, template)


class JsonlChannel:
    """Appends alerts to a file, one JSON object a line.

    The file itself says what it already holds, so an alert whose delivery
    was written but not recorded (a crash in between) is not written twice.
    """

    def __init__(self, path: Path):
        self.path = path
        self._written: set[str] | None = None

    def _ids_in_file(self) -> set[str]:
        if self._written is None:
            self._written = set()
            if self.path.exists():
                with self.path.open(encoding="utf-8") as handle:
                    for line in handle:
                        try:
                            self._written.add(json.loads(line)["alert_id"])
                        except (ValueError, KeyError, TypeError):
                            continue  # a line someone else wrote; leave it
        return self._written

    def send(self, alert: dict) -> None:
        if alert["alert_id"] in self._ids_in_file():
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(alert, ensure_ascii=False, default=str) + "\n")
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            raise DeliveryError(f"cannot write {self.path}: {exc.strerror or exc}") from None
        self._ids_in_file().add(alert["alert_id"])


class WebhookChannel:
    def __init__(self, url: str, session: requests.Session, user_agent: str):
        self.url = url
        self.session = session
        self.user_agent = user_agent

    def send(self, alert: dict) -> None:
        try:
            response = self.session.post(
                self.url, data=json.dumps(alert, default=str).encode("utf-8"), timeout=WEBHOOK_TIMEOUT,
                allow_redirects=False,
                headers={"Content-Type": "application/json", "Idempotency-Key": alert["alert_id"],
                         "User-Agent": self.user_agent})
        except requests.RequestException as exc:
            # The exception text may repeat the URL, secrets included: keep only its kind.
            raise DeliveryError(f"webhook unreachable ({type(exc).__name__})") from None
        if not 200 <= response.status_code < 300:
            raise DeliveryError(f"webhook answered HTTP {response.status_code}")


class AppriseChannel:
    def __init__(self, url: str):
        import apprise  # imported here: only configs with such channels pay for it

        self._apprise = apprise.Apprise()
        if not self._apprise.add(url):
            raise DeliveryError("apprise does not recognise this URL")

    def send(self, alert: dict) -> None:
        title = f"dealwatch: {alert['alert_type'].replace('_', ' ')}"
        if not self._apprise.notify(title=title, body=alert.get("summary") or alert["alert_id"]):
            raise DeliveryError("apprise could not deliver the notification")


def open_channel(template: str, session: requests.Session, user_agent: str):
    url = expand_env(template)
    parts = urlsplit(url)
    if parts.scheme == "jsonl":
        # jsonl:///abs/path.jsonl or jsonl://relative/path.jsonl
        return JsonlChannel(Path(parts.netloc + parts.path).expanduser())
    if parts.scheme in ("http", "https"):
        return WebhookChannel(url, session, user_agent)
    return AppriseChannel(url)


@dataclass
class DeliveryReport:
    delivered: int = 0
    failed_attempts: int = 0
    given_up: int = 0
    pending: int = 0
    errors: dict[str, str] = field(default_factory=dict)  # channel template -> last error


def _alert_message(row: tuple, columns: list[str]) -> dict:
    alert = dict(zip(columns, row))
    payload = alert.pop("payload", None)
    alert["deal"] = json.loads(payload) if isinstance(payload, str) else payload
    if isinstance(alert.get("created_at"), datetime):
        alert["created_at"] = alert["created_at"].isoformat()
    return alert


def deliver_pending(con: duckdb.DuckDBPyConnection, channels: Sequence[str], *,
                    user_agent: str = "dealwatch", sleep=time.sleep) -> DeliveryReport:
    """Send every pending alert to every channel still configured."""
    report = DeliveryReport()
    session = requests.Session()
    try:
        for template in channels:
            _deliver_channel(con, template, session, user_agent, report, sleep)
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


def _deliver_channel(con, template: str, session, user_agent: str, report: DeliveryReport, sleep) -> None:
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
        channel = open_channel(template, session, user_agent)
    except DeliveryError as exc:
        logger.warning("alert channel %s: %s", template, exc)
        report.errors[template] = str(exc)
        for row in rows:
            _record_failure(con, row[0], template, row[-1] + 1, str(exc), report)
        return
    for row in rows:
        alert = _alert_message(row[:-1], columns)
        attempts, error = row[-1], None
        for attempt in range(ATTEMPTS_PER_RUN):
            if attempt:
                sleep(BACKOFF_SECONDS[min(attempt - 1, len(BACKOFF_SECONDS) - 1)])
            attempts += 1
            try:
                channel.send(alert)
                error = None
                break
            except DeliveryError as exc:
                error = str(exc)
                report.failed_attempts += 1
            if attempts >= MAX_ATTEMPTS:
                break
        if error is None:
            con.execute("""
                update alert_deliveries set status = 'delivered', attempts = ?, last_error = null,
                       last_attempt_at = now(), delivered_at = now()
                where alert_id = ? and channel = ?""", [attempts, alert["alert_id"], template])
            report.delivered += 1
            continue
        logger.warning("alert channel %s: %s (alert %s stays pending)", template, error, alert["alert_id"])
        report.errors[template] = error
        _record_failure(con, alert["alert_id"], template, attempts, error, report)
        # The channel is down: the rest of its alerts wait for the next run
        # rather than each paying the timeouts again.
        return


def _record_failure(con, alert_id: str, template: str, attempts: int, error: str, report: DeliveryReport) -> None:
    status = "failed" if attempts >= MAX_ATTEMPTS else "pending"
    if status == "failed":
        report.given_up += 1
        logger.error("alert %s could not be delivered to %s after %d attempts; marked failed",
                     alert_id, template, attempts)
    con.execute("""
        update alert_deliveries set status = ?, attempts = ?, last_error = ?, last_attempt_at = now()
        where alert_id = ? and channel = ?""", [status, attempts, error, alert_id, template])
