"""A sentence as the trigger rows read it: organisations become <E..> (<R..> pronouns, <Q..> product lines),
amounts <M..> and percentages <P..>, each token keeping what it stands for."""

from __future__ import annotations

import logging
import re

from extractors import cues
from extractors.deal_records import MaskedMoney, Mention, Sentence
from extractors.money import Money, to_usd

logger = logging.getLogger(__name__)


_PERCENT = re.compile(r"(?<![\d.,])(\d{1,3}(?:[.,]\d{1,2})?)\s?(?:%|por ciento\b|percent\b|per cent\b)")


def money_items(
    doc: str, s: int, e: int, monies: list[Money], names: list[tuple[int, int]] = ()
) -> list[tuple[int, int, MaskedMoney]]:
    """The amounts of doc[s:e] with what their context says: a deal figure or not, a total, a round's size.

    ``names`` are the spans of the organisations named there: their words are no cue ("Mercado Libre amplía a
    3.200 millones" names a company, not a market)."""
    items = []
    floor = 0
    sentence = doc[s:e]
    for start, end in names:
        if s <= start and end <= e:
            sentence = sentence[: start - s] + re.sub(r"\w", "_", sentence[start - s : end - s]) + sentence[end - s :]
    for money in monies:
        if not (s <= money.start and money.end <= e):
            continue
        is_deal, is_total = cues.money_context(sentence, money.start - s, money.end - s, floor)
        usd = to_usd(money.amount, money.currency)
        if usd is None:
            usd = _converted_after(doc, money, monies)  # "1 trillion won ($690 million)": the text's own rate
        if (usd if usd is not None else money.amount) >= cues.max_deal_amount():
            is_deal = False
        is_round = cues.is_round_figure(sentence, money.start - s, money.end - s)
        items.append((money.start, money.end, MaskedMoney(money, is_deal, is_total, is_round)))
        floor = money.end - s
    return items


def _converted_after(doc: str, money: Money, monies: list[Money]) -> float | None:
    """The dollar figure the text gives in brackets right after an amount in another currency, else None."""
    for other in monies:
        if other.currency == "USD" and re.fullmatch(r"\s*[(\[–—-]\s*(?:about |around |roughly |some |unos |alrededor de )?", doc[money.end : other.start]):
            return other.amount
    return None


def mask(doc: str, start: int, end: int, items: list[tuple[int, int, object]], in_headline: bool) -> Sentence:
    """doc[start:end] with each item (mention, amount, percentage) replaced by its token; an item that
    overlaps one before it is left in the text."""
    parts: list[str] = []
    tokens: dict[str, object] = {}
    spans: list[tuple[int, int, str]] = []
    original: list[tuple[int, int]] = []
    pos = start
    length = 0
    for i, (s, e, obj) in enumerate(sorted(items, key=lambda t: t[0])):
        if s < pos:
            continue
        parts.append(doc[pos:s])
        length += s - pos
        kind = obj.kind if isinstance(obj, Mention) else ("M" if isinstance(obj, MaskedMoney) else "P")
        token = f"<{kind}{i}>"
        tokens[token] = obj
        spans.append((length, length + len(token), token))
        original.append((s, e))
        parts.append(token)
        length += len(token)
        pos = e
    parts.append(doc[pos:end])
    return Sentence(start, end, "".join(parts), tokens, spans, in_headline, original)


def percent_items(doc: str, s: int, e: int) -> list[tuple[int, int, float]]:
    """Percentages of doc[s:e] that may be stakes (growth rates and profit shares never are)."""
    return [
        (s + p.start(), s + p.end(), float(p.group(1).replace(",", ".")))
        for p in _PERCENT.finditer(doc[s:e])
        if not cues.percent_is_not_stake(doc, s + p.start(), s + p.end())
    ]
