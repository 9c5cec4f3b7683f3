"""The benchmark's own machinery (bench/): the synthetic corpus, its server, the raw rows of the
models bench, and, marked slow, one whole size (baseline, cold run, warm reruns) at N = 20."""

from __future__ import annotations

import argparse
import dataclasses
import json
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bench.corpus import ARTICLE_PATH, MAX_PAGE_BYTES, MIN_PAGE_BYTES, Corpus
from bench.server import SiteServers

BASE = "http://127.0.0.1:9"


@pytest.mark.parametrize("index", [0, 1, 17, 333])
def test_a_page_is_a_function_of_seed_and_index(index):
    page = Corpus(5, 400).page(index, BASE)
    assert page == Corpus(5, 400).page(index, BASE)
    assert page != Corpus(6, 400).page(index, BASE)
    assert Corpus(5, 400).meta(index) == Corpus(5, 400).meta(index)


def test_pages_are_realistic_in_size_and_language():
    corpus = Corpus(3, 80)
    pages = [corpus.page(i, BASE) for i in range(80)]
    sizes = [len(p) for p in pages]
    assert min(sizes) >= MIN_PAGE_BYTES * 0.95 and max(sizes) <= MAX_PAGE_BYTES * 1.05
    assert max(sizes) - min(sizes) > 50_000  # spread over the range, not one size
    languages = {p[p.index(b'lang="') + 6:][:2] for p in pages}
    assert languages == {b"en", b"es"}
    assert all(b'application/ld+json' in p and b"<nav" in p and b"<footer" in p for p in pages)


def test_every_article_is_in_exactly_one_feed():
    corpus = Corpus(2, 123, feeds=7)
    links = []
    for feed in range(corpus.feeds):
        root = ET.fromstring(corpus.feed_xml(feed, BASE))
        links += [link.text for link in root.findall("./channel/item/link")]
    paths = [link.removeprefix(BASE) for link in links]
    assert len(paths) == len(set(paths)) == 123
    assert sorted(int(ARTICLE_PATH.match(p).group(1)) for p in paths) == list(range(123))


def test_a_share_of_articles_states_a_deal():
    corpus = Corpus(4, 1000, deal_share=0.35)
    deals = [m.deal for m in map(corpus.meta, range(1000)) if m.deal]
    assert 0.28 < len(deals) / 1000 < 0.42
    assert {d.deal_type for d in deals} == {"investment", "chip_supply", "cloud_contract"}
    assert all(d.payer != d.payee and d.payer in d.sentence and d.payee in d.sentence for d in deals)


def test_the_extractor_finds_the_deals_the_pages_state():
    from extractors.pipeline import extract_article
    from extractors.records import FeedEntry

    corpus = Corpus(9, 400)
    stated = [m for m in map(corpus.meta, range(400)) if m.deal][:40]
    found = 0
    for meta in stated:
        entry = FeedEntry(feed_url=f"{BASE}/feeds/{meta.feed}.xml", link=BASE + meta.path, guid=str(meta.index))
        record = extract_article(corpus.page(meta.index, BASE), entry, datetime.now(timezone.utc))
        found += (meta.deal.deal_type, meta.deal.payer, meta.deal.payee) in {
            (m.deal_type, m.payer, m.payee) for m in record.mentions}
    assert found >= 0.9 * len(stated)


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes, dict]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


def test_the_server_serves_pages_and_feeds_and_counts_requests():
    corpus = Corpus(1, 20, feeds=4)
    with SiteServers(corpus) as sites:
        manifest = sites.manifest()
        status, feed, headers = _get(manifest["feeds"][0])
        assert status == 200 and b"<rss" in feed
        assert _get(manifest["feeds"][0], {"If-None-Match": headers["ETag"]})[0] == 304
        link = ET.fromstring(feed).find("./channel/item/link").text
        status, page, _ = _get(link)
        assert status == 200
        meta = corpus.meta(0)  # feed 0 starts with article 0
        assert link.endswith(meta.path)
        assert page == corpus.page(0, link.removesuffix(meta.path))
        assert _get(link.replace("/news/0-", "/news/999-"))[0] == 404
        stats = json.loads(_get(manifest["stats"])[1])
    assert stats == {"feed": 1, "feed_not_modified": 1, "article": 1, "not_found": 1}


