"""What a figure in a sentence is: a deal amount or not (valuation, revenue, capex, per-share price), a
total, one party's own commitment, a round's size, a purchase of compute or of shares; and which
percentages own nothing."""

from __future__ import annotations

import logging
import re
from functools import lru_cache

from extractors.cue_table import cue_table, words_regex

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _money_cues() -> dict[str, re.Pattern[str]]:
    m = cue_table()["money"]
    deal_nouns = "|".join(re.escape(w) for w in m["deal_noun_before_valued"])
    return {
        "before": re.compile(words_regex(m["not_deal_before"]), re.I),
        "after": re.compile(r"^[\s,]*" + words_regex(m["not_deal_after"]), re.I),
        "total": re.compile(words_regex(m["total_before"]), re.I),
        # "a $10bn contract, valued at", "un contrato plurianual de computación en la nube valorado en": the deal
        # noun, then a few words or lower-case words of its own description (no name: "the deal with Anthropic,
        # valued at" values Anthropic)
        "valued_deal": re.compile(
            rf"(?:{deal_nouns})(?:\W+(?:[\w$€]+\W+){{0,3}}?|\s+(?-i:(?:(?!(?:with|con|between|entre)\s)[a-záéíóúñ-]+\s+){{4,7}}?))(?:valued|valorad[oa]|worth)\b",
            re.I,
        ),
    }


def money_context(sentence: str, start: int, end: int, floor: int = 0) -> tuple[bool, bool]:
    """(is a deal amount, is stated as a total) for the money at sentence[start:end].

    ``floor`` is where the clause of this amount begins (the end of the amount before it), so a cue that
    belongs to an earlier figure ("revenue of $40 billion, and a $10 billion deal") does not leak."""
    table = cue_table()["money"]
    cues = _money_cues()
    window_start = max(floor, start - table["window_chars_before"])
    before = sentence[window_start:start]
    is_deal = True
    hit = cues["before"].search(before)
    if hit and _SPEND_ON.search(before) and _ON_SOMETHING.match(sentence, end):
        hit = None  # "weighing spending up to $14bn on Nvidia's processors": a purchase, not a budget
    if hit:
        wide = sentence[max(0, window_start - 40) : start]
        is_deal = bool(cues["valued_deal"].search(wide)) and hit.group(0).lower().startswith(("valu", "valor"))
    if cues["after"].match(sentence[end : end + 30]):
        is_deal = False
    total_to = _TOTAL_TO.search(sentence[max(floor, start - 120) : start])
    return is_deal, bool(cues["total"].search(before) or total_to) or _own_commitment(sentence, start, end)


# "spending up to $14bn on", "gastará 2.000 millones en": the verb right before the figure, the thing bought after
_SPEND_ON = re.compile(
    r"\b(?:spending|spend|spends|spent|gastar|gastará|gastaría|gastarán|gastó|gasta)\s+(?:up to |about |roughly |around |some |"
    r"as much as |more than |nearly |hasta |unos |unas |más de |cerca de |alrededor de )?$",
    re.I,
)
_ON_SOMETHING = re.compile(r"\s+(?:on|en)\s")


# "bringing the total value of its contracts with the ChatGPT maker to about $22.4 billion", "elevando el
# valor total de sus acuerdos a 22.400 millones": the sum reached, told too far from the figure for the window
_TOTAL_TO = re.compile(
    r"\b(?:total|totales)\b[^.;$€<]{0,90}?\s(?:to|a|hasta)\s+(?:about |around |some |roughly |nearly |unos |unas |alrededor de |cerca de )?$",
    re.I,
)


# "its $4 billion investment", "su inversión de 4.000 millones": the party's whole commitment, which beats
# the tranches the same sentence adds up ("adding $2.75 billion to the $1.25 billion")
_OWN_BEFORE = re.compile(r"\b(?:its|their|his|her)\s+(?:(?:total|full|entire|overall|planned|promised|whole)\s+)?$", re.I)
_OWN_AFTER = re.compile(r"\s*(?:[A-Z][\w.-]*\s+){0,2}(?:investment|stake|commitment|pledge|funding)\b")
_SU_INVERSION = re.compile(
    r"\bsus?\s+(?:\w+\s+)?(?:inversión|inversiones|aportación|compromiso)\s+(?:total\s+)?(?:de|por valor de)\s+(?:hasta\s+)?$", re.I
)


def _own_commitment(sentence: str, start: int, end: int) -> bool:
    before = sentence[max(0, start - 50) : start]
    return bool((_OWN_BEFORE.search(before) and _OWN_AFTER.match(sentence, end)) or _SU_INVERSION.search(before))


_ROUND_AFTER = re.compile(
    r"^\s*(?:[\w-]+\s+){0,3}?(?:round|raise|funding round|financing round|ronda)\b", re.I
)
_ROUND_BEFORE = re.compile(
    r"(?:\b(?:round|raise) of|\bronda(?: de financiación| de inversión)?(?: de| por)?|\b(?:raise|raising|raised|raises|seeks|seeking|sought|captar|recaudar|levantar|capta|captó|recauda|recaudó|levanta|levantó|busca|buscaba|buscan))\s+(?:about |some |up to |unos |hasta )?$",
    re.I,
)


