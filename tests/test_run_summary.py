"""The run's summary tells when alert deliveries were given up for good (past the attempt cap)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import duckdb
import pytest

from flows.ingest import RunSummary, ingest_news
from flows.output import print_run_summary
from flows.sites import SiteServer
from tests.loopback import Route, serve
from warehouse.delivery import MAX_ATTEMPTS

MINI = Path(__file__).parent / "sites" / "mini"

SUMMARY = RunSummary(run_id="r1", db_path="w.duckdb", feeds_tried=2, feeds_failed=0, articles_new=5,
                     articles_skipped=0, articles_failed=0, mentions_new=6, deals_total=5, alerts_new=6,
                     alerts_delivered=0, alerts_pending=0, feed_errors={})


@pytest.mark.parametrize("given_up, shown", [(0, False), (3, True)])
def test_summary_names_deliveries_given_up(capsys, given_up, shown):
    print_run_summary(dataclasses.replace(SUMMARY, alerts_given_up=given_up))
    out = capsys.readouterr().out
    assert out.startswith("run r1: 2/2 feeds")
    assert ("alert deliveries given up 3, after every attempt failed" in out) is shown


@pytest.mark.slow
def test_a_run_that_exhausts_the_attempts_reports_them(prefect, tmp_path):
    db = str(tmp_path / "w.duckdb")
    with SiteServer(MINI) as site, serve({"/hook": Route(body=b"down", fail_first=10**6, fail_status=503)}) as hook:
        config = tmp_path / "dealwatch.toml"
        feeds = "".join(f'[[feeds]]\nurl = "{u}"\n\n' for u in site.feed_urls("batch1"))
        config.write_text(f'{feeds}[fetch]\nallow_private_networks = true\nper_host_delay = 0\n\n'
                          f'[alerts]\nurls = ["{hook.url("/hook")}"]\n', encoding="utf-8")
        first = ingest_news(config_path=str(config), db_path=db)
        assert first.alerts_new > 0 and first.alerts_given_up == 0 and first.alerts_pending == first.alerts_new
        # as if the webhook had been down for many runs: one attempt left for every alert
        con = duckdb.connect(db)
        con.execute("update alert_deliveries set attempts = ?", [MAX_ATTEMPTS - 1])
        con.close()
        second = ingest_news(config_path=str(config), db_path=db)
    # a down channel is tried once a run, on its oldest alert; that one reaches the cap
    assert second.alerts_given_up == 1
    con = duckdb.connect(db, read_only=True)
    try:
        assert con.execute("select count(*) from alert_deliveries where status = 'failed'").fetchall() == [(1,)]
    finally:
        con.close()
