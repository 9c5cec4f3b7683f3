"""Deal history (deal_history, SCD2), deal_changes and their deal_changed alerts, on hand-built records."""

from __future__ import annotations

import pytest

from tests.conftest import utc
from tests.test_warehouse import article, commit, mention, rows

CHANGES = "select payer, payee, field, old_value, new_value from deal_changes order by payer, payee, field, version"
CHANGE_ALERTS = """select d.payer, d.payee, a.field, a.old_value, a.new_value from alerts a join deals d using (deal_id)
                   where a.alert_type = 'deal_changed' order by d.payer, d.payee, a.field, a.alert_id"""


def report(url, published, *mentions, fetched=None):
    return article(url, published, list(mentions), fetched=fetched)


def test_each_changed_field_is_one_change_and_one_alert_with_old_and_new(db_path):
    commit(db_path, [report("http://a.test/1", utc(2025, 3, 1),
                            mention("cloud_contract", "OpenAI", "CoreWeave", status="rumored", amount=11.9e9))],
           run_id="r1")
    second = commit(db_path, [report("http://a.test/2", utc(2025, 9, 25),
                                     mention("cloud_contract", "OpenAI", "CoreWeave", amount=22.4e9))], run_id="r2")
    wanted = [("OpenAI", "CoreWeave", "amount", "11900000000", "22400000000"),
              ("OpenAI", "CoreWeave", "status", "rumored", "announced")]
    assert rows(db_path, CHANGES) == wanted
    assert rows(db_path, CHANGE_ALERTS) == wanted
    assert second.alerts_new == 2
    summaries = rows(db_path, "select summary from alerts where alert_type = 'deal_changed' order by field")
    assert summaries == [("Changed cloud contract: OpenAI -> CoreWeave amount 11900000000 USD -> 22400000000 USD",),
                         ("Changed cloud contract: OpenAI -> CoreWeave status rumored -> announced",)]
    # the change names the article that brought the new value
    assert rows(db_path, "select distinct article_url from deal_changes") == [("http://a.test/2",)]


def test_reporting_the_same_values_again_changes_nothing(db_path):
    deal = mention("investment", "Microsoft", "OpenAI", amount=13e9, stake=27)
    commit(db_path, [report("http://a.test/1", utc(2025, 3, 1), deal)], run_id="r1")
    again = commit(db_path, [report("http://b.test/1", utc(2025, 4, 1), deal)], run_id="r2")
    assert again.alerts_new == 0
    assert rows(db_path, "select count(*) from deal_changes") == [(0,)]
    assert rows(db_path, "select version, valid_to is null from deal_history") == [(1, True)]


@pytest.mark.parametrize("before, after, changed", [
    ((11.9e9, "USD"), (11.88e9, "USD"), False),  # the same figure restated
    ((11.9e9, "USD"), (12.0e9, "USD"), True),
    ((None, None), (5e9, "USD"), True),          # an amount disclosed
    ((1.3e9, "EUR"), (1.3e9, "EUR"), False),
    ((1.3e9, "EUR"), (1.5e9, "USD"), True),      # another currency, no dollar value before: changed
])
def test_what_counts_as_an_amount_change(db_path, before, after, changed):
    commit(db_path, [report("http://a.test/1", utc(2025, 3, 1),
                            mention("investment", "ASML", "Mistral", amount=before[0], currency=before[1] or "USD"))],
           run_id="r1")
    commit(db_path, [report("http://a.test/2", utc(2025, 4, 1),
                            mention("investment", "ASML", "Mistral", amount=after[0], currency=after[1]))], run_id="r2")
    assert rows(db_path, "select count(*) from deal_changes where field = 'amount'") == [(int(changed),)]


def test_an_amount_disclosed_reads_from_unknown(db_path):
    commit(db_path, [report("http://a.test/1", utc(2025, 3, 1), mention("investment", "ASML", "Mistral"))],
           run_id="r1")
    commit(db_path, [report("http://a.test/2", utc(2025, 4, 1), mention("investment", "ASML", "Mistral",
                                                                        amount=1.3e9, currency="EUR"))], run_id="r2")
    assert rows(db_path, "select summary from alerts where alert_type = 'deal_changed'") == [
        ("Changed investment: ASML -> Mistral amount unknown -> 1300000000 EUR",)]


