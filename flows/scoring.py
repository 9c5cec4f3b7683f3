"""Scoring extracted deals against a labeled corpus's ``gold.json``.

Pure functions: the deals and alerts a run produced go in, one JSON-ready
report comes out. ``flows.evaluate`` runs the flow and collects the inputs.

The rules follow ``shared/corpus/FORMAT.md``:

* a found deal matches a gold deal on ``deal_type`` (or one of its
  ``alt_deal_types``), payer and payee, names folded through the corpus's
  ``aliases`` and case;
* ``optional`` gold deals count neither way: finding one is no error, missing
  one is no miss;
* precision counts every found deal that matches no gold deal as a false
  positive (a second row for the same relationship included);
* a gold deal counts as found *in a language* only when the matching deal was
  mentioned by an article in that language, so each language is scored on
  its own articles;
* ``announced`` and ``completed`` are both "confirmed" for status accuracy.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

AMOUNT_TOLERANCE = 0.005  # relative: 0.5%
STAKE_TOLERANCE = 0.05    # percentage points


@dataclass(frozen=True)
class FoundDeal:
    deal_type: str
    payer: str
    payee: str
    amount: float | None = None
    currency: str | None = None
    stake_pct: float | None = None
    status: str = "announced"
    article_paths: frozenset[str] = frozenset()  # corpus-relative, e.g. batch1/articles/x.html
    languages: frozenset[str] = frozenset()      # of those articles


@dataclass(frozen=True)
class RaisedAlert:
    alert_type: str
    deal_type: str | None
    payer: str | None
    payee: str | None
    field: str | None = None
    old_value: str | None = None
    new_value: str | None = None


@dataclass
class _Match:
    gold: dict
    found: FoundDeal | None = None


@dataclass
class _Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    extra: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        precision = _ratio(self.tp, self.tp + self.fp)
        recall = _ratio(self.tp, self.tp + self.fn)
        f1 = (None if precision is None or recall is None or precision + recall == 0
              else 2 * precision * recall / (precision + recall))
        return {"precision": precision, "recall": recall, "f1": _round(f1),
                "tp": self.tp, "fp": self.fp, "fn": self.fn, **self.extra}


def _ratio(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, 4)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


class NameFolder:
    """Folds company names to the corpus's canonical names: case, spacing, aliases."""

    def __init__(self, aliases: dict[str, list[str]]):
        self._canonical: dict[str, str] = {}
        for name, others in aliases.items():
            for alias in [name, *others]:
                self._canonical[self._normalise(alias)] = self._normalise(name)

    @staticmethod
    def _normalise(name: str) -> str:
        return re.sub(r"\s+", " ", name).strip(" .,").casefold()

    def __call__(self, name: str | None) -> str:
        key = self._normalise(name or "")
        return self._canonical.get(key, key)


def _confirmed(status: str | None) -> bool:
    return status in ("announced", "completed")


def _amount_right(gold: dict, found: FoundDeal) -> bool:
    if found.amount is None or (gold.get("currency") and found.currency and gold["currency"] != found.currency):
        return False
    return abs(found.amount - gold["amount"]) <= AMOUNT_TOLERANCE * abs(gold["amount"])


def _stake_right(gold: dict, found: FoundDeal) -> bool:
    return found.stake_pct is not None and abs(found.stake_pct - gold["stake_pct"]) <= STAKE_TOLERANCE


def _match_deals(gold_deals: list[dict], found: list[FoundDeal], fold: NameFolder) -> tuple[list[_Match], list[FoundDeal]]:
    """Pair gold deals with found deals; returns the pairs and the found deals left over."""
    by_key: dict[tuple, list[FoundDeal]] = defaultdict(list)
    for deal in found:
        by_key[(deal.deal_type, fold(deal.payer), fold(deal.payee))].append(deal)
    # Required deals before optional ones, primary types before alternatives, so
    # an alternative type never takes a deal another gold row names directly.
    matches = [_Match(gold) for gold in sorted(gold_deals, key=lambda g: bool(g.get("optional")))]
    for use_alternatives in (False, True):
        for match in matches:
            if match.found is not None:
                continue
            types = match.gold.get("alt_deal_types", []) if use_alternatives else [match.gold["deal_type"]]
            for deal_type in types:
                candidates = by_key.get((deal_type, fold(match.gold["payer"]), fold(match.gold["payee"])))
                if candidates:
                    match.found = candidates.pop(0)
                    break
    leftover = [deal for deals in by_key.values() for deal in deals]
    return matches, leftover


def _describe(deal: FoundDeal | dict) -> dict[str, Any]:
    if isinstance(deal, dict):
        keys = ("deal_type", "payer", "payee", "amount", "stake_pct", "status", "difficulty")
        return {key: deal.get(key) for key in keys}
    return {"deal_type": deal.deal_type, "payer": deal.payer, "payee": deal.payee, "amount": deal.amount,
            "stake_pct": deal.stake_pct, "status": deal.status, "articles": sorted(deal.article_paths)}


