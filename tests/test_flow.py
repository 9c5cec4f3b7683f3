"""End to end: a small site served on loopback, the real Prefect flow, a real DuckDB file."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from prefect.testing.utilities import prefect_test_harness

from flows.ingest import ingest_news
from flows.sites import SiteServer

SITES = Path(__file__).parent / "sites"
TABLES = ["articles", "deal_mentions", "deals", "investments", "chip_agreements", "cloud_contracts", "alerts"]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def prefect():
    with prefect_test_harness(server_startup_timeout=120):
        yield


def write_config(path: Path, feed_urls: list[str], alert_urls: list[str]) -> Path:
    feeds = "".join(f'[[feeds]]\nurl = "{u}"\n\n' for u in feed_urls)
    alerts = ", ".join(f'"{u}"' for u in alert_urls)
    path.write_text(f"{feeds}[fetch]\nallow_private_networks = true\n\n[alerts]\nurls = [{alerts}]\n")
    return path


def table_counts(db: str) -> dict[str, int]:
    con = duckdb.connect(db, read_only=True)
    try:
        return {t: con.execute(f"select count(*) from {t}").fetchall()[0][0] for t in TABLES}
    finally:
        con.close()


def query(db: str, sql: str):
    con = duckdb.connect(db, read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_flow_on_a_small_site_then_rerun_adds_nothing(prefect, tmp_path):
    site = SITES / "mini"
    expected = json.loads((site / "expected.json").read_text())
    db = str(tmp_path / "deals.duckdb")
    alerts_file = tmp_path / "alerts.jsonl"
    with SiteServer(site) as server:
        config = write_config(tmp_path / "dealwatch.toml", server.feed_urls(), [f"jsonl://{alerts_file}"])
        first = ingest_news(config_path=str(config), db_path=db)
        after_first = table_counts(db)
        second = ingest_news(config_path=str(config), db_path=db)

    pages = len(list((site / "articles").glob("*.html")))
    assert first.feeds_failed == 0 and first.articles_new == pages
    found = {(d, p, e): (a, s, st) for d, p, e, a, s, st in query(
        db, "select deal_type, payer, payee, amount, stake_pct, status from deals")}
    for deal in expected:
        key = (deal["deal_type"], deal["payer"], deal["payee"])
        assert key in found, f"missing deal {key}"
        amount, stake, status = found[key]
        if deal.get("amount") is not None:
            assert amount == pytest.approx(deal["amount"], rel=0.005), key
        if deal.get("stake_pct") is not None:
            assert stake == pytest.approx(deal["stake_pct"]), key
        assert status == deal["status"], key

    # one new_deal alert per deal, each delivered to the JSONL channel once
    assert after_first["alerts"] == after_first["deals"] == first.alerts_new
    lines = [json.loads(line) for line in alerts_file.read_text().splitlines()]
    assert sorted(line["alert_id"] for line in lines) == sorted(r[0] for r in query(db, "select alert_id from alerts"))

    # the rerun fetches no page and adds no row anywhere, nor an alert line
    assert (second.articles_new, second.mentions_new, second.alerts_new) == (0, 0, 0)
    assert second.articles_skipped == first.articles_new
    assert table_counts(db) == after_first
    assert len(alerts_file.read_text().splitlines()) == len(lines)
    assert query(db, "select count(*) from fetch_log where kind = 'article' and run_id = ?".replace(
        "?", f"'{second.run_id}'")) == [(0,)]
    assert query(db, "select count(*), count(distinct status) from runs") == [(2, 1)]


def test_a_feed_that_fails_does_not_stop_the_others(prefect, tmp_path):
    db = str(tmp_path / "deals.duckdb")
    with SiteServer(SITES / "mini") as server:
        feeds = server.feed_urls() + [server.base_url + "/feeds/missing.xml"]
        config = write_config(tmp_path / "dealwatch.toml", feeds, [])
        summary = ingest_news(config_path=str(config), db_path=db)
    assert summary.feeds_failed == 1 and not summary.failed
    assert summary.articles_new > 0
    assert "404" in summary.feed_errors[feeds[-1]]
    errors = query(db, "select url, error from fetch_log where kind = 'feed' and error is not null")
    assert [e[0] for e in errors] == [feeds[-1]]
