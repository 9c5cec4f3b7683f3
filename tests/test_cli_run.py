"""`dealwatch run` and the listing commands through the console script, on a loopback site."""

from __future__ import annotations

import csv
import io
import json
import os

import pytest

from flows.sites import SiteServer
from tests.test_cli import dealwatch
from tests.test_flow import MINI, load_expected, write_config

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def env():
    # Each CLI call starts Prefect's temporary local API, kept apart from ~/.prefect.
    return {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}


def test_run_then_list_deals_and_alerts(tmp_path, env):
    db = str(tmp_path / "deals.duckdb")
    expected = load_expected()["batch1"]
    with SiteServer(MINI) as server:
        feed_urls = server.feed_urls("batch1")
        config = write_config(tmp_path / "dealwatch.toml", feed_urls, [f"jsonl://{tmp_path / 'a.jsonl'}"])
        feeds = len(feed_urls)
        result = dealwatch("run", "--config", str(config), "--db", db, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"{feeds}/{feeds} feeds" in result.stdout

    listed = dealwatch("deals", "--db", db, "--format", "json", env=env)
    deals = json.loads(listed.stdout)
    assert {(d["deal_type"], d["payer"], d["payee"]) for d in deals} >= {
        (d["deal_type"], d["payer"], d["payee"]) for d in expected}

    company = expected[0]["payer"]
    by_company = list(csv.DictReader(io.StringIO(
        dealwatch("deals", "--db", db, "--company", company.upper(), "--format", "csv", env=env).stdout)))
    assert by_company and all(company in (row["payer"], row["payee"]) for row in by_company)
    # a list cell is one field of space-separated URLs, not a multi-line repr
    assert all(url.startswith("http://") for row in by_company for url in row["source_urls"].split(" "))

    typed = json.loads(dealwatch("deals", "--db", db, "--type", "investment", "--format", "json", env=env).stdout)
    assert typed and {d["deal_type"] for d in typed} == {"investment"}

    alerts = json.loads(dealwatch("alerts", "--db", db, "--format", "json", env=env).stdout)
    # one alert per deal, and one for the loop (Microsoft invests in Anthropic, which buys its cloud)
    assert sorted(a["alert_type"] for a in alerts) == ["new_circular_deal"] + ["new_deal"] * len(deals)
    assert all(a["delivered_at"] for a in alerts)
    pending = json.loads(dealwatch("alerts", "--db", db, "--pending", "--format", "json", env=env).stdout)
    assert pending == []


def test_run_where_every_feed_fails_exits_1(tmp_path, env):
    with SiteServer(MINI) as server:
        config = write_config(tmp_path / "dealwatch.toml", [server.base_url + "/batch1/feeds/absent.xml"], [])
        result = dealwatch("run", "--config", str(config), "--db", str(tmp_path / "d.duckdb"), env=env)
    assert result.returncode == 1
    assert "0/1 feeds" in result.stdout and "absent.xml" in result.stdout
