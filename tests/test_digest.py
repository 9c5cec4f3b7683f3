"""The daily digest: which alerts it sums up, its stable id, its delivery, and the run lock.

Alerts are written by hand into a real DuckDB file, so each case says exactly
what the 24-hour window holds; the flow tests run the real Prefect flow with a
JSONL channel and a webhook served on loopback.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from flows.digest import daily_digest, digest_window_end
from tests.conftest import utc
from tests.test_delivery import Receiver
from warehouse.db import connect, run_lock, transaction
from warehouse.digest import raise_digest
from warehouse.errors import WarehouseLocked

WINDOW_END = utc(2025, 6, 2, 8, 0)


def add_alert(db: str, alert_id: str, alert_type: str, created_at: datetime, summary: str | None = None) -> None:
    con = connect(db)
    try:
        con.execute("insert into alerts (alert_id, alert_type, created_at, summary) values (?, ?, ?, ?)",
                    [alert_id, alert_type, created_at, summary if summary is not None else f"about {alert_id}"])
    finally:
        con.close()


def digest_of(db: str, window_end: datetime = WINDOW_END, channels: tuple[str, ...] = (), **kwargs):
    con = connect(db)
    try:
        with transaction(con):
            return raise_digest(con, window_end, "test-run", channels, **kwargs)
    finally:
        con.close()


def rows(db: str, sql: str, params: list | None = None) -> list[tuple]:
    con = connect(db, read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def day_id(day: str) -> str:
    return hashlib.md5(f"daily_digest|{day}".encode()).hexdigest()


# -- what the digest sums up ------------------------------------------------------------------------

# (alert type, hours before the window's end) -> in the digest?
WINDOW_CASES = [
    ("new_deal", 1, True),
    ("new_deal", 23.99, True),
    ("new_deal", 24, True),          # the window's start is included
    ("new_deal", 24.01, False),      # older than 24 hours
    ("new_deal", 0, False),          # the window's end is excluded (it is the next digest's)
    ("new_deal", -1, False),         # after the window
    ("deal_changed", 2, True),
    ("new_circular_deal", 3, True),
    ("deal_merged", 4, True),        # a type added later: counted without code changes
    ("daily_digest", 5, False),      # a digest never sums up digests
]


@pytest.mark.parametrize("alert_type, hours_before, included", WINDOW_CASES)
def test_window_and_types(db_path, alert_type, hours_before, included):
    add_alert(db_path, "a1", alert_type, WINDOW_END - timedelta(hours=hours_before), "the one alert")
    digest = digest_of(db_path)
    assert digest.alert_count == (1 if included else 0)
    assert ("the one alert" in digest.summary) is included


def test_an_empty_day_still_sends_one_digest_that_says_so(db_path):
    digest = digest_of(db_path, channels=("jsonl:///tmp/x.jsonl",))
    assert digest.raised and digest.alert_count == 0
    assert digest.summary == "Daily digest, 24 hours to 2025-06-02 08:00 UTC: no new or changed deals."
    assert rows(db_path, "select alert_type, deal_id from alerts") == [("daily_digest", None)]
    assert rows(db_path, "select count(*) from alert_deliveries") == [(1,)]


def test_grouped_by_type_new_deals_first_then_changes_then_the_rest(db_path):
    for i, alert_type in enumerate(["zz_custom", "deal_changed", "new_deal", "new_circular_deal", "new_deal"]):
        add_alert(db_path, f"a{i}", alert_type, WINDOW_END - timedelta(hours=10 - i), f"line {i}")
    digest = digest_of(db_path)
    headline, *sections = digest.summary.split("\n\n")
    assert headline == ("Daily digest, 24 hours to 2025-06-02 08:00 UTC: new deals: 2, deal changes: 1, "
                        "new circular deals: 1, zz custom: 1.")
    assert sections == ["new deals (2):\n- line 2\n- line 4", "deal changes (1):\n- line 1",
                        "new circular deals (1):\n- line 3", "zz custom (1):\n- line 0"]
    payload = json.loads(rows(db_path, "select payload from alerts where alert_id = ?", [digest.alert_id])[0][0])
    assert [(g["alert_type"], g["alert_count"]) for g in payload["groups"]] == [
        ("new_deal", 2), ("deal_changed", 1), ("new_circular_deal", 1), ("zz_custom", 1)]
    assert (payload["window_start"], payload["window_end"]) == ("2025-06-01T08:00:00Z", "2025-06-02T08:00:00Z")


def test_long_days_are_cut_in_the_text_but_whole_in_the_payload(db_path):
    for i in range(7):
        add_alert(db_path, f"a{i}", "new_deal", WINDOW_END - timedelta(minutes=60 - i), f"deal {i}")
    digest = digest_of(db_path, max_lines=3)
    assert digest.summary.endswith("new deals (7):\n- deal 0\n- deal 1\n- deal 2\n- ... and 4 more")
    payload = json.loads(rows(db_path, "select payload from alerts where alert_id = ?", [digest.alert_id])[0][0])
    assert [a["summary"] for a in payload["groups"][0]["alerts"]] == [f"deal {i}" for i in range(7)]


# -- one digest a day -------------------------------------------------------------------------------

@pytest.mark.parametrize("first, second, same_day", [
    (utc(2025, 6, 2, 8, 0), utc(2025, 6, 2, 8, 0), True),      # the same run twice
    (utc(2025, 6, 2, 8, 0), utc(2025, 6, 2, 23, 59), True),    # a manual run later that day
    (utc(2025, 6, 2, 0, 0), utc(2025, 6, 2, 8, 0), True),
    (utc(2025, 6, 2, 8, 0), utc(2025, 6, 3, 8, 0), False),     # the next day
    (utc(2025, 6, 2, 23, 59), utc(2025, 6, 3, 0, 0), False),
])
def test_one_digest_per_utc_day(db_path, first, second, same_day):
    add_alert(db_path, "a1", "new_deal", first - timedelta(hours=1))
    one = digest_of(db_path, first, channels=("jsonl:///tmp/x.jsonl",))
    two = digest_of(db_path, second, channels=("jsonl:///tmp/x.jsonl",))
    assert one.raised and one.alert_id == day_id(first.date().isoformat())
    assert two.raised is not same_day
    assert (two.alert_id == one.alert_id) is same_day
    assert rows(db_path, "select count(*) from alerts where alert_type = 'daily_digest'") == [(1 if same_day else 2,)]
    assert rows(db_path, "select count(*) from alert_deliveries") == [(1 if same_day else 2,)]
    if same_day:  # a second run reports the digest users already have
        assert two.summary == one.summary


def test_the_day_is_the_utc_day_whatever_the_session_time_zone(db_path):
    con = connect(db_path)
    try:
        con.execute("set TimeZone = 'America/Los_Angeles'")  # 2025-06-02 01:00 UTC is June 1st there
        with transaction(con):
            digest = raise_digest(con, utc(2025, 6, 2, 1, 0), "run", ())
    finally:
        con.close()
    assert digest.alert_id == day_id("2025-06-02")
    assert "24 hours to 2025-06-02 01:00 UTC" in digest.summary


def test_a_delivery_row_per_channel(db_path):
    channels = ("jsonl:///tmp/a.jsonl", "https://hooks.example.com/${TOKEN}")
    digest = digest_of(db_path, channels=channels)
    assert sorted(rows(db_path, "select channel, status, attempts from alert_deliveries where alert_id = ?",
                       [digest.alert_id])) == sorted((c, "pending", 0) for c in channels)


@pytest.mark.parametrize("as_of, expected", [
    (datetime(2025, 6, 2, 8, 0), utc(2025, 6, 2, 8, 0)),                               # naive means UTC
    (datetime(2025, 6, 2, 10, 0, tzinfo=timezone(timedelta(hours=2))), utc(2025, 6, 2, 8, 0)),
])
def test_window_end_from_as_of(as_of, expected):
    assert digest_window_end(as_of) == expected


# -- the flow -------------------------------------------------------------------------------------

def write_config(path: Path, channels: list[str]) -> Path:
    urls = ", ".join(f'"{c}"' for c in channels)
    path.write_text(f'[[feeds]]\nurl = "https://example.com/feed.xml"\n\n[alerts]\nurls = [{urls}]\n',
                    encoding="utf-8")
    return path


@pytest.mark.slow
def test_flow_delivers_the_digest_once_to_every_channel(prefect, tmp_path, db_path):
    as_of = datetime.now(timezone.utc)
    add_alert(db_path, "n1", "new_deal", as_of - timedelta(hours=3), "New investment: A -> B $1B [announced]")
    add_alert(db_path, "c1", "deal_changed", as_of - timedelta(hours=2), "A -> B amount: $1B -> $2B")
    # (no delivery rows: those two were their own run's business; only the digest is sent here)
    jsonl = tmp_path / "alerts.jsonl"
    hook = Receiver()
    try:
        config = write_config(tmp_path / "dealwatch.toml", [f"jsonl://{jsonl}", hook.url])
        first = daily_digest(config_path=str(config), db_path=db_path, as_of=as_of)
        second = daily_digest(config_path=str(config), db_path=db_path, as_of=as_of + timedelta(minutes=5))
    finally:
        hook.close()

    assert first.raised and not second.raised and first.alert_id == second.alert_id
    assert (first.alert_count, first.alerts_delivered, first.alerts_pending) == (2, 2, 0)
    assert (second.alerts_delivered, second.alerts_pending) == (0, 0)
    lines = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    assert [(line["alert_id"], line["alert_type"]) for line in lines] == [(first.alert_id, "daily_digest")]
    assert "new deals: 1, deal changes: 1" in lines[0]["summary"]
    assert hook.delivered_ids() == [first.alert_id]
    headers, body = hook.requests[0]
    assert headers["Idempotency-Key"] == first.alert_id and body["alert_type"] == "daily_digest"
    assert body["digest"]["groups"][0]["alerts"][0]["alert_id"] == "n1"  # the payload travels whole
    assert rows(db_path, "select delivered_at is not null from alerts where alert_id = ?", [first.alert_id]) == [(True,)]


@pytest.mark.slow
def test_flow_on_a_new_database_says_nothing_happened(prefect, tmp_path):
    db = str(tmp_path / "fresh.duckdb")
    jsonl = tmp_path / "alerts.jsonl"
    result = daily_digest(config_path=str(write_config(tmp_path / "c.toml", [f"jsonl://{jsonl}"])), db_path=db,
                          as_of=utc(2025, 6, 2, 8, 0))
    assert result.raised and result.alert_count == 0
    assert json.loads(jsonl.read_text(encoding="utf-8"))["summary"].endswith("no new or changed deals.")


# -- overlap: the digest takes the run lock ----------------------------------------------------------

@pytest.mark.slow
def test_flow_waits_for_a_run_that_holds_the_database(prefect, tmp_path, db_path, monkeypatch):
    monkeypatch.setenv("DEALWATCH_LOCK_WAIT", "30")
    config = write_config(tmp_path / "c.toml", [f"jsonl://{tmp_path / 'alerts.jsonl'}"])
    held, release = threading.Event(), threading.Event()

    def other_run():
        with run_lock(db_path):
            held.set()
            release.wait(10)

    holder = threading.Thread(target=other_run)
    holder.start()
    assert held.wait(5)
    threading.Timer(1.5, release.set).start()
    started = time.monotonic()
    try:
        result = daily_digest(config_path=str(config), db_path=db_path, as_of=utc(2025, 6, 2, 8, 0))
    finally:
        release.set()
        holder.join()
    assert result.raised
    assert time.monotonic() - started >= 1.4  # it waited for the other run to finish


@pytest.mark.slow
def test_flow_gives_up_when_the_lock_stays_held(prefect, tmp_path, db_path, monkeypatch):
    monkeypatch.setenv("DEALWATCH_LOCK_WAIT", "0.5")
    config = write_config(tmp_path / "c.toml", [])
    held, release = threading.Event(), threading.Event()

    def other_run():  # another thread: the run lock is re-entrant within one
        with run_lock(db_path, wait=1):
            held.set()
            release.wait(30)

    holder = threading.Thread(target=other_run)
    holder.start()
    try:
        assert held.wait(5)
        with pytest.raises(WarehouseLocked):
            daily_digest(config_path=str(config), db_path=db_path, as_of=utc(2025, 6, 2, 8, 0))
    finally:
        release.set()
        holder.join()
    assert not Path(db_path).exists() or rows(db_path, "select count(*) from alerts") == [(0,)]


def test_the_digest_of_real_runs_lists_new_and_changed_deals_and_loops(db_path):
    """Alerts raised by the warehouse itself (not hand-inserted): a deal, then its change and a loop."""
    from tests.test_warehouse import article, commit, mention

    commit(db_path, [article("http://a.test/1", utc(2025, 3, 1), [
        mention("investment", "Microsoft", "OpenAI", status="rumored", amount=10e9)])], run_id="r1")
    commit(db_path, [article("http://a.test/2", utc(2025, 4, 1), [
        mention("investment", "Microsoft", "OpenAI", status="completed", amount=13e9),
        mention("cloud_contract", "OpenAI", "Microsoft", amount=250e9)])], run_id="r2")
    digest = digest_of(db_path, window_end=datetime.now(timezone.utc) + timedelta(hours=1))
    headline, *sections = digest.summary.split("\n\n")
    assert headline.endswith("new deals: 2, deal changes: 2, new circular deals: 1.")
    title, *lines = sections[1].split("\n")  # (alerts of one moment come in alert_id order)
    assert title == "deal changes (2):"
    assert sorted(lines) == ["- Changed investment: Microsoft -> OpenAI amount 10000000000 USD -> 13000000000 USD",
                             "- Changed investment: Microsoft -> OpenAI status rumored -> completed"]
    assert sections[2] == "new circular deals (1):\n- New circular deal: Microsoft -> OpenAI -> Microsoft (2 deals, $263B known)"