def score(gold: dict, found: list[FoundDeal], batch2_alerts: list[RaisedAlert] | None = None) -> dict[str, Any]:
    """The evaluation report for one corpus run (see the module docstring for the rules)."""
    fold = NameFolder(gold.get("aliases", {}))
    lang_of = {article["path"]: article.get("lang") for article in gold.get("articles", [])}
    distractors = {article["path"] for article in gold.get("articles", []) if not article.get("is_deal_news", True)}
    matches, leftover = _match_deals(gold.get("deals", []), found, fold)

    overall, by_type, by_lang = _Counts(), defaultdict(_Counts), defaultdict(_Counts)
    difficulty: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    core_by_lang: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    accuracy = {name: [0, 0] for name in ("amount", "stake_pct", "status")}
    missed, wrong = [], []

    for match in matches:
        gold_deal, deal = match.gold, match.found
        if gold_deal.get("optional"):
            continue
        languages = {lang_of.get(path) for path in gold_deal.get("articles", [])} - {None}
        hit = deal is not None
        level = gold_deal.get("difficulty", "core")
        difficulty[level][0] += hit
        difficulty[level][1] += 1
        for lang in languages:
            found_here = hit and lang in deal.languages
            counts = by_lang[lang]
            if found_here:
                counts.tp += 1
            else:
                counts.fn += 1
            if level == "core":
                core_by_lang[lang][0] += found_here
                core_by_lang[lang][1] += 1
        if not hit:
            overall.fn += 1
            by_type[gold_deal["deal_type"]].fn += 1
            missed.append(_describe(gold_deal))
            continue
        overall.tp += 1
        by_type[deal.deal_type].tp += 1
        checks = {"status": _confirmed(deal.status) == _confirmed(gold_deal.get("status"))}
        if gold_deal.get("amount") is not None:
            checks["amount"] = _amount_right(gold_deal, deal)
        if gold_deal.get("stake_pct") is not None:
            checks["stake_pct"] = _stake_right(gold_deal, deal)
        for name, right in checks.items():
            accuracy[name][0] += right
            accuracy[name][1] += 1
        if not all(checks.values()):
            wrong.append({"gold": _describe(gold_deal), "found": _describe(deal),
                          "wrong": sorted(name for name, right in checks.items() if not right)})

    for deal in leftover:
        overall.fp += 1
        by_type[deal.deal_type].fp += 1
        for lang in deal.languages:
            by_lang[lang].fp += 1

    for lang, (hits, total) in core_by_lang.items():
        by_lang[lang].extra = {"core_recall": _ratio(hits, total), "core_found": hits, "core_total": total}

    report = {
        "overall": overall.as_dict(),
        "by_deal_type": {name: counts.as_dict() for name, counts in sorted(by_type.items())},
        "by_language": {name: counts.as_dict() for name, counts in sorted(by_lang.items())},
        "recall_by_difficulty": {level: {"found": hits, "total": total, "recall": _ratio(hits, total)}
                                 for level, (hits, total) in sorted(difficulty.items())},
        "accuracy": {name: {"right": right, "total": total, "share": _ratio(right, total)}
                     for name, (right, total) in accuracy.items()},
        "distractor_deals": sum(1 for deal in leftover if deal.article_paths & distractors),
        "missed": missed,
        "extra": [_describe(deal) for deal in leftover],
        "wrong_values": wrong,
    }
    if batch2_alerts is not None:
        report["alerts_batch2"] = score_alerts(gold, matches, batch2_alerts, fold)
    return report


# The alert types gold.json's batch2_alerts can hold (shared/corpus/FORMAT.md).
SCORED_ALERT_TYPES = ("new_deal", "deal_changed")


def _alert_key(alert_type: str, deal_type: str | None, payer: str | None, payee: str | None,
               field_name: str | None, fold: NameFolder) -> tuple:
    return (alert_type, deal_type, fold(payer), fold(payee), field_name if alert_type == "deal_changed" else None)


def score_alerts(gold: dict, matches: list[_Match], raised: list[RaisedAlert], fold: NameFolder) -> dict[str, Any]:
    """Batch-2 alerts against ``batch2_alerts``, compared on type, deal and field."""
    # A raised alert names the deal by the type we gave it; name it by the gold
    # type when the deal matched a gold row through an alternative type.
    gold_type: dict[tuple, str] = {}
    optional_keys: set[tuple] = set()
    for match in matches:
        if match.found is not None:
            key = (match.found.deal_type, fold(match.found.payer), fold(match.found.payee))
            gold_type[key] = match.gold["deal_type"]
            if match.gold.get("optional"):
                optional_keys.add((match.gold["deal_type"], fold(match.gold["payer"]), fold(match.gold["payee"])))

    expected = [_alert_key(a["alert_type"], a.get("deal_type"), a.get("payer"), a.get("payee"), a.get("field"), fold)
                for a in gold.get("batch2_alerts", [])]
    remaining = list(expected)
    matched, unexpected = 0, []
    # The gold format names alerts by deal: a loop alert (new_circular_deal) cannot be in it, so it is
    # counted apart rather than called unexpected.
    not_scored: dict[str, int] = {}
    for alert in raised:
        if alert.alert_type not in SCORED_ALERT_TYPES:
            not_scored[alert.alert_type] = not_scored.get(alert.alert_type, 0) + 1
            continue
        deal_type = gold_type.get((alert.deal_type, fold(alert.payer), fold(alert.payee)), alert.deal_type)
        key = _alert_key(alert.alert_type, deal_type, alert.payer, alert.payee, alert.field, fold)
        if key in remaining:
            remaining.remove(key)
            matched += 1
        elif key[1:4] not in optional_keys:
            unexpected.append(_alert_dict(key))
    return {"expected": len(expected), "raised": len(raised) - sum(not_scored.values()), "matched": matched,
            "not_scored": not_scored,
            "precision": _ratio(matched, matched + len(unexpected)), "recall": _ratio(matched, len(expected)),
            "missing": [_alert_dict(key) for key in remaining], "unexpected": unexpected}


def _alert_dict(key: tuple) -> dict[str, Any]:
    alert_type, deal_type, payer, payee, field_name = key
    out = {"alert_type": alert_type, "deal_type": deal_type, "payer": payer, "payee": payee}
    if field_name:
        out["field"] = field_name
    return out
