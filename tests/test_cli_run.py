"""`dealwatch run` and the listing commands through the console script, on a loopback site."""

from __future__ import annotations

import csv
import io
import json
import os
import re

import pytest

from flows.cli import _parser
from flows.sites import SiteServer, demo_sites_root
from tests.test_cli import dealwatch
from tests.test_flow import MINI, load_expected, write_config

pytestmark = pytest.mark.slow

SUMMARY = re.compile(r"run \S+: (?P<feeds_ok>\d+)/(?P<feeds>\d+) feeds, (?P<new>\d+) new articles \((?P<skipped>\d+) "
                     r"already stored, (?P<failed>\d+) failed\), (?P<mentions>\d+) new deal mentions, (?P<deals>\d+) "
                     r"deals, (?P<alerts>\d+) new alerts \((?P<delivered>\d+) delivered, (?P<pending>\d+) pending\)")
PROGRESS = re.compile(r"^\d\d:\d\d:\d\d\.\d{3} \| progress \| (.*)$", re.MULTILINE)


def summary_figures(stdout: str) -> dict[str, int]:
    match = SUMMARY.search(stdout)
    assert match, stdout
    return {key: int(value) for key, value in match.groupdict().items()}


def progress_lines(stderr: str) -> list[str]:
    return PROGRESS.findall(stderr)


def finish_line(lines: list[str], stage: str) -> str:
    """The stage's last plain line, which says it is done."""
    done = [line for line in lines if line.split(" ")[0].rstrip(":") == stage and ", done in " in line]
    assert len(done) == 1, lines
    return done[0]


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
        result = dealwatch("run", "--config", str(config), "--db", db, "--batch-size", "1", env=env)
        quiet = dealwatch("run", "--config", str(config), "--db", db, "--no-progress", env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"{feeds}/{feeds} feeds" in result.stdout

    # stderr is a pipe here: plain progress lines, with the counts the summary gives on stdout
    run = summary_figures(result.stdout)
    lines = progress_lines(result.stderr)
    articles = run["new"] + run["failed"]
    assert finish_line(lines, "feeds").startswith(f"feeds {feeds}/{feeds}, 0 failed, 0 unchanged")
    assert finish_line(lines, "articles").startswith(
        f"articles {articles}/{articles}, {run['mentions']} deal mentions, {run['failed']} failed, 0 already stored")
    assert finish_line(lines, "store").startswith(
        f"store: {run['new']} new articles, {run['mentions']} new deal mentions, {run['deals']} deals, "
        f"{run['alerts']} new alerts; load ")
    assert finish_line(lines, "alerts").startswith(f"alerts: {run['delivered']} delivered, {run['pending']} pending")
    # one batch per article here, yet a line at each end of the stage and one per 5 s at most between
    seconds = float(re.search(r"done in (\d+\.\d)s", finish_line(lines, "articles")).group(1))
    assert articles >= 5 and len([line for line in lines if line.startswith("articles")]) <= 2 + 1 + seconds / 5
    assert "\x1b" not in result.stderr and "\x1b" not in result.stdout
    assert "| progress |" not in result.stdout and result.stdout.startswith("run ")
    # --no-progress: the same summary on stdout, Prefect's log lines on stderr, no progress
    assert quiet.returncode == 0 and summary_figures(quiet.stdout)["feeds_ok"] == feeds
    assert progress_lines(quiet.stderr) == [] and "Finished in state" in quiet.stderr

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
    # one new_deal alert per deal (other kinds, such as circular deals, may come on top), all delivered
    assert len([a for a in alerts if a["alert_type"] == "new_deal"]) == len(deals)
    assert all(a["delivered_at"] for a in alerts)
    pending = json.loads(dealwatch("alerts", "--db", db, "--pending", "--format", "json", env=env).stdout)
    assert pending == []


def test_run_where_every_feed_fails_exits_1(tmp_path, env):
    with SiteServer(MINI) as server:
        config = write_config(tmp_path / "dealwatch.toml", [server.base_url + "/batch1/feeds/absent.xml"], [])
        result = dealwatch("run", "--config", str(config), "--db", str(tmp_path / "d.duckdb"), env=env)
    assert result.returncode == 1
    assert "0/1 feeds" in result.stdout and "absent.xml" in result.stdout
    assert finish_line(progress_lines(result.stderr), "feeds").startswith("feeds 1/1, 1 failed, 0 unchanged")


def test_demo_shows_progress_on_stderr_and_its_tables_on_stdout(tmp_path, env):
    result = dealwatch("demo", "--db", str(tmp_path / "demo.duckdb"), "--port", "0", env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    feeds = len([f for f in (demo_sites_root() / "feeds").iterdir() if f.name.endswith(".xml")])
    run = summary_figures(result.stdout)
    lines = progress_lines(result.stderr)
    assert finish_line(lines, "feeds").startswith(f"feeds {feeds}/{feeds}, 0 failed")
    articles = run["new"] + run["failed"]
    assert finish_line(lines, "articles").startswith(f"articles {articles}/{articles}, {run['mentions']} deal mentions")
    assert "| progress |" not in result.stdout and "deals" in result.stdout


# Every subcommand the parser knows, so a new one without an example fails here.
SUBCOMMANDS = sorted(next(a for a in _parser()._actions if a.dest == "command").choices)


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_every_subcommand_help_has_an_example(command):
    result = dealwatch(command, "--help")
    assert result.returncode == 0
    example = result.stdout.split("example:\n", 1)[1].strip()
    assert f"dealwatch {command}" in example, result.stdout
