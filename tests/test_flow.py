"""End to end: a small site served on loopback, the real Prefect flow, a real DuckDB file.

The site is tests/sites/mini in the corpus layout: batch1/ is what the outlets
publish first, batch2/ what they publish later (every old item again plus one
new article). One SiteServer serves both, so an article keeps its URL.
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import duckdb
import pytest

from flows.ingest import ingest_news
from flows.sites import SiteServer
from tests.faultserver import conditional_route
from tests.loopback import Route, serve

SITES = Path(__file__).parent / "sites"
MINI = SITES / "mini"
TABLES = ["articles", "deal_mentions", "deals", "investments", "chip_agreements", "cloud_contracts",
          "circular_deals", "deal_history", "alerts"]

pytestmark = pytest.mark.slow

# Everything is served from loopback: pacing stays on, but short, to keep the tests quick.
FAST_FETCH = "allow_private_networks = true\nper_host_delay = 0.01\nmax_per_host = 4\n"


def write_config(path: Path, feed_urls: list[str], alert_urls: list[str], fetch: str = FAST_FETCH) -> Path:
    feeds = "".join(f'[[feeds]]\nurl = "{u}"\n\n' for u in feed_urls)
    alerts = ", ".join(f'"{u}"' for u in alert_urls)
    path.write_text(f"{feeds}[fetch]\n{fetch}\n[alerts]\nurls = [{alerts}]\n")
    return path


def table_counts(db: str) -> dict[str, int]:
    con = duckdb.connect(db, read_only=True)
    try:
        return {t: con.execute(f"select count(*) from {t}").fetchall()[0][0] for t in TABLES}
    finally:
        con.close()


def query(db: str, sql: str, params: list | None = None):
    con = duckdb.connect(db, read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def load_expected() -> dict:
    return json.loads((MINI / "expected.json").read_text(encoding="utf-8"))


def article_paths(batch: str) -> list[str]:
    """Site paths of the articles a batch publishes for the first time."""
    return sorted(f"{batch}/articles/{p.name}" for p in (MINI / batch / "articles").glob("*.html"))


def assert_deals_found(db: str, expected: list[dict]) -> None:
    """Every expected deal is in ``deals`` with its amount, stake and status."""
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


def test_flow_on_a_small_site_then_rerun_adds_nothing(prefect, tmp_path):
    expected = load_expected()
    db = str(tmp_path / "deals.duckdb")
    alerts_file = tmp_path / "alerts.jsonl"
    with SiteServer(MINI) as server:
        config = write_config(tmp_path / "dealwatch.toml", server.feed_urls("batch1"), [f"jsonl://{alerts_file}"])
        first = ingest_news(config_path=str(config), db_path=db)
        after_first = table_counts(db)
        second = ingest_news(config_path=str(config), db_path=db)

    assert first.feeds_failed == 0 and first.articles_new == len(article_paths("batch1"))
    assert_deals_found(db, expected["batch1"])

    # one new_deal alert per deal and one new_circular_deal per loop (Microsoft invests in Anthropic,
    # which buys Microsoft's cloud), each delivered to the JSONL channel once
    assert after_first["circular_deals"] == 1
    assert after_first["alerts"] == after_first["deals"] + after_first["circular_deals"] == first.alerts_new
    assert after_first["deal_history"] == after_first["deals"]
    lines = [json.loads(line) for line in alerts_file.read_text().splitlines()]
    assert sorted(line["alert_id"] for line in lines) == sorted(r[0] for r in query(db, "select alert_id from alerts"))

    # the rerun asks each feed conditionally, gets 304s, fetches no page and adds no row anywhere
    assert (second.articles_new, second.mentions_new, second.alerts_new) == (0, 0, 0)
    assert second.feeds_unchanged == second.feeds_tried == 2
    assert table_counts(db) == after_first
    assert len(alerts_file.read_text().splitlines()) == len(lines)
    assert query(db, "select kind, status, bytes, error from fetch_log where run_id = ?",
                 [second.run_id]) == [("feed", 304, 0, None)] * 2
    assert query(db, "select count(*), count(distinct status) from runs") == [(2, 1)]
    assert query(db, "select count(*) from http_cache where etag is not null") == [(2,)]


def test_batch2_fetches_only_the_new_article_and_raises_only_its_alerts(prefect, tmp_path):
    expected = load_expected()
    db = str(tmp_path / "deals.duckdb")
    alerts_file = tmp_path / "alerts.jsonl"
    channels = [f"jsonl://{alerts_file}"]
    with SiteServer(MINI) as server:
        config1 = write_config(tmp_path / "batch1.toml", server.feed_urls("batch1"), channels)
        config2 = write_config(tmp_path / "batch2.toml", server.feed_urls("batch2"), channels)
        first = ingest_news(config_path=str(config1), db_path=db)
        after_first = table_counts(db)
        mentions_first = query(db, "select * from deal_mentions order by mention_id")
        deals_first = [row[0] for row in query(db, "select deal_id from deals")]
        alert_lines_first = len(alerts_file.read_text().splitlines())
        second = ingest_news(config_path=str(config2), db_path=db)
        new_urls = [server.url_for(path) for path in article_paths("batch2")]
        old_count = len(article_paths("batch1"))
    assert new_urls, "batch2 publishes no new article"

    assert (first.feeds_failed, second.feeds_failed) == (0, 0)
    assert (second.articles_new, second.articles_skipped, second.articles_failed) == (len(new_urls), old_count, 0)
    assert_deals_found(db, expected["batch2"])

    # Only the new article is fetched again; the old ones are known by URL.
    fetched = query(db, "select url, status from fetch_log where kind = 'article' and run_id = ? order by url",
                    [second.run_id])
    assert fetched == [(url, 200) for url in sorted(new_urls)]

    # Exactly the alerts a reader expects from batch 2, each delivered once.
    raised = query(db, """
        select a.alert_type, d.deal_type, d.payer, d.payee
        from alerts a join deals d using (deal_id)
        where a.run_id = ? order by all""", [second.run_id])
    wanted = sorted((a["alert_type"], a["deal_type"], a["payer"], a["payee"]) for a in expected["batch2_alerts"])
    assert raised == wanted
    assert second.alerts_new == len(wanted)
    assert len(alerts_file.read_text().splitlines()) == alert_lines_first + len(wanted)

    # Rows grow only by the new article's: old mentions untouched, new deals sourced from it alone.
    after_second = table_counts(db)
    new_articles = query(db, "select article_id from articles where url in (select unnest(?))", [new_urls])
    assert after_second["articles"] - after_first["articles"] == len(new_articles) == len(new_urls)
    new_ids = [row[0] for row in new_articles]
    new_mentions = query(db, "select count(*) from deal_mentions where article_id in (select unnest(?))", [new_ids])
    assert after_second["deal_mentions"] - after_first["deal_mentions"] == new_mentions[0][0] == second.mentions_new
    assert query(db, "select * from deal_mentions where article_id not in (select unnest(?)) order by mention_id",
                 [new_ids]) == mentions_first
    new_deals = query(db, "select source_urls from deals where deal_id not in (select unnest(?))", [deals_first])
    assert after_second["deals"] - after_first["deals"] == len(new_deals)
    assert all(set(urls) <= set(new_urls) for (urls,) in new_deals)


def test_a_feed_that_fails_does_not_stop_the_others(prefect, tmp_path):
    db = str(tmp_path / "deals.duckdb")
    with SiteServer(MINI) as server:
        feeds = server.feed_urls("batch1") + [server.base_url + "/batch1/feeds/missing.xml"]
        config = write_config(tmp_path / "dealwatch.toml", feeds, [])
        summary = ingest_news(config_path=str(config), db_path=db)
    assert summary.feeds_failed == 1 and not summary.failed
    assert summary.articles_new > 0
    assert "404" in summary.feed_errors[feeds[-1]]
    errors = query(db, "select url, error from fetch_log where kind = 'feed' and error is not null")
    assert [e[0] for e in errors] == [feeds[-1]]


def test_a_batch_that_crashes_costs_only_its_own_pages(prefect, tmp_path, monkeypatch):
    import flows.ingest

    db = str(tmp_path / "deals.duckdb")
    real_fetch_one = flows.ingest._fetch_one
    doomed = "softbank"  # any page of batch 1: its whole batch crashes with it

    def crashing_fetch_one(fetcher, entry):
        if doomed in entry.link:
            raise RuntimeError("a bug in a parser")
        return real_fetch_one(fetcher, entry)

    pages = len(article_paths("batch1"))
    with SiteServer(MINI) as server:
        config = write_config(tmp_path / "dealwatch.toml", server.feed_urls("batch1"), [])
        monkeypatch.setattr(flows.ingest, "_fetch_one", crashing_fetch_one)
        crashed = ingest_news(config_path=str(config), db_path=db, batch_size=2)
        monkeypatch.setattr(flows.ingest, "_fetch_one", real_fetch_one)
        lost = crashed.articles_failed  # the doomed page's batch: itself and any batch mate
        assert lost in (1, 2) and crashed.articles_new == pages - lost
        errors = query(db, "select count(*) from fetch_log where error like 'batch failed: RuntimeError%'")
        assert errors == [(lost,)]
        # the next run fetches exactly the pages that were lost, and nothing else: the feed that
        # lists the doomed page did not keep its validators, so it is fetched in full again
        again = ingest_news(config_path=str(config), db_path=db, batch_size=2)
        feeds = server.feed_urls("batch1")
    doomed_feeds = {u for u in feeds if doomed in (MINI / "batch1" / "feeds" / u.rsplit("/", 1)[1]).read_text()}
    assert len(doomed_feeds) == 1
    assert (again.articles_new, again.articles_failed) == (lost, 0)
    assert query(db, "select count(*) from articles") == [(pages,)]
    assert query(db, "select url, status from fetch_log where kind = 'feed' and run_id = ? order by url",
                 [again.run_id]) == sorted((u, 200 if u in doomed_feeds else 304) for u in feeds)
    assert query(db, "select count(*) from fetch_log where kind = 'article' and run_id = ?", [again.run_id]) == [(lost,)]


def _decorated(feed: bytes, base: str) -> bytes:
    """The same items, linked the way other feeds link them: tracking parameters, a fragment, a
    trailing slash, an upper-case scheme, and guids that are not the link."""
    numbers = itertools.count(1)
    feed = re.sub(rb"<guid[^>]*>[^<]*</guid>",
                  lambda _: b'<guid isPermaLink="false">tag:elsewhere,2025:%d</guid>' % next(numbers), feed)
    return re.sub(rb"__BASE__(/[^<]+?\.html)", lambda m: b"HTTP" + base.encode()[4:] + m.group(1)
                  + b"/?utm_source=rss&amp;utm_medium=feed&amp;fbclid=x1#comments", feed)


def test_a_page_linked_with_tracking_parameters_fragments_or_slashes_is_not_fetched_again(prefect, tmp_path):
    db = str(tmp_path / "deals.duckdb")
    plain = sorted((MINI / "batch1" / "feeds").glob("*.xml"))
    with serve(directory=MINI, replace={b"__BASE__": None}) as server:
        for path in plain:
            server.routes[f"/decorated/{path.name}"] = Route(body=_decorated(path.read_bytes(), server.base_url),
                                                             content_type="application/rss+xml")
        first = ingest_news(config_path=str(write_config(tmp_path / "plain.toml", [
            server.url(f"/batch1/feeds/{p.name}") for p in plain], [])), db_path=db)
        article_hits = sum(n for path, n in server.hits.items() if "/articles/" in path)
        second = ingest_news(config_path=str(write_config(tmp_path / "decorated.toml", [
            server.url(f"/decorated/{p.name}") for p in plain], [])), db_path=db)
        assert sum(n for path, n in server.hits.items() if "/articles/" in path) == article_hits
    pages = len(article_paths("batch1"))
    assert first.articles_new == pages == article_hits
    assert (second.feeds_failed, second.articles_new, second.articles_skipped) == (0, 0, pages)
    assert query(db, "select count(*) from articles") == [(pages,)]


def test_an_unchanged_site_costs_one_conditional_request_per_feed(prefect, tmp_path):
    """Counted on the server: the second run sends each feed one request carrying its ETag, gets a
    304, and asks for nothing else (no page, no robots.txt)."""
    db = str(tmp_path / "deals.duckdb")
    feeds = sorted((MINI / "batch1" / "feeds").glob("*.xml"))
    with serve(directory=MINI, replace={b"__BASE__": None}) as server:
        for path in feeds:
            body = path.read_bytes().replace(b"__BASE__", server.base_url.encode())
            server.routes[f"/batch1/feeds/{path.name}"] = conditional_route(body, "application/rss+xml")
        config = write_config(tmp_path / "dealwatch.toml", [server.url(f"/batch1/feeds/{p.name}") for p in feeds], [])
        first = ingest_news(config_path=str(config), db_path=db)
        before = len(server.requests)
        second = ingest_news(config_path=str(config), db_path=db)
        requests = server.requests[before:]
    assert first.articles_new == len(article_paths("batch1")) and second.feeds_unchanged == len(feeds)
    assert sorted(r.path for r in requests) == sorted(f"/batch1/feeds/{p.name}" for p in feeds)
    assert all(r.headers.get("If-None-Match", "").startswith('"') for r in requests)
    assert query(db, "select kind, status from fetch_log where run_id = ?", [second.run_id]) == [("feed", 304)] * 2
