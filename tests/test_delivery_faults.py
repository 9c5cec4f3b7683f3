"""Alert delivery under faults, over real loopback sockets and a real DuckDB file.

A webhook that fails its first attempts (connection refused, HTTP 500, a read timeout) gets
every alert, each attempt with the same Idempotency-Key, and nothing after a success; one
that never answers well is given up after MAX_ATTEMPTS and reported; a process SIGKILLed
between delivering and recording causes at most one repeat, with the same id; secrets
expanded from ${VAR} reach neither the database nor the logs; `dealwatch alerts` shows the
state of every channel. Lines starting with ``DELIVERY|`` (``pytest -s``) are the figures.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from flows.output import print_frame
from tests.conftest import utc
from tests.test_cli import dealwatch
from tests.test_warehouse import article, commit, mention, rows
from warehouse import delivery
from warehouse.db import connect
from warehouse.delivery import (
    ATTEMPTS_PER_RUN,
    BACKOFF_BASE,
    BACKOFF_CEILING,
    BACKOFF_JITTER,
    MAX_ATTEMPTS,
    DeliveryReport,
    backoff_delay,
    deliver_pending,
)
from warehouse.queries import list_alerts

ROOT = Path(__file__).parent.parent
PAYEES = ("CoreWeave", "Oracle", "Nebius", "Lambda")


# --- a loopback webhook ----------------------------------------------------------------------------

@dataclass
class Answer:
    status: int = 204
    delay: float = 0.0  # seconds before answering: longer than the client's read timeout is a timeout
    headers: dict[str, str] = field(default_factory=dict)
    kill_sender: str = ""  # "before" or "after" answering: SIGKILL the pid the User-Agent names


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: dict


def sender_pid(headers: dict[str, str]) -> int:
    agent = headers["User-Agent"]
    assert agent.startswith("dealwatch-test-child/"), agent
    return int(agent.rsplit("/", 1)[1])


class Webhook:
    """Records every POST; ``answer(n, alert_id)`` decides the answer to the n-th (from 1).

    Made with a ``port`` it is not listening until :meth:`start`: until then a connection
    to it is refused.
    """

    def __init__(self, answer: Callable[[int, str], Answer] = lambda n, alert_id: Answer(), port: int = 0):
        self.answer = answer
        self.requests: list[Request] = []
        self.killed: list[int] = []
        self._lock = threading.Lock()
        self._port = port
        self.server: ThreadingHTTPServer | None = None
        if not port:
            self.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    @property
    def url(self) -> str:
        return self.base_url + "/hook"

    def start(self) -> None:
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with hook._lock:
                    hook.requests.append(Request(self.path, dict(self.headers), body))
                    answer = hook.answer(len(hook.requests), body.get("alert_id"))
                if answer.kill_sender == "before":
                    hook.kill(self.headers)
                    return  # the sender is dead: close without an answer
                time.sleep(answer.delay)
                try:
                    self.send_response(answer.status)
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    self.wfile.flush()
                except OSError:
                    return  # the client gave up waiting (a timeout)
                if answer.kill_sender == "after":
                    hook.kill(self.headers)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self._port), Handler)
        self._port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def kill(self, headers) -> None:
        pid = sender_pid(dict(headers))
        self.killed.append(pid)
        os.kill(pid, signal.SIGKILL)

    def ids(self) -> Counter:
        return Counter(r.body["alert_id"] for r in self.requests)

    def close(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()


@pytest.fixture
def hooks():
    made: list[Webhook] = []

    def make(*args, **kwargs) -> Webhook:
        made.append(Webhook(*args, **kwargs))
        return made[-1]

    yield make
    for hook in made:
        hook.close()


def free_port() -> int:
    """A port nothing listens on (until a Webhook made with it starts)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- the database and runs -------------------------------------------------------------------------

