"""Scoring found deals against gold: the matching rules of shared/corpus/FORMAT.md, on hand-built inputs."""

from __future__ import annotations

import pytest

from flows.evaluate import missed_targets
from flows.scoring import FoundDeal, NameFolder, RaisedAlert, score

EN, ES = "batch1/articles/en.html", "batch1/articles/es.html"
NOISE = "batch1/articles/earnings.html"


def gold_deal(deal_type="investment", payer="Amazon", payee="OpenAI", **extra) -> dict:
    row = {"deal_type": deal_type, "payer": payer, "payee": payee, "amount": None, "currency": None,
           "stake_pct": None, "status": "announced", "difficulty": "core", "batch": 1, "articles": [EN]}
    row.update(extra)
    return row


def found(deal_type="investment", payer="Amazon", payee="OpenAI", paths=(EN,), **extra) -> FoundDeal:
    langs = frozenset({EN: "en", ES: "es", NOISE: "en"}[p] for p in paths)
    return FoundDeal(deal_type, payer, payee, article_paths=frozenset(paths), languages=langs, **extra)


def corpus(*deals, aliases=None, alerts=()) -> dict:
    return {"articles": [{"path": EN, "lang": "en", "is_deal_news": True},
                         {"path": ES, "lang": "es", "is_deal_news": True},
                         {"path": NOISE, "lang": "en", "is_deal_news": False}],
            "deals": list(deals), "aliases": aliases or {}, "batch2_alerts": list(alerts)}


def test_a_perfect_run_scores_one_everywhere():
    report = score(corpus(gold_deal(), gold_deal("chip_supply", "OpenAI", "AMD")),
                   [found(), found("chip_supply", "OpenAI", "AMD")])
    assert report["overall"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "tp": 2, "fp": 0, "fn": 0}
    assert report["by_deal_type"]["chip_supply"]["tp"] == 1
    assert report["recall_by_difficulty"]["core"] == {"found": 1 + 1, "total": 2, "recall": 1.0}


def test_names_fold_through_aliases_and_case():
    report = score(corpus(gold_deal("cloud_contract", "OpenAI", "Amazon"), aliases={"Amazon": ["AWS"]}),
                   [found("cloud_contract", "openai", "AWS")])
    assert (report["overall"]["tp"], report["overall"]["fp"]) == (1, 0)


def test_folder_leaves_unknown_names_alone_but_ignores_case_and_spacing():
    fold = NameFolder({"Amazon": ["Amazon Web Services"]})
    assert fold("amazon  web services") == fold("Amazon") == "amazon"
    assert fold("Nebius") == "nebius"


def test_an_alternative_type_matches_and_counts_under_the_type_found():
    report = score(corpus(gold_deal("cloud_contract", "Anthropic", "Google", alt_deal_types=["chip_supply"])),
                   [found("chip_supply", "Anthropic", "Google")])
    assert report["overall"]["tp"] == 1
    assert report["by_deal_type"]["chip_supply"]["tp"] == 1
    assert "cloud_contract" not in report["by_deal_type"]


def test_a_primary_type_is_not_taken_by_another_rows_alternative():
    gold = corpus(gold_deal("chip_supply", "Meta", "Google"),
                  gold_deal("cloud_contract", "Meta", "Google", alt_deal_types=["chip_supply"]))
    report = score(gold, [found("chip_supply", "Meta", "Google")])
    assert report["overall"]["tp"] == 1
    assert [m["deal_type"] for m in report["missed"]] == ["cloud_contract"]


def test_optional_deals_count_neither_way():
    gold = corpus(gold_deal(), gold_deal(payer="Nvidia", optional=True), gold_deal(payer="Intel", optional=True))
    report = score(gold, [found(), found(payer="Nvidia")])
    assert report["overall"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "tp": 1, "fp": 0, "fn": 0}


def test_an_extra_deal_is_a_false_positive_in_its_languages():
    report = score(corpus(gold_deal()), [found(), found(payer="Google", paths=(EN, ES))])
    assert report["overall"]["fp"] == 1
    assert report["overall"]["precision"] == 0.5
    assert report["by_language"]["en"]["fp"] == report["by_language"]["es"]["fp"] == 1
    assert report["extra"][0]["payer"] == "Google"
    assert report["distractor_deals"] == 0


def test_a_deal_from_a_distractor_article_is_counted():
    report = score(corpus(gold_deal()), [found(), found(payer="Broadcom", paths=(NOISE,))])
    assert report["distractor_deals"] == 1
    assert missed_targets(report)[-1].startswith("1 deal(s) extracted from distractor articles")


def test_a_second_row_for_the_same_relationship_is_a_false_positive():
    report = score(corpus(gold_deal(), aliases={"Amazon": ["AWS"]}), [found(), found(payer="AWS")])
    assert (report["overall"]["tp"], report["overall"]["fp"]) == (1, 1)


