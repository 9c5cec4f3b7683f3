"""Deal extraction, table-driven from tests/deal_sentences.tsv (sentences written for these tests).

Each row gives a text (and optionally a headline) and every deal a careful reader records in it:
``type|payer|payee|amount|currency|stake|status`` joined by " ; ", or "-" for none. Status "confirmed"
accepts announced or completed (the scoring treats them alike)."""

from __future__ import annotations

import csv
import time
from pathlib import Path

import pytest

from extractors.deals import extract_deals
from extractors.records import DEAL_TYPES, STATUSES

TABLE = Path(__file__).with_name("deal_sentences.tsv")


def _rows() -> list[dict[str, str]]:
    with TABLE.open(encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def _expected(cell: str) -> dict[tuple[str, str, str], dict]:
    if cell.strip() == "-":
        return {}
    out = {}
    for item in cell.split(" ; "):
        deal_type, payer, payee, amount, currency, stake, status = item.split("|")
        out[(deal_type, payer, payee)] = {
            "amount": float(amount) if amount else None,
            "currency": currency or None,
            "stake": float(stake) if stake else None,
            "status": status,
        }
    return out


ROWS = _rows()


def test_table_is_big_and_balanced() -> None:
    langs = [r["lang"] for r in ROWS]
    negatives = [r for r in ROWS if r["expected"].strip() == "-"]
    assert len(ROWS) >= 80
    assert langs.count("en") >= 30 and langs.count("es") >= 30
    assert len(negatives) >= 20


@pytest.mark.parametrize("row", ROWS, ids=[r["id"] for r in ROWS])
def test_sentence(row: dict[str, str]) -> None:
    mentions = extract_deals(row["text"], row["title"], language=row["lang"])
    got = {(m.deal_type, m.payer, m.payee): m for m in mentions}
    want = _expected(row["expected"])
    assert set(got) == set(want), [m.evidence for m in mentions]
    for key, exp in want.items():
        m = got[key]
        assert m.deal_type in DEAL_TYPES and m.status in STATUSES
        assert m.amount == pytest.approx(exp["amount"]) if exp["amount"] else m.amount is None, key
        assert m.currency == exp["currency"], key
        assert m.amount_usd == (m.amount if m.currency == "USD" else None)
        assert m.stake_pct == pytest.approx(exp["stake"]) if exp["stake"] else m.stake_pct is None, key
        if exp["status"] == "confirmed":
            assert m.status in ("announced", "completed"), key
        else:
            assert m.status == exp["status"], key
        assert 0.0 <= m.confidence <= 1.0
        assert m.evidence and m.evidence in (row["title"] + " " + row["text"])


@pytest.mark.parametrize("lang", ["en", "es", None])
def test_language_hint_is_optional(lang: str | None) -> None:
    """Without a hint the language is detected; with either hint the obvious deal is still found."""
    text = "Nvidia invertirá 2.000 millones de dólares en Synopsys." if lang != "en" else "Nvidia will invest $2 billion in Synopsys."
    [m] = extract_deals(text, language=lang)
    assert (m.deal_type, m.payer, m.payee, m.amount) == ("investment", "Nvidia", "Synopsys", 2e9)


def test_one_mention_per_relationship_prefers_the_total() -> None:
    text = (
        "Amazon will invest another $4 billion in Anthropic, bringing its total investment in the startup to $8 billion. "
        "Amazon first committed $1.25 billion to Anthropic in 2023."
    )
    [m] = extract_deals(text, "Amazon adds $4 billion to its Anthropic bet")
    assert (m.payer, m.payee, m.amount) == ("Amazon", "Anthropic", 8e9)


def test_headline_figure_used_when_body_has_none() -> None:
    [m] = extract_deals("Las conversaciones siguen abiertas.", "Amazon negocia invertir 10.000 millones de dólares en OpenAI")
    assert (m.payer, m.payee, m.amount, m.status) == ("Amazon", "OpenAI", 10e9, "rumored")


def test_empty_text_gives_nothing() -> None:
    assert extract_deals("") == []
    assert extract_deals("   \n\n  ", "") == []


def test_fast_enough_on_a_long_article() -> None:
    paragraph = " ".join(r["text"] for r in ROWS[:40])
    text = "\n\n".join([paragraph] * 2)
    start = time.perf_counter()
    extract_deals(text, "Microsoft invests $1.5 billion in G42")
    assert time.perf_counter() - start < 2.0


def test_merged_mention_keeps_what_its_halves_say() -> None:
    """"Nvidia's Blackwell" style merges keep the flags: a vouched half vouches, the second half's modifier stays."""
    from extractors.deal_records import Mention
    from extractors.mentions import _merge_adjacent

    doc = "Acme (ACM) chips"
    first = Mention(0, 4, "E", "Acme", weak=True, recurring=True, salient=["Acme"])
    second = Mention(6, 9, "E", "Acme", modifier=True)
    (merged,) = _merge_adjacent(doc, [first, second])
    assert (merged.start, merged.end, merged.name) == (0, 10, "Acme")
    assert merged.modifier and merged.recurring and not merged.weak
    assert merged.salient == ["Acme"]
