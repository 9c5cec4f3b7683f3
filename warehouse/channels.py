"""The places alerts go: a JSONL file, a plain webhook, or any apprise service.

A channel is written in the config as a URL template; ``${VAR}`` in it is
replaced by the environment's value only here, when the channel is opened, so
the template (what the database stores) never holds a secret. Every error a
channel raises says what went wrong without repeating the URL.
"""

from __future__ import annotations

import json
import logging
import os
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

import requests

from warehouse.errors import DeliveryError

logger = logging.getLogger(__name__)

_ENV_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class AlertRefused(DeliveryError):
    """The channel is up but refuses this alert (a 4xx answer): the next alert may still go through."""


class ChannelBusy(DeliveryError):
    """The channel asked us to come back later (429 or 503), perhaps saying when."""

    def __init__(self, message: str, retry_after: float | None):
        super().__init__(message)
        self.retry_after = retry_after


class Channel(Protocol):
    def send(self, alert: dict) -> None: ...


def expand_env(template: str) -> str:
    """Replace ``${VAR}`` with the environment's value; a missing one is an error."""
    def value(match: re.Match) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise DeliveryError(f"environment variable {name} is not set")
        return os.environ[name]
    return _ENV_VAR.sub(value, template)


def secret_values(templates) -> set[str]:
    """The values ``${VAR}`` expands to in these templates (those set in the environment)."""
    return {os.environ[name] for template in templates for name in _ENV_VAR.findall(template)
            if os.environ.get(name)}


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
                            continue  # a line someone else wrote, or one cut short by a crash
        return self._written

    def send(self, alert: dict) -> None:
        if alert["alert_id"] in self._ids_in_file():
            return
        line = json.dumps(alert, ensure_ascii=False, default=str) + "\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a+b") as handle:
                size = handle.seek(0, os.SEEK_END)
                if size:
                    handle.seek(size - 1)
                    if handle.read(1) != b"\n":
                        line = "\n" + line  # a line cut short by a crash must not swallow this one
                handle.write(line.encode("utf-8"))
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            raise DeliveryError(f"cannot write {self.path}: {exc.strerror or exc}") from None
        self._ids_in_file().add(alert["alert_id"])


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class WebhookChannel:
    """POSTs the alert as JSON with an ``Idempotency-Key`` equal to its ``alert_id``: every
    attempt for one alert carries the same key, so the receiver can drop a repeat."""

    def __init__(self, url: str, session: requests.Session, user_agent: str, timeout: tuple[float, float]):
        self.url = url
        self.session = session
        self.user_agent = user_agent
        self.timeout = timeout

    def send(self, alert: dict) -> None:
        try:
            response = self.session.post(
                self.url, data=json.dumps(alert, default=str).encode("utf-8"), timeout=self.timeout,
                allow_redirects=False,
                headers={"Content-Type": "application/json", "Idempotency-Key": alert["alert_id"],
                         "User-Agent": self.user_agent})
        except requests.RequestException as exc:
            # The exception text repeats the URL, secrets included: keep only its kind.
            raise DeliveryError(f"webhook unreachable ({type(exc).__name__})") from None
        status = response.status_code
        if 200 <= status < 300:
            return
        if status in (429, 503):
            raise ChannelBusy(f"webhook answered HTTP {status}", _retry_after(response.headers.get("Retry-After")))
        if 400 <= status < 500 and status != 408:
            raise AlertRefused(f"webhook answered HTTP {status}")
        raise DeliveryError(f"webhook answered HTTP {status}")


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


def open_channel(template: str, session: requests.Session, user_agent: str,
                 timeout: tuple[float, float]) -> Channel:
    url = expand_env(template)
    parts = urlsplit(url)
    if parts.scheme == "jsonl":
        # jsonl:///abs/path.jsonl or jsonl://relative/path.jsonl
        return JsonlChannel(Path(parts.netloc + parts.path).expanduser())
    if parts.scheme in ("http", "https"):
        return WebhookChannel(url, session, user_agent, timeout)
    return AppriseChannel(url)
