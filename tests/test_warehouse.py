"""The warehouse on hand-built records: loads, models, alerts, idempotency."""

from __future__ import annotations

import duckdb
import pytest

from extractors.records import ArticleContent, DealMention, ExtractedArticle, FetchLogEntry
from tests.conftest import utc
from warehouse.store import RunCounts, commit_run, known_articles

USER_TABLES = ["articles", "deal_mentions", "deals", "investments", "chip_agreements", "cloud_contracts", "alerts"]


def article(url, published, mentions, language="en", fetched=None):
    page = ArticleContent(url=url, title=f"title of {url}", text=f"text of {url}", published_at=published,
                          language=language, outlet="Test Outlet")
    return ExtractedArticle(article=page, feed_url="http://feeds.test/feed.xml", feed_guid=url,
                            fetched_at=fetched or utc(2025, 12, 20), mentions=tuple(mentions))


def mention(deal_type, payer, payee, status="announced", amount=None, stake=None, currency="USD"):
    return DealMention(deal_type=deal_type, payer=payer, payee=payee, status=status, evidence=f"{payer} {payee}",
                       amount=amount, currency=currency if amount else None,
                       amount_usd=amount if currency == "USD" else None, stake_pct=stake, confidence=0.9)


def commit(db_path, records, run_id="run-1", channels=()):
    return commit_run(db_path, run_id, utc(2025, 12, 20), records,
                      [FetchLogEntry(r.article.url, "article", 200, 100, 5) for r in records],
                      channels, RunCounts(feeds_tried=1))


def counts(db_path) -> dict[str, int]:
    con = duckdb.connect(db_path, read_only=True)
    try:
        return {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in USER_TABLES}
    finally:
        con.close()


def rows(db_path, sql):
    con = duckdb.connect(db_path, read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture
def two_articles():
    return [
        article("http://a.test/1", utc(2025, 3, 1), [
            mention("cloud_contract", "OpenAI", "CoreWeave", amount=11.9e9),
            mention("investment", "OpenAI", "CoreWeave", status="completed", amount=350e6),
        ]),
        article("http://b.test/2", utc(2025, 9, 25), [
            mention("cloud_contract", "OpenAI", "CoreWeave", status="rumored", amount=22.4e9),
            mention("investment", "Microsoft", "OpenAI", stake=27),
        ], language="es"),
    ]


def test_deal_merges_mentions_across_articles(db_path, two_articles):
    summary = commit(db_path, two_articles)
    assert (summary.articles_new, summary.mentions_new, summary.deals_total) == (2, 4, 3)
    deal = rows(db_path, """select amount, status, source_count, source_urls from deals
                            where deal_type = 'cloud_contract' and payer = 'OpenAI' and payee = 'CoreWeave'""")
    # the latest published total wins; status never moves back from announced to rumored
    assert deal == [(22.4e9, "announced", 2, ["http://a.test/1", "http://b.test/2"])]


def test_amount_follows_publication_date_not_fetch_order(db_path):
    late_fetched_old_news = article("http://old.test/1", utc(2024, 1, 1),
                                    [mention("investment", "Amazon", "Anthropic", amount=4e9)], fetched=utc(2025, 12, 30))
    commit(db_path, [article("http://new.test/1", utc(2024, 11, 22),
                             [mention("investment", "Amazon", "Anthropic", amount=8e9)])], run_id="r1")
    commit(db_path, [late_fetched_old_news], run_id="r2")
    assert rows(db_path, "select amount, source_count from investments") == [(8e9, 2)]


def test_typed_marts_name_their_roles(db_path, two_articles):
    commit(db_path, two_articles)
    assert rows(db_path, "select investor, investee, stake_pct from investments order by investor") == [
        ("Microsoft", "OpenAI", 27.0), ("OpenAI", "CoreWeave", None)]
    assert rows(db_path, "select customer, provider from cloud_contracts") == [("OpenAI", "CoreWeave")]
    assert rows(db_path, "select count(*) from chip_agreements") == [(0,)]


def test_rerun_adds_no_row_anywhere(db_path, two_articles):
    commit(db_path, two_articles, run_id="run-1", channels=["jsonl:///dev/null"])
    before = counts(db_path)
    summary = commit(db_path, two_articles, run_id="run-2", channels=["jsonl:///dev/null"])
    assert (summary.articles_new, summary.mentions_new, summary.alerts_new) == (0, 0, 0)
    assert counts(db_path) == before
    assert rows(db_path, "select count(*) from alert_deliveries") == [(3,)]


def test_new_deal_alert_once_per_deal_with_stable_id(db_path, two_articles):
    first = commit(db_path, two_articles[:1], run_id="run-1")
    assert first.alerts_new == 2
    ids_before = {r[0] for r in rows(db_path, "select alert_id from alerts")}
    second = commit(db_path, two_articles[1:], run_id="run-2")
    # Microsoft -> OpenAI is new; the CoreWeave contract is not, but its amount changed
    assert second.alerts_new == 2
    new_deals = rows(db_path, "select d.payer, d.payee from alerts a join deals d using (deal_id) "
                     "where a.alert_type = 'new_deal' and a.run_id = 'run-2'")
    assert new_deals == [("Microsoft", "OpenAI")]
    ids_after = {r[0] for r in rows(db_path, "select alert_id from alerts")}
    assert ids_before < ids_after
    summaries = [r[0] for r in rows(db_path, "select summary from alerts order by summary")]
    assert "New investment: Microsoft -> OpenAI (27% stake) [announced]" in summaries
    assert "New cloud contract: OpenAI -> CoreWeave $11.9B [announced]" in summaries


def test_known_articles_lists_stored_urls_and_guids(db_path, two_articles):
    assert not known_articles(db_path).has("http://a.test/1", "", "")
    commit(db_path, two_articles)
    known = known_articles(db_path)
    assert known.has("http://a.test/1", "", "")
    assert known.has("http://elsewhere.test/", "http://feeds.test/feed.xml", "http://b.test/2")
    assert not known.has("http://c.test/3", "http://feeds.test/feed.xml", "other-guid")


def test_failed_commit_leaves_previous_state(db_path, two_articles, monkeypatch):
    commit(db_path, two_articles[:1], run_id="run-1")
    before = counts(db_path)

    import warehouse.store

    def broken_alerts(*args, **kwargs):
        raise RuntimeError("crash in the middle of a run")

    monkeypatch.setattr(warehouse.store, "raise_alerts", broken_alerts)
    with pytest.raises(RuntimeError):
        commit(db_path, two_articles[1:], run_id="run-2")
    assert counts(db_path) == before
    monkeypatch.undo()
    assert commit(db_path, two_articles[1:], run_id="run-3").articles_new == 1


def test_runs_and_fetch_log_are_recorded(db_path, two_articles):
    commit(db_path, two_articles, run_id="run-1")
    assert rows(db_path, "select run_id, status, articles_new, mentions, alerts from runs") == [
        ("run-1", "completed", 2, 4, 3)]
    assert rows(db_path, "select count(*) from fetch_log where run_id = 'run-1'") == [(2,)]