def test_each_language_is_scored_on_its_own_articles():
    gold = corpus(gold_deal(articles=[EN, ES]))
    report = score(gold, [found(paths=(EN,))])
    assert report["overall"]["recall"] == 1.0
    assert report["by_language"]["en"]["core_recall"] == 1.0
    assert report["by_language"]["es"]["core_recall"] == 0.0
    assert report["by_language"]["es"]["fn"] == 1


@pytest.mark.parametrize(("found_amount", "currency", "right"), [
    (10_040_000_000, "USD", True),    # 0.4% off
    (10_060_000_000, "USD", False),   # 0.6% off
    (10_000_000_000, "EUR", False),   # the right figure in the wrong currency
    (None, None, False),
])
def test_amount_accuracy_allows_half_a_percent(found_amount, currency, right):
    gold = corpus(gold_deal(amount=10_000_000_000, currency="USD"))
    report = score(gold, [found(amount=found_amount, currency=currency)])
    assert report["accuracy"]["amount"] == {"right": int(right), "total": 1, "share": float(right)}
    assert bool(report["wrong_values"]) != right


@pytest.mark.parametrize(("gold_status", "found_status", "right"), [
    ("announced", "completed", True),
    ("completed", "announced", True),
    ("rumored", "rumored", True),
    ("rumored", "announced", False),
    ("completed", "rumored", False),
])
def test_status_accuracy_treats_announced_and_completed_as_confirmed(gold_status, found_status, right):
    report = score(corpus(gold_deal(status=gold_status)), [found(status=found_status)])
    assert report["accuracy"]["status"]["right"] == int(right)


def test_stake_accuracy_and_deals_without_figures():
    gold = corpus(gold_deal(stake_pct=10.0), gold_deal(payer="Google"))
    report = score(gold, [found(stake_pct=10.0), found(payer="Google", stake_pct=3.0)])
    assert report["accuracy"]["stake_pct"] == {"right": 1, "total": 1, "share": 1.0}
    assert report["accuracy"]["amount"]["total"] == 0


def test_hard_deals_have_their_own_recall():
    gold = corpus(gold_deal(), gold_deal(payer="Nvidia", difficulty="hard"), gold_deal(payer="SoftBank", difficulty="hard"))
    report = score(gold, [found(), found(payer="Nvidia")])
    assert report["recall_by_difficulty"]["hard"] == {"found": 1, "total": 2, "recall": 0.5}
    assert report["recall_by_difficulty"]["core"]["recall"] == 1.0


def test_batch2_alerts_are_matched_missing_or_unexpected():
    expected = [{"alert_type": "new_deal", "deal_type": "investment", "payer": "Amazon", "payee": "OpenAI"},
                {"alert_type": "deal_changed", "deal_type": "investment", "payer": "Amazon", "payee": "OpenAI",
                 "field": "status", "old": "rumored", "new": "announced"}]
    raised = [RaisedAlert("new_deal", "investment", "AWS", "OpenAI"),
              RaisedAlert("deal_changed", "investment", "Amazon", "OpenAI", "amount", "1", "2")]
    report = score(corpus(gold_deal(), aliases={"Amazon": ["AWS"]}, alerts=expected), [found()], raised)
    alerts = report["alerts_batch2"]
    assert (alerts["expected"], alerts["raised"], alerts["matched"]) == (2, 2, 1)
    assert alerts["missing"] == [{"alert_type": "deal_changed", "deal_type": "investment", "payer": "amazon",
                                  "payee": "openai", "field": "status"}]
    assert [a["field"] for a in alerts["unexpected"]] == ["amount"]


def test_alerts_name_the_gold_type_and_ignore_optional_deals():
    gold = corpus(gold_deal("cloud_contract", "Meta", "Google", alt_deal_types=["chip_supply"]),
                  gold_deal(payer="Nvidia", optional=True),
                  alerts=[{"alert_type": "new_deal", "deal_type": "cloud_contract", "payer": "Meta", "payee": "Google"}])
    raised = [RaisedAlert("new_deal", "chip_supply", "Meta", "Google"),
              RaisedAlert("new_deal", "investment", "Nvidia", "OpenAI")]
    alerts = score(gold, [found("chip_supply", "Meta", "Google"), found(payer="Nvidia")], raised)["alerts_batch2"]
    assert (alerts["matched"], alerts["unexpected"], alerts["missing"]) == (1, [], [])


def test_missed_targets_names_each_figure_below_its_bar():
    gold = corpus(*(gold_deal(payer=f"Investor {i}") for i in range(10)), gold_deal(payer="X", difficulty="hard"))
    perfect = score(gold, [found(payer=f"Investor {i}") for i in range(10)] + [found(payer="X")])
    assert missed_targets(perfect) == []
    report = score(gold, [found(payer=f"Investor {i}") for i in range(9)] + [found(payer="Y"), found(payer="Z")])
    failures = missed_targets(report)
    assert "core recall 0.900 < 0.95" in failures
    assert "hard recall 0.000 < 0.60" in failures
    assert any(line.startswith("precision 0.818") for line in failures)
    assert any(line.startswith("core recall (en)") for line in failures)