def is_round_figure(sentence: str, start: int, end: int) -> bool:
    """"a €1.7 billion round", "una ronda de 40.000 millones", "raise $40 billion", "busca 20.000 millones": the size
    of a whole round (what the company seeks, not what it spends: "busca invertir" puts a verb in between),
    which is one investor's amount only when no figure of that investor's own is given."""
    return bool(_ROUND_AFTER.match(sentence[end : end + 40]) or _ROUND_BEFORE.search(sentence[max(0, start - 40) : start]))


# "Reflection did not disclose how much each investor contributed", "Meta's contribution was not disclosed",
# "no reveló cuánto aportó cada inversor": the article says no investor's own part is known
_UNDISCLOSED_SHARES = re.compile(
    r"\b(?:did not|didn't|does not|doesn't|declined to|would not|will not|won't)\s+(?:disclose|reveal|say|specify|break down)\s+how much\b"
    r"|\b(?:contribution|share|portion|investment|cheque|check|part)s?\s+(?:was|were|is|are|has|have)\s+(?:not\s+been|not)\s+"
    r"(?:disclosed|revealed|made public)\b"
    r"|\bno\s+(?:se\s+)?(?:ha\s+|han\s+)?(?:revel|desvel|detall|precis|especific|concret|divulg)\w*\s+(?:cuánto|la cantidad|el importe|la cifra|su aportación|la aportación)"
    r"|\b(?:aportación|aportaciones|contribución)\s+(?:\S+\s+){0,3}?no\s+(?:se\s+)?(?:ha\s+|han\s+)?(?:revel|desvel|divulg|hecho públic)\w*"
    r"|\bsin\s+(?:revelar|desvelar|precisar|detallar)\s+(?:cuánto|la cantidad|el importe|su aportación)",
    re.I,
)


def undisclosed_shares(text: str) -> bool:
    """The article says the investors' own parts are not given, so a round's size is no one's amount."""
    return bool(_UNDISCLOSED_SHARES.search(text))


@lru_cache(maxsize=1)
def _figure_kinds() -> dict[str, re.Pattern[str]]:
    macros = cue_table()["trigger_macros"]
    compute = "|".join((macros["CLOUD"], macros["CLOUD_ES"], macros["CHIPS"], macros["CHIPS_ES"]))
    return {
        # the compute words must be the figure's own ("$8bn in Anthropic and whose chips" starts another clause)
        "purchase": re.compile(
            rf"\s*(?:worth\s+)?(?:of|de|en)\s+(?:(?!(?:and|y|que|which|whose|cuy[oa]s?|but|pero)\s)[\w-]+\s+){{0,3}}?(?:{compute})(?!\w)",
            re.I,
        ),
        "equity": re.compile(r"\s*(?:in|of|en|de)\s+(?:\S+\s+){0,3}?(?:common stock|preferred stock|stock|shares|equity|acciones|capital)\b", re.I),
        "invested": re.compile(r"\b(?:invest\w*|invert\w*|invier\w*|invirt\w*|stake|participación)\s+(?:\S+\s+){0,2}?$", re.I),
    }


def figure_kind(text: str, start: int, end: int) -> str | None:
    """"$6.3 billion of cloud capacity" buys compute ("purchase"); "invest $5 billion in X common stock" buys
    shares ("equity"); None when the words around the figure do not say."""
    k = _figure_kinds()
    if k["purchase"].match(text, end):
        return "purchase"
    if k["equity"].match(text, end) or k["invested"].search(text[max(0, start - 40) : start]):
        return "equity"
    return None


def max_deal_amount() -> float:
    return float(cue_table()["money"]["max_deal_amount_usd"])


@lru_cache(maxsize=1)
def _not_stake() -> tuple[re.Pattern[str], re.Pattern[str]]:
    table = cue_table()["percent"]
    after = re.compile(r"\s*(?:" + "|".join(table["not_stake_after"]) + ")", re.I)
    before = re.compile("(?:" + "|".join(table["not_stake_before"]) + ")", re.I)
    return after, before


def percent_is_not_stake(text: str, start: int, end: int) -> bool:
    """"75% of OpenAI's profits", "up 62%", "un 78 % más", "a margin of 40%": a percentage that owns nothing."""
    after, before = _not_stake()
    return bool(after.match(text, end) or before.search(text[max(0, start - 40) : start]))


_PERCENT_FIGURE = re.compile(r"(?<![\d.,])\d{1,3}(?:[.,]\d{1,2})?\s?(?:%|por ciento\b|percent\b|per cent\b)", re.I)


def without_non_stake_percents(text: str) -> str:
    """``text`` with the percentages that own nothing blanked out: "62% of its revenue" is no cue that a
    statement is about a stake."""
    return _PERCENT_FIGURE.sub(
        lambda m: " " * len(m.group(0)) if percent_is_not_stake(text, m.start(), m.end()) else m.group(0), text
    )