def test_synthetic_raw_rows_build_the_models(tmp_path):
    from bench.synthetic_raw import add_mentions, fill_raw_tables
    from warehouse.db import connect, scalar, transaction
    from warehouse.models import build_models

    con = connect(tmp_path / "m.duckdb")
    try:
        articles = fill_raw_tables(con, 5000, 2.5)
        assert articles == 2001
        orphans = scalar(con, "select count(*) from raw_deal_mentions m anti join raw_articles a using (article_id)")
        assert orphans == 0
        with transaction(con):
            build_models(con)
        deals = scalar(con, "select count(*) from deals")
        assert 1000 < deals <= 5000
        add_mentions(con, 5000, 100, 2.5)
        assert scalar(con, "select count(*) from raw_deal_mentions") == 5100
        assert scalar(con, "select count(*) from raw_deal_mentions m anti join raw_articles a using (article_id)") == 0
    finally:
        con.close()


@pytest.mark.slow
def test_one_size_end_to_end(tmp_path, api_env, capsys):
    """Baseline, cold run, warm reruns at N = 20, each in its own measured subprocess."""
    from bench.report import print_report, ratios
    from bench.run import _environment, bench_size

    env = _environment(tmp_path) | {"PREFECT_API_URL": api_env["PREFECT_API_URL"]}
    args = argparse.Namespace(seed=3, feeds=5, batch_size=8, workers=4, repeat=1)
    size = bench_size(20, args, tmp_path, env)
    rows, facts = size["rows"], size["facts"]
    assert facts["baseline"]["pages"] == 20 and facts["baseline"]["empty"] == 0
    assert facts["cold"]["summary"]["articles_new"] == 20
    assert facts["cold"]["served"]["article"] == 20
    assert facts["cold"]["warehouse"]["deals"] > 0
    assert facts["warm_runs"][0]["summary"]["articles_new"] == 0
    assert facts["warm_runs"][0]["served"].get("article", 0) == 0
    stages = facts["cold"]["summary"]["stage_seconds"]
    assert {"feeds", "fetch", "parse", "extract", "articles", "load", "models", "alerts", "deliver", "total"} <= set(stages)
    assert stages["parse"] > 0 and stages["extract"] > 0 and stages["total"] >= stages["articles"]
    for stage in ("baseline", "flow cold", "flow warm (best)", "prefect start-up (best)"):
        assert rows[stage]["seconds"] > 0 and rows[stage]["peak_rss_mb"] > 10
    results = {"machine": {"cpus": 2}, "settings": vars(args), "sizes": {"20": size}}
    results["ratios"] = ratios(results)
    assert results["ratios"]["targets"]["warm_article_pages_fetched"]["met"] is True
    print_report(results)
    out = capsys.readouterr().out
    assert "flow cold" in out and "cold / baseline" in out


@pytest.mark.slow
def test_a_measured_stage_reports_time_and_memory(tmp_path):
    import sys

    from bench.measure import run_measured
    from bench.run import _environment

    out = tmp_path / "models.json"
    measured = run_measured(
        [sys.executable, "-m", "bench.stages", "models", "--out", str(out), "--args",
         json.dumps({"db": str(tmp_path / "m.duckdb"), "mentions": 3000, "mentions_per_article": 2.5, "extra": 100})],
        out, env=_environment(tmp_path))
    assert measured.returncode == 0, measured.stderr_tail
    assert measured.result["mentions"] == 3000 and measured.result["deals"] > 0
    assert measured.seconds > measured.result["models_seconds"] > 0
    assert measured.peak_rss_mb > 20 and measured.tree_peak_mb and measured.tree_peak_mb > 10


# --- the flow's speed machinery: pages parsed in worker processes ------------------------------

def _entries(corpus: Corpus, indexes) -> list:
    from extractors.records import FeedEntry

    return [FeedEntry(feed_url=f"{BASE}/feeds/{corpus.meta(i).feed}.xml", link=BASE + corpus.meta(i).path,
                      guid=str(i)) for i in indexes]