def test_a_stake_disclosed_later_is_a_change_from_unknown(db_path):
    commit(db_path, [report("http://a.test/1", utc(2025, 3, 1), mention("investment", "Nvidia", "Intel", amount=5e9))],
           run_id="r1")
    commit(db_path, [report("http://a.test/2", utc(2025, 4, 1), mention("investment", "Nvidia", "Intel", stake=4))],
           run_id="r2")
    assert rows(db_path, CHANGES) == [("Nvidia", "Intel", "stake_pct", None, "4")]
    # the later article gave no amount: the amount stays, and is no change
    assert rows(db_path, "select amount, stake_pct from deals") == [(5e9, 4.0)]


def test_an_old_article_fetched_late_moves_nothing_back(db_path):
    commit(db_path, [report("http://new.test/1", utc(2025, 11, 1),
                            mention("investment", "Amazon", "Anthropic", status="completed", amount=8e9))], run_id="r1")
    late = report("http://old.test/1", utc(2024, 1, 1),
                  mention("investment", "Amazon", "Anthropic", status="rumored", amount=4e9), fetched=utc(2025, 12, 30))
    assert commit(db_path, [late], run_id="r2").alerts_new == 0
    assert rows(db_path, "select amount, status from deals") == [(8e9, "completed")]
    assert rows(db_path, "select count(*) from deal_changes") == [(0,)]


def test_history_reconstructs_the_deals_of_every_past_run(db_path):
    steps = [
        ("r1", utc(2025, 1, 1), mention("chip_supply", "Meta", "Google", status="rumored")),
        ("r2", utc(2025, 2, 1), mention("chip_supply", "Meta", "Google", amount=12e9)),
        ("r3", utc(2025, 3, 1), mention("chip_supply", "Meta", "Google", status="completed", amount=14e9)),
    ]
    seen = {}
    for index, (run_id, published, deal) in enumerate(steps):
        commit(db_path, [report(f"http://a.test/{index}", published, deal)], run_id=run_id)
        seen[run_id] = rows(db_path, "select amount, status from deals")
    assert [v[0][1] for v in seen.values()] == ["rumored", "announced", "completed"]
    for run_id, deals_then in seen.items():
        # deal_history's validity, against each run's commit time (runs.ended_at)
        as_of = rows(db_path, f"""
            select h.amount, h.status from deal_history h, (select ended_at from runs where run_id = '{run_id}') r
            where h.valid_from <= r.ended_at and (h.valid_to is null or h.valid_to > r.ended_at)""")
        assert as_of == deals_then, run_id
    assert rows(db_path, "select version, changed_fields from deal_history order by version") == [
        (1, []), (2, ["amount", "status"]), (3, ["amount", "status"])]
    # exactly one version is open, and each closed one ends where the next begins
    assert rows(db_path, """select count(*) filter (where valid_to is null),
                                   count(*) filter (where valid_to is not null and valid_to <> next_from)
                            from (select valid_to, lead(valid_from) over (order by version) as next_from
                                  from deal_history)""") == [(1, 0)]


def test_a_change_and_its_alert_are_committed_together_or_not_at_all(db_path, monkeypatch):
    commit(db_path, [report("http://a.test/1", utc(2025, 3, 1), mention("investment", "SoftBank", "OpenAI",
                                                                        amount=30e9))], run_id="r1")

    def broken(*args, **kwargs):
        raise RuntimeError("disk full while raising alerts")

    monkeypatch.setattr("warehouse.store.raise_alerts", broken)
    completed = report("http://a.test/2", utc(2025, 4, 1), mention("investment", "SoftBank", "OpenAI",
                                                                    status="completed", amount=30e9))
    with pytest.raises(RuntimeError):
        commit(db_path, [completed], run_id="r2")
    assert rows(db_path, "select count(*) from deal_history") == [(1,)]
    assert rows(db_path, "select count(*) from alerts where alert_type = 'deal_changed'") == [(0,)]
    monkeypatch.undo()
    commit(db_path, [completed], run_id="r3")
    assert rows(db_path, CHANGE_ALERTS) == [("SoftBank", "OpenAI", "status", "announced", "completed")]


def test_rerunning_a_commit_raises_no_second_change(db_path):
    commit(db_path, [report("http://a.test/1", utc(2025, 3, 1), mention("investment", "SoftBank", "OpenAI"))],
           run_id="r1")
    later = [report("http://a.test/2", utc(2025, 4, 1), mention("investment", "SoftBank", "OpenAI", status="completed"))]
    assert commit(db_path, later, run_id="r2").alerts_new == 1
    assert commit(db_path, later, run_id="r3").alerts_new == 0
    assert rows(db_path, "select count(*) from deal_history") == [(2,)]