def raise_alerts(db_path: str, channels: list[str], count: int = 3, run_id: str = "run-1",
                 payer: str = "OpenAI") -> list[str]:
    """Commit ``count`` new deals of ``payer`` (one alert each) queued for ``channels``; their ids in
    delivery order."""
    before = {row[0] for row in rows(db_path, "select alert_id from alerts")} if Path(db_path).exists() else set()
    records = [article(f"http://news.test/{run_id}/{i}", utc(2025, 3, 1 + i),
                       [mention("cloud_contract", payer, payee, amount=1e9 * (i + 1))])
               for i, payee in enumerate(PAYEES[:count])]
    commit(db_path, records, run_id=run_id, channels=channels)
    ids = [row[0] for row in rows(db_path, "select alert_id from alerts order by created_at, alert_id")]
    new = [i for i in ids if i not in before]
    assert len(new) == count
    return new


class Runs:
    """Successive delivery runs in this process, each on its own connection, as `dealwatch run` does.
    Sleeps are recorded, not slept; ``on_sleep`` lets a test change the world between attempts."""

    def __init__(self, db_path: str, channels: list[str]):
        self.db_path, self.channels = db_path, channels
        self.reports: list[DeliveryReport] = []
        self.sleeps: list[list[float]] = []
        self.on_sleep: Callable[[], None] | None = None

    def __call__(self) -> DeliveryReport:
        slept: list[float] = []
        self.sleeps.append(slept)

        def sleep(seconds: float) -> None:
            slept.append(seconds)
            if self.on_sleep:
                self.on_sleep()

        con = connect(self.db_path)
        try:
            self.reports.append(deliver_pending(con, self.channels, sleep=sleep))
        finally:
            con.close()
        return self.reports[-1]

    def failed_attempts(self) -> int:
        """Failed attempts so far; during a run, exact while every failure falls on one alert
        (each sleep follows one failure, and a run ends after the last failure without one)."""
        return sum(r.failed_attempts for r in self.reports) + (len(self.sleeps[-1]) if self.sleeps else 0)


def delivery_rows(db_path: str, channel: str) -> dict[str, tuple]:
    return {r[0]: r[1:] for r in rows(
        db_path, f"select alert_id, status, attempts from alert_deliveries where channel = '{channel}'")}


def assert_same_key_on_every_attempt(hook: Webhook) -> None:
    for request in hook.requests:
        assert request.headers["Idempotency-Key"] == request.body["alert_id"]
        assert request.headers["Content-Type"] == "application/json"


# --- a webhook failing its first N attempts --------------------------------------------------------

FAILURES = ATTEMPTS_PER_RUN + 1  # more than one run's worth: the first run ends with every alert pending
READ_TIMEOUT = 0.2