def test_pages_parsed_in_worker_processes_equal_pages_parsed_inline():
    from extractors.pipeline import extract_page
    from flows.ingest import PageParser

    corpus = Corpus(11, 50)
    fetched_at = datetime(2025, 3, 1, tzinfo=timezone.utc)
    entries = _entries(corpus, range(0, 50, 7))
    parser = PageParser(workers=2)
    try:
        for entry, index in zip(entries, range(0, 50, 7)):
            page = corpus.page(index, BASE)
            in_worker = parser.parse(page, entry, fetched_at, "text/html; charset=utf-8")
            inline = extract_page(page, entry, fetched_at, "text/html; charset=utf-8")
            assert in_worker.record is not None and in_worker.record == inline.record
            assert in_worker.parse_seconds > 0 and in_worker.extract_seconds > 0
    finally:
        parser.close()


def test_a_worker_that_dies_costs_no_page():
    import os
    import signal

    from flows.ingest import PageParser

    corpus = Corpus(12, 10)
    fetched_at = datetime(2025, 3, 1, tzinfo=timezone.utc)
    entries = _entries(corpus, range(3))
    parser = PageParser(workers=2)
    try:
        assert parser.parse(corpus.page(0, BASE), entries[0], fetched_at, None).record is not None
        for pid in list(parser._pool._processes):  # noqa: SLF001 - killing them is the point
            os.kill(pid, signal.SIGKILL)
        for index in (1, 2):  # the pool is broken: these are parsed in this process instead
            assert parser.parse(corpus.page(index, BASE), entries[index], fetched_at, None).record is not None
    finally:
        parser.close()


def test_a_page_that_trips_the_parser_is_reported_not_raised(monkeypatch):
    import extractors.pipeline as pipeline

    corpus = Corpus(13, 5)
    entry = _entries(corpus, [0])[0]
    now = datetime(2025, 3, 1, tzinfo=timezone.utc)
    empty = pipeline.extract_page(b"<html><body></body></html>", entry, now)
    assert empty.record is None and empty.error and not empty.crashed

    def broken(*args, **kwargs):
        raise RuntimeError("a bug in a parser")

    monkeypatch.setattr(pipeline, "parse_article", broken)
    crashed = pipeline.extract_page(corpus.page(0, BASE), entry, now)
    assert crashed.record is None
    assert crashed.error == "extraction failed: RuntimeError: a bug in a parser"
    assert "Traceback" in crashed.crashed and "a bug in a parser" in crashed.crashed


def _run_flow_on(corpus: Corpus, folder: Path, batch_size: int) -> tuple:
    from flows.ingest import ingest_news

    with SiteServers(corpus) as sites:
        config = folder / "bench.toml"
        feeds = "".join(f'[[feeds]]\nurl = "{url}"\n' for url in sites.feed_urls())
        config.write_text(feeds + "[fetch]\nallow_private_networks = true\nper_host_delay = 0.0\n", encoding="utf-8")
        summary = ingest_news(config_path=str(config), db_path=str(folder / "w.duckdb"), batch_size=batch_size)
    return summary, folder / "w.duckdb"


def _tables(db: Path) -> dict[str, list]:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            # (article ids hash URLs, whose port differs from one server to the next)
            "articles": con.execute("select title, language, text from articles order by all").fetchall(),
            "deals": con.execute("select deal_id, deal_type, payer, payee, amount, currency, status, source_count "
                                 "from deals order by 1").fetchall(),
            "alerts": con.execute("select alert_id, summary from alerts order by 1").fetchall(),
            "runs": con.execute("select status, articles_new, mentions, alerts from runs").fetchall(),
            "log": con.execute("select kind, count(*) from fetch_log group by 1 order by 1").fetchall(),
        }
    finally:
        con.close()


