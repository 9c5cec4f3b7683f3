"""circular_deals (loops of money, a recursive CTE) and new_circular_deal alerts."""

from __future__ import annotations

import duckdb
import pytest

from flows.ingest import ingest_news
from flows.sites import SiteServer, demo_sites_root
from tests.conftest import utc
from tests.test_warehouse import article, commit, mention, rows

LOOPS = "select path, length from circular_deals order by length, path"


def deals_article(url, *pairs, amount=None):
    """One article stating investments payer -> payee for each pair."""
    return article(url, utc(2025, 5, 1), [mention("investment", p, q, amount=amount) for p, q in pairs])


def test_each_loop_once_from_its_first_company_whatever_the_rotation(db_path):
    commit(db_path, [deals_article("http://a.test/1", ("OpenAI", "CoreWeave"), ("CoreWeave", "Nvidia"),
                                   ("Nvidia", "OpenAI"), ("Amazon", "OpenAI"), ("OpenAI", "Amazon"))])
    assert rows(db_path, LOOPS) == [("Amazon -> OpenAI -> Amazon", 2),
                                    ("CoreWeave -> Nvidia -> OpenAI -> CoreWeave", 3)]
    assert rows(db_path, "select companies from circular_deals where length = 3") == [(["CoreWeave", "Nvidia", "OpenAI"],)]


def test_loops_longer_than_five_are_not_listed_and_paths_not_closing_are_not_loops(db_path):
    ring = ["A1", "B2", "C3", "D4", "E5", "F6"]
    five = ["P1", "Q2", "R3", "S4", "T5"]
    pairs = list(zip(ring, ring[1:] + ring[:1])) + list(zip(five, five[1:] + five[:1])) + [("X", "Y"), ("Y", "Z")]
    commit(db_path, [deals_article("http://a.test/1", *pairs)])
    assert rows(db_path, LOOPS) == [("P1 -> Q2 -> R3 -> S4 -> T5 -> P1", 5)]


def test_a_loop_lists_every_deal_of_its_edges_and_sums_known_dollars(db_path):
    commit(db_path, [article("http://a.test/1", utc(2025, 5, 1), [
        mention("investment", "Amazon", "OpenAI", amount=10e9),
        mention("cloud_contract", "OpenAI", "Amazon", amount=38e9),
        mention("chip_supply", "OpenAI", "Amazon"),  # a second deal on the same edge, no figure
    ])])
    [(deal_ids, total)] = rows(db_path, "select deal_ids, total_amount_usd from circular_deals")
    types = rows(db_path, f"select deal_type from deals where list_contains({deal_ids!r}, deal_id) order by deal_type")
    assert sorted(t for (t,) in types) == ["chip_supply", "cloud_contract", "investment"] and len(deal_ids) == 3
    assert total == pytest.approx(48e9)


def test_a_new_loop_alerts_once_when_it_first_appears(db_path):
    commit(db_path, [deals_article("http://a.test/1", ("Microsoft", "OpenAI"))], run_id="r1")
    assert rows(db_path, "select count(*) from alerts where alert_type = 'new_circular_deal'") == [(0,)]
    closing = article("http://a.test/2", utc(2025, 6, 1), [mention("cloud_contract", "OpenAI", "Microsoft",
                                                                   amount=250e9)])
    commit(db_path, [closing], run_id="r2")
    commit(db_path, [article("http://a.test/3", utc(2025, 7, 1), [mention("cloud_contract", "OpenAI", "Microsoft",
                                                                          amount=250e9)])], run_id="r3")
    alerts = rows(db_path, "select run_id, summary, deal_id from alerts where alert_type = 'new_circular_deal'")
    assert alerts == [("r2", "New circular deal: Microsoft -> OpenAI -> Microsoft (2 deals, $250B known)", None)]


def test_the_seed_article_alone_gives_its_two_loops(prefect, tmp_path):
    """The user's Spanish article: Amazon and OpenAI buy from each other, and OpenAI -> CoreWeave ->
    Nvidia -> OpenAI (OpenAI's contract with CoreWeave, CoreWeave's Nvidia chips, Nvidia's stake)."""
    db = str(tmp_path / "seed.duckdb")
    config = tmp_path / "seed.toml"
    with SiteServer(demo_sites_root()) as site:
        [seed_feed] = [u for u in site.feed_urls() if u.endswith("/noticias-tech-hoy.xml")]
        config.write_text(f'[[feeds]]\nurl = "{seed_feed}"\n\n[fetch]\nallow_private_networks = true\n'
                          "per_host_delay = 0\n", encoding="utf-8")
        summary = ingest_news(config_path=str(config), db_path=db)
    assert summary.articles_new == 1 and not summary.failed
    con = duckdb.connect(db, read_only=True)
    try:
        loops = {path for (path,) in con.execute("select path from circular_deals").fetchall()}
        alerted = {summary for (summary,) in con.execute(
            "select summary from alerts where alert_type = 'new_circular_deal'").fetchall()}
    finally:
        con.close()
    assert {"Amazon -> OpenAI -> Amazon", "CoreWeave -> Nvidia -> OpenAI -> CoreWeave"} <= loops
    assert len(alerted) == len(loops)