@pytest.mark.parametrize("fault", ["connection refused", "HTTP 500", "read timeout"])
def test_webhook_failing_its_first_attempts_gets_every_alert_once(fault, db_path, hooks, monkeypatch):
    monkeypatch.setattr(delivery, "WEBHOOK_TIMEOUT", (2.0, READ_TIMEOUT))
    if fault == "connection refused":
        hook = hooks(port=free_port())
    elif fault == "HTTP 500":
        hook = hooks(lambda n, alert_id: Answer(500) if n <= FAILURES else Answer(204))
    else:
        hook = hooks(lambda n, alert_id: Answer(200, delay=READ_TIMEOUT + 0.3 if n <= FAILURES else 0))
    alert_ids = raise_alerts(db_path, [hook.url])
    run = Runs(db_path, [hook.url])
    if fault == "connection refused":
        def start_after_the_last_refusal() -> None:  # the server starts on that port after the N-th refusal
            if hook.server is None and run.failed_attempts() == FAILURES:
                hook.start()

        run.on_sleep = start_after_the_last_refusal

    first = run()
    assert (first.delivered, first.pending, first.failed_attempts) == (0, 3, ATTEMPTS_PER_RUN)
    expected_error = {"connection refused": "webhook unreachable (ConnectionError)",
                      "HTTP 500": "webhook answered HTTP 500",
                      "read timeout": "webhook unreachable (ReadTimeout)"}[fault]
    assert first.errors == {hook.url: expected_error}
    # the first alert failed every attempt of the run; the channel being down, the others waited untried
    assert delivery_rows(db_path, hook.url) == {alert_ids[0]: ("pending", ATTEMPTS_PER_RUN),
                                                alert_ids[1]: ("pending", 0), alert_ids[2]: ("pending", 0)}

    second = run()
    assert (second.delivered, second.pending) == (3, 0)
    assert delivery_rows(db_path, hook.url) == {alert_ids[0]: ("delivered", FAILURES + 1),
                                                alert_ids[1]: ("delivered", 1), alert_ids[2]: ("delivered", 1)}
    assert rows(db_path, "select count(*) from alerts where delivered_at is null") == [(0,)]

    # The receiver has every alert; a refused connection never reached it, the other faults did.
    assert set(hook.ids()) == set(alert_ids)
    reached = 1 if fault == "connection refused" else FAILURES + 1
    assert hook.ids() == Counter({alert_ids[0]: reached, alert_ids[1]: 1, alert_ids[2]: 1})
    assert_same_key_on_every_attempt(hook)
    assert hook.requests[-1].body["deal"]["payee"] in PAYEES

    # After a success nothing is ever sent again.
    seen = len(hook.requests)
    assert run().delivered == 0
    assert len(hook.requests) == seen

    # Backoff between attempts of a run: exponential, a little jitter.
    for slept in run.sleeps[:2]:
        for retry, seconds in enumerate(slept, start=1):
            assert BACKOFF_BASE * 2 ** (retry - 1) <= seconds <= BACKOFF_BASE * 2 ** (retry - 1) * (1 + BACKOFF_JITTER)
    print(f"\nDELIVERY|{fault}|fails first {FAILURES} attempts|first alert delivered at attempt "
          f"{FAILURES + 1} in run 2|requests received {len(hook.requests)} for 3 alerts|repeats after success 0")


@pytest.mark.parametrize("retry, rand, expected", [
    (1, 0.0, BACKOFF_BASE), (2, 0.0, 2 * BACKOFF_BASE), (3, 0.0, 4 * BACKOFF_BASE),
    (1, 1.0, BACKOFF_BASE * (1 + BACKOFF_JITTER)), (3, 1.0, 4 * BACKOFF_BASE * (1 + BACKOFF_JITTER)),
    (20, 0.0, BACKOFF_CEILING), (20, 1.0, BACKOFF_CEILING),
])
def test_backoff_doubles_with_jitter_up_to_a_ceiling(retry, rand, expected):
    assert backoff_delay(retry, rand=lambda: rand) == pytest.approx(expected)


def http_date(seconds_from_now: float) -> str:
    return format_datetime(datetime.now(UTC) + timedelta(seconds=seconds_from_now), usegmt=True)


@pytest.mark.parametrize("status, retry_after, low, high", [
    (429, "7", 7.0, 7.0),
    (503, "3600", BACKOFF_CEILING, BACKOFF_CEILING),  # honoured up to the ceiling only
    (503, "an HTTP date 20 s ahead", 15.0, 20.0),
    (429, None, BACKOFF_BASE, BACKOFF_BASE * (1 + BACKOFF_JITTER)),  # no header: the plain backoff
    (429, "soon", BACKOFF_BASE, BACKOFF_BASE * (1 + BACKOFF_JITTER)),  # unreadable: ignored
])
def test_retry_after_of_a_busy_webhook_is_honoured_up_to_the_ceiling(status, retry_after, low, high, db_path,
                                                                     hooks):
    def answer(n: int, alert_id: str) -> Answer:
        if n > 1:
            return Answer(204)
        value = http_date(20) if retry_after == "an HTTP date 20 s ahead" else retry_after
        return Answer(status, headers={"Retry-After": value} if value else {})

    hook = hooks(answer)
    (alert_id,) = raise_alerts(db_path, [hook.url], count=1)
    run = Runs(db_path, [hook.url])
    assert run().delivered == 1
    (slept,) = run.sleeps[0]
    assert low <= slept <= high
    assert hook.ids() == Counter({alert_id: 2})


