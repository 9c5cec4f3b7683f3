"""Delivering the outbox: webhooks over real loopback HTTP, JSONL files, pending retries."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import duckdb
import pytest

from tests.test_warehouse import article, commit, mention, rows
from tests.conftest import utc
from warehouse.db import connect
from warehouse.delivery import ATTEMPTS_PER_RUN, deliver_pending


class Receiver:
    """A loopback webhook that answers 500 to its first ``failures`` requests."""

    def __init__(self, failures: int = 0):
        self.failures = failures
        self.requests: list[tuple[dict, dict]] = []  # (headers, body)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                receiver.requests.append((dict(self.headers), body))
                failing = len(receiver.requests) <= receiver.failures
                self.send_response(500 if failing else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def delivered_ids(self) -> list[str]:
        return [body["alert_id"] for _, body in self.requests]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver_factory():
    made = []

    def make(failures=0):
        made.append(Receiver(failures))
        return made[-1]

    yield make
    for r in made:
        r.close()


def one_deal_article(url="http://a.test/1", payee="CoreWeave"):
    return article(url, utc(2025, 3, 1), [mention("cloud_contract", "OpenAI", payee, amount=11.9e9)])


def deliver(db_path, channels):
    con = connect(db_path)
    try:
        return deliver_pending(con, channels, sleep=lambda s: None)
    finally:
        con.close()


def test_webhook_that_fails_once_gets_the_alert_once(db_path, receiver_factory):
    hook = receiver_factory(failures=1)
    commit(db_path, [one_deal_article()], channels=[hook.url])
    report = deliver(db_path, [hook.url])
    assert (report.delivered, report.pending, report.failed_attempts) == (1, 0, 1)
    (alert_id,) = rows(db_path, "select alert_id from alerts")[0]
    assert hook.delivered_ids() == [alert_id, alert_id]  # the failure, then the success
    assert {h["Idempotency-Key"] for h, _ in hook.requests} == {alert_id}
    body = hook.requests[-1][1]
    assert body["alert_type"] == "new_deal" and body["deal"]["payee"] == "CoreWeave"
    # delivered once: later runs send nothing more
    assert deliver(db_path, [hook.url]).delivered == 0
    assert len(hook.requests) == 2
    assert rows(db_path, "select delivered_at is not null from alerts") == [(True,)]


def test_webhook_down_for_a_whole_run_stays_pending_then_delivers(db_path, receiver_factory):
    hook = receiver_factory(failures=ATTEMPTS_PER_RUN)
    commit(db_path, [one_deal_article()], channels=[hook.url])
    first = deliver(db_path, [hook.url])
    assert (first.delivered, first.pending) == (0, 1)
    assert rows(db_path, "select status, attempts, last_error from alert_deliveries") == [
        ("pending", ATTEMPTS_PER_RUN, "webhook answered HTTP 500")]
    second = deliver(db_path, [hook.url])
    assert (second.delivered, second.pending) == (1, 0)
    assert len(set(hook.delivered_ids())) == 1


def test_one_channel_down_holds_back_no_other(db_path, receiver_factory, tmp_path):
    down = "http://127.0.0.1:9/unreachable"  # the discard port: connection refused
    jsonl = f"jsonl://{tmp_path / 'alerts.jsonl'}"
    commit(db_path, [one_deal_article(), one_deal_article("http://b.test/2", "Oracle")], channels=[down, jsonl])
    report = deliver(db_path, [down, jsonl])
    assert report.delivered == 2
    lines = (tmp_path / "alerts.jsonl").read_text().splitlines()
    assert len(lines) == 2
    assert rows(db_path, "select channel, count(*) from alert_deliveries where status = 'pending' group by 1") == [
        (down, 2)]
    assert rows(db_path, "select count(*) from alerts where delivered_at is null") == [(2,)]


def test_jsonl_never_writes_an_alert_twice(db_path, tmp_path):
    path = tmp_path / "out" / "alerts.jsonl"
    channel = f"jsonl://{path}"
    commit(db_path, [one_deal_article()], channels=[channel])
    deliver(db_path, [channel])
    # A crash after writing the line but before recording it: the row is pending again.
    con = duckdb.connect(db_path)
    con.execute("update alert_deliveries set status = 'pending', delivered_at = null")
    con.execute("update alerts set delivered_at = null")
    con.close()
    assert deliver(db_path, [channel]).delivered == 1
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(lines) == 1 and lines[0]["summary"].startswith("New cloud contract: OpenAI -> CoreWeave")


def test_secret_in_env_var_is_never_stored(db_path, receiver_factory, monkeypatch):
    hook = receiver_factory()
    template = hook.url + "?token=${DEALWATCH_TEST_TOKEN}"
    commit(db_path, [one_deal_article()], channels=[template])
    missing = deliver(db_path, [template])
    assert missing.pending == 1 and "DEALWATCH_TEST_TOKEN is not set" in missing.errors[template]
    monkeypatch.setenv("DEALWATCH_TEST_TOKEN", "s3cret-value")
    assert deliver(db_path, [template]).delivered == 1
    assert hook.requests and hook.requests[0][1]["alert_type"] == "new_deal"
    con = duckdb.connect(db_path, read_only=True)
    dump = " ".join(str(r) for t in ("alerts", "alert_deliveries", "runs", "fetch_log")
                    for r in con.execute(f"select * from {t}").fetchall())
    con.close()
    assert "s3cret-value" not in dump and "${DEALWATCH_TEST_TOKEN}" in dump