@pytest.mark.slow
def test_a_run_committed_in_parts_stores_what_one_commit_would(prefect, tmp_path, monkeypatch):
    """A run bigger than COMMIT_ARTICLES commits on the way (its memory is bounded by that, not
    by the run); the tables it leaves equal those of the same run in one commit."""
    import flows.ingest

    corpus = Corpus(21, 45, feeds=6)
    (tmp_path / "one").mkdir()
    (tmp_path / "parts").mkdir()
    whole, whole_db = _run_flow_on(corpus, tmp_path / "one", batch_size=10)
    monkeypatch.setattr(flows.ingest, "COMMIT_ARTICLES", 12)
    commits = []
    real_commit = flows.ingest.commit_articles
    monkeypatch.setattr(flows.ingest, "commit_articles",
                        lambda *args, **kwargs: commits.append(len(args[2])) or real_commit(*args, **kwargs))
    parts, parts_db = _run_flow_on(corpus, tmp_path / "parts", batch_size=5)
    assert commits == [15, 15, 15]  # three batches of 5 reach 12: a commit every third batch
    assert whole.articles_new == parts.articles_new == 45
    assert (parts.mentions_new, parts.alerts_new, parts.deals_total) == (
        whole.mentions_new, whole.alerts_new, whole.deals_total)
    assert whole.deals_total > 0
    assert _tables(parts_db) == _tables(whole_db)
    assert _tables(parts_db)["runs"] == [("completed", 45, whole.mentions_new, whole.alerts_new)]


# --- a run that found nothing new costs little, whatever the history --------------------------

def _record(n: int):
    from extractors.records import ArticleContent, DealMention, ExtractedArticle

    when = datetime(2025, 3, 1, tzinfo=timezone.utc)
    page = ArticleContent(f"http://site.test/{n}", f"Story {n}", f"Text of story {n}.", when, "en", "Site")
    deal = DealMention("investment", "Amazon", f"Startup {n}", "announced", f"Amazon invests in Startup {n}.")
    return ExtractedArticle(page, "http://site.test/feed.xml", f"guid-{n}", when, (deal,))


def test_a_commit_with_nothing_new_rebuilds_nothing_unless_the_models_changed(tmp_path, monkeypatch):
    import warehouse.models
    import warehouse.store
    from extractors.records import FetchLogEntry
    from warehouse.store import RunCounts, commit_run

    db = tmp_path / "w.duckdb"
    first = commit_run(db, "run-1", datetime.now(timezone.utc), [_record(1), _record(2)], [], (), RunCounts())
    assert (first.articles_new, first.alerts_new, first.deals_total) == (2, 2, 2)

    builds = []
    real_build = warehouse.store.build_models
    monkeypatch.setattr(warehouse.store, "build_models", lambda con: builds.append(1) or real_build(con))
    log = [FetchLogEntry("http://site.test/feed.xml", "feed", 304, None, 12),
           FetchLogEntry("http://x", "feed", None, None, None, "refused")]
    again = commit_run(db, "run-2", datetime.now(timezone.utc), [_record(1)], log, (), RunCounts())
    assert (again.articles_new, again.mentions_new, again.alerts_new, again.deals_total) == (0, 0, 0, 2)
    assert builds == []  # nothing new, models current: no rebuild

    # the code's SQL changed (an upgrade): the next commit rebuilds even with nothing new
    real_load = warehouse.models.load_models
    monkeypatch.setattr(warehouse.models, "load_models", lambda: [
        dataclasses.replace(m, sql=m.sql + "\n") if m.name == "deals" else m for m in real_load()])
    commit_run(db, "run-3", datetime.now(timezone.utc), [], [], (), RunCounts())
    assert builds == [1]
    new = commit_run(db, "run-4", datetime.now(timezone.utc), [_record(3)], [], (), RunCounts())
    assert builds == [1, 1] and (new.articles_new, new.alerts_new, new.deals_total) == (1, 1, 3)

    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        log_rows = con.execute("select run_id, kind, status, bytes, ms, error from fetch_log order by ms nulls last")
        assert log_rows.fetchall() == [("run-2", "feed", 304, None, 12, None), ("run-2", "feed", None, None, None, "refused")]
    finally:
        con.close()


def test_the_flow_module_loads_neither_pandas_nor_the_page_parsers():
    """A run that found nothing new never needs them: they load where pages or rows are handled."""
    import subprocess
    import sys

    code = "import sys, flows.runner; print(sorted(m for m in ('pandas', 'trafilatura') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parent.parent)
    assert out.stdout.strip() == "[]"