# --- the cap ---------------------------------------------------------------------------------------

def run_until_settled(run: Runs, limit: int = 30) -> int:
    """Deliver run after run until nothing is pending; the number of runs it took."""
    for count in range(1, limit + 1):
        if run().pending == 0:
            return count
    raise AssertionError(f"still pending after {limit} runs")


def test_webhook_that_always_fails_is_given_up_after_max_attempts(db_path, hooks, tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="warehouse.delivery")
    broken = hooks(lambda n, alert_id: Answer(500))
    healthy = hooks()
    jsonl_path = tmp_path / "alerts.jsonl"
    channels = [broken.url, healthy.url, f"jsonl://{jsonl_path}"]
    alert_ids = raise_alerts(db_path, channels, count=2)
    run = Runs(db_path, channels)

    runs = run_until_settled(run)
    per_alert_runs = -(-MAX_ATTEMPTS // ATTEMPTS_PER_RUN)  # ceil: one alert at a time while the channel is down
    assert runs == 2 * per_alert_runs
    assert broken.ids() == Counter({alert_id: MAX_ATTEMPTS for alert_id in alert_ids})
    assert_same_key_on_every_attempt(broken)
    assert delivery_rows(db_path, broken.url) == {a: ("failed", MAX_ATTEMPTS) for a in alert_ids}
    assert rows(db_path, f"select distinct last_error from alert_deliveries where channel = '{broken.url}'") == [
        ("webhook answered HTTP 500",)]
    # reported: in the run reports and at ERROR, once per alert
    assert sum(r.given_up for r in run.reports) == 2
    assert [r.given_up for r in run.reports].count(1) == 2
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 2
    for alert_id, message in zip(alert_ids, errors):
        assert alert_id in message and broken.url in message and "marked failed" in message

    # The other channels got each alert once, in the first run, and were never repeated.
    assert healthy.ids() == Counter(alert_ids)
    assert [json.loads(line)["alert_id"] for line in jsonl_path.read_text().splitlines()] == alert_ids
    assert run.reports[0].delivered == 4
    assert delivery_rows(db_path, healthy.url) == {a: ("delivered", 1) for a in alert_ids}

    # Failed is final: another run sends nothing anywhere.
    sent = len(broken.requests), len(healthy.requests)
    again = run()
    assert (again.delivered, again.given_up, again.failed_attempts) == (0, 0, 0)
    assert (len(broken.requests), len(healthy.requests)) == sent
    # not delivered to every channel: the alerts are still listed as pending, with the reason
    assert rows(db_path, "select count(*) from alerts where delivered_at is null") == [(2,)]
    listed = list_alerts(db_path, pending_only=True)
    assert list(listed["alert_id"]) == alert_ids
    for deliveries in listed["deliveries"]:
        states = {d["channel"]: (d["status"], d["attempts"], d["last_error"]) for d in deliveries}
        assert states == {broken.url: ("failed", MAX_ATTEMPTS, "webhook answered HTTP 500"),
                          healthy.url: ("delivered", 1, None), f"jsonl://{jsonl_path}": ("delivered", 1, None)}
    print(f"\nDELIVERY|always HTTP 500|given up after {MAX_ATTEMPTS} attempts per alert over {per_alert_runs} runs"
          f"|2 alerts settled in {runs} runs|other channels: each alert once")


def test_webhook_refusing_one_alert_holds_back_no_other(db_path, hooks):
    refused: list[str] = []
    hook = hooks(lambda n, alert_id: Answer(422) if alert_id in refused else Answer(204))
    alert_ids = raise_alerts(db_path, [hook.url])
    refused.append(alert_ids[0])  # the first in line
    run = Runs(db_path, [hook.url])

    first = run()
    # a refusal is about that alert: the channel is up, the rest go through in the same run
    assert (first.delivered, first.pending) == (2, 1)
    runs = run_until_settled(run)
    assert 1 + runs == MAX_ATTEMPTS  # one attempt per run for the refused one
    assert hook.ids() == Counter({alert_ids[0]: MAX_ATTEMPTS, alert_ids[1]: 1, alert_ids[2]: 1})
    assert delivery_rows(db_path, hook.url)[alert_ids[0]] == ("failed", MAX_ATTEMPTS)


# --- killed between delivering and recording -------------------------------------------------------

def child(db_path: str, *channels: str, hold_after_writing: int = 0) -> subprocess.Popen:
    extra = ["--hold-after-writing", str(hold_after_writing)] if hold_after_writing else []
    return subprocess.Popen([sys.executable, "-m", "tests.delivery_child", db_path, *channels, *extra],
                            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def finish(process: subprocess.Popen) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=60)
    return process.returncode, out, err


@pytest.mark.parametrize("kill", ["before", "after"])
def test_webhook_sender_killed_before_recording_repeats_at_most_once(kill, db_path, hooks):
    victim: list[str] = []  # the second alert: the first is delivered and recorded before the kill

    def answer(n: int, alert_id: str) -> Answer:
        if not victim and len({r.body["alert_id"] for r in hook.requests}) == 2:
            victim.append(alert_id)
            return Answer(204, kill_sender=kill)
        return Answer(204)

    hook = hooks(answer)
    alert_ids = raise_alerts(db_path, [hook.url], count=4)

    killed = child(db_path, hook.url)
    code, out, err = finish(killed)
    assert code == -signal.SIGKILL, err[-2000:]
    assert hook.killed == [killed.pid]  # the pid from the User-Agent was that child's
    assert victim == [alert_ids[1]]
    after_kill = delivery_rows(db_path, hook.url)
    assert after_kill[alert_ids[0]] == ("delivered", 1)
    if kill == "before":  # the receiver has it, the database never recorded it
        assert after_kill[alert_ids[1]] == ("pending", 0)
        assert after_kill[alert_ids[2]] == after_kill[alert_ids[3]] == ("pending", 0)

    code, out, err = finish(child(db_path, hook.url))
    assert code == 0, err[-2000:]
    report = json.loads(out.splitlines()[-1])
    counts = hook.ids()
    assert report["delivered"] == (3 if counts[alert_ids[1]] == 2 else 2) and report["pending"] == 0
    assert set(counts) == set(alert_ids)
    assert counts[alert_ids[1]] <= 2 and all(counts[a] == 1 for a in alert_ids if a != alert_ids[1])
    if kill == "before":
        assert counts[alert_ids[1]] == 2
    repeats = [r for r in hook.requests if r.body["alert_id"] == alert_ids[1]]
    assert {r.headers["Idempotency-Key"] for r in repeats} == {alert_ids[1]}
    assert_same_key_on_every_attempt(hook)
    assert delivery_rows(db_path, hook.url) == {a: ("delivered", 1) for a in alert_ids}
    assert rows(db_path, "select count(*) from alerts where delivered_at is null") == [(0,)]
    print(f"\nDELIVERY|webhook, kill {kill} answering|duplicates {counts[alert_ids[1]] - 1} "
          f"(same Idempotency-Key)|other alerts exactly once")


def test_jsonl_writer_killed_before_recording_writes_each_alert_once(db_path, tmp_path):
    path = tmp_path / "out" / "alerts.jsonl"
    channel = f"jsonl://{path}"
    alert_ids = raise_alerts(db_path, [channel], count=4)

    killed = child(db_path, channel, hold_after_writing=2)
    line = killed.stdout.readline().strip()
    assert line == f"wrote {alert_ids[1]}", killed.stderr.read()[-2000:] if not line else line
    os.kill(killed.pid, signal.SIGKILL)  # the line is in the file, the database does not know
    code, _, _ = finish(killed)
    assert code == -signal.SIGKILL
    assert [json.loads(line)["alert_id"] for line in path.read_text().splitlines()] == alert_ids[:2]
    assert delivery_rows(db_path, channel) == {alert_ids[0]: ("delivered", 1), alert_ids[1]: ("pending", 0),
                                               alert_ids[2]: ("pending", 0), alert_ids[3]: ("pending", 0)}

    code, out, err = finish(child(db_path, channel))
    assert code == 0, err[-2000:]
    assert json.loads(out.splitlines()[-1])["delivered"] == 3
    written = [json.loads(line)["alert_id"] for line in path.read_text().splitlines()]
    assert written == alert_ids  # each exactly once, in order
    assert delivery_rows(db_path, channel) == {a: ("delivered", 1) for a in alert_ids}
    print("\nDELIVERY|jsonl, kill after writing|duplicates 0|each alert exactly once")


def test_jsonl_line_cut_short_by_a_crash_does_not_swallow_the_next(db_path, tmp_path):
    path = tmp_path / "alerts.jsonl"
    path.write_text('{"alert_id": "cut-sh')  # what a crash in the middle of a write leaves
    channel = f"jsonl://{path}"
    alert_ids = raise_alerts(db_path, [channel], count=2)
    assert Runs(db_path, [channel])().delivered == 2
    lines = path.read_text().splitlines()
    assert lines[0] == '{"alert_id": "cut-sh'
    assert [json.loads(line)["alert_id"] for line in lines[1:]] == alert_ids


# --- secrets ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("scheme", ["http", "json"])  # a plain webhook, and apprise's JSON plugin
def test_expanded_secrets_reach_neither_the_database_nor_the_logs(scheme, db_path, hooks, monkeypatch, caplog):
    token, key = f"tok-{uuid.uuid4().hex}", f"key-{uuid.uuid4().hex}"
    monkeypatch.setenv("HOOK_TOKEN", token)
    monkeypatch.setenv("HOOK_KEY", key)
    for name in (None, "urllib3", "apprise"):  # the libraries log the URLs they send to at DEBUG
        caplog.set_level(logging.DEBUG, logger=name)
    hook = hooks(port=free_port())  # down at first: connection refused
    template = f"{scheme}://127.0.0.1:{hook.base_url.rsplit(':', 1)[1]}/hooks/${{HOOK_TOKEN}}/in" + (
        "?key=${HOOK_KEY}" if scheme == "http" else "")
    raise_alerts(db_path, [template], count=1)
    run = Runs(db_path, [template])

    down = run()
    assert (down.delivered, down.pending) == (0, 1)
    hook.start()
    assert run().delivered == 1
    # the secret was expanded on the way out
    assert hook.requests[0].path == f"/hooks/{token}/in" + (f"?key={key}" if scheme == "http" else "")

    con = connect(db_path, read_only=True)
    try:
        stored = " ".join(str(row) for table in ("alerts", "alert_deliveries", "runs", "fetch_log")
                          for row in con.execute(f"select * from {table}").fetchall())
    finally:
        con.close()
    logged = caplog.text + " ".join(str(r.exc_text) for r in caplog.records)
    reported = json.dumps([r.errors for r in run.reports])
    listed = list_alerts(db_path).to_json()
    for secret in (token, key):
        for where, text in (("database", stored), ("logs", logged), ("report", reported), ("listing", listed)):
            assert secret not in text, f"secret in the {where}"
    assert "${HOOK_TOKEN}" in stored
    assert "/hooks/***/in" in logged  # the library logged the URL, and it was scrubbed
    assert any(r.levelno >= logging.WARNING and r.name == "warehouse.delivery" for r in caplog.records)


# --- listing: dealwatch alerts [--pending] ---------------------------------------------------------

def test_list_alerts_shows_every_channel_state(db_path, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # short channel names keep the table lines whole
    monkeypatch.setattr(delivery, "MAX_ATTEMPTS", ATTEMPTS_PER_RUN)  # given up within one run
    monkeypatch.setenv("HOOK_TOKEN", "list-alerts-secret")
    jsonl, down = "jsonl://a.jsonl", f"http://127.0.0.1:{free_port()}/${{HOOK_TOKEN}}"
    failed, waiting = raise_alerts(db_path, [jsonl, down], count=2, run_id="run-1")
    (everywhere,) = raise_alerts(db_path, [jsonl], count=1, run_id="run-2", payer="Anthropic")
    # no channel configured when it was raised: nothing to deliver, so never pending
    (nowhere,) = raise_alerts(db_path, [], count=1, run_id="run-3", payer="Mistral")
    Runs(db_path, [jsonl, down])()

    frame = list_alerts(db_path)
    by_id = {row.alert_id: row for row in frame.itertuples()}
    assert len(frame) == 4
    assert by_id[failed].delivery.splitlines() == [
        f"{down}: failed, 3 attempts: webhook unreachable (ConnectionError)", f"{jsonl}: delivered, 1 attempt"]
    assert by_id[waiting].delivery.splitlines() == [f"{down}: pending, not tried yet",
                                                    f"{jsonl}: delivered, 1 attempt"]
    assert by_id[everywhere].delivery == f"{jsonl}: delivered, 1 attempt"
    assert by_id[nowhere].delivery == "" and list(by_id[nowhere].deliveries) == []
    assert by_id[everywhere].delivered_at is not None and str(by_id[failed].delivered_at) == "NaT"

    pending = list_alerts(db_path, pending_only=True)
    assert sorted(pending["alert_id"]) == sorted([failed, waiting])

    # JSON: the per-channel state as records
    print_frame(pending, "json")
    records = {r["alert_id"]: r for r in json.loads(capsys.readouterr().out)}
    failed_state = records[failed]["deliveries"][0]
    assert {k: failed_state[k] for k in ("channel", "status", "attempts", "last_error")} == {
        "channel": down, "status": "failed", "attempts": 3, "last_error": "webhook unreachable (ConnectionError)"}
    assert failed_state["last_attempt_at"].endswith("Z") and failed_state["delivered_at"] is None
    assert records[waiting]["deliveries"][1]["status"] == "delivered"
    assert records[waiting]["deliveries"][1]["delivered_at"]

    # The table the CLI prints: one line per channel in the delivery column.
    from flows.cli import ALERT_TABLE_COLUMNS
    print_frame(pending, "table", title="alerts", columns=ALERT_TABLE_COLUMNS)
    table = capsys.readouterr().out
    assert "failed, 3 attempts: webhook unreachable (ConnectionError)" in table
    assert table.count(f"{jsonl}: delivered, 1 attempt") == 2 and "pending, not tried yet" in table
    assert "list-alerts-secret" not in table


def test_dealwatch_alerts_pending_through_the_console_script(db_path, tmp_path):
    jsonl, down = f"jsonl://{tmp_path / 'a.jsonl'}", f"http://127.0.0.1:{free_port()}/hook"
    first, _ = raise_alerts(db_path, [jsonl, down], count=2)
    raise_alerts(db_path, [jsonl], count=1, run_id="run-2", payer="Anthropic")  # delivered everywhere
    Runs(db_path, [jsonl, down])()
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    result = dealwatch("alerts", "--db", db_path, "--pending", "--format", "json", env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    listed = json.loads(result.stdout)
    assert len(listed) == 2
    states = {(d["channel"], d["status"], d["attempts"]) for d in listed[0]["deliveries"]}
    assert listed[0]["alert_id"] == first
    assert states == {(down, "pending", ATTEMPTS_PER_RUN), (jsonl, "delivered", 1)}
    everything = json.loads(dealwatch("alerts", "--db", db_path, "--format", "json", env=env).stdout)
    assert len(everything) == 3
