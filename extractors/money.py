"""Money amounts in English and Spanish news text.

"$10 billion", "$10bn", "US$ 5.000 millones", "11.900 millones de dólares", "1,3 mil millones de euros",
"€1.3 billion", "up to $100 billion", "más de 10.000 millones", "$66 billion to $72 billion"...

The vocabulary (currency words, scale words, qualifiers) lives in ``data/money.json``. Which character is
the decimal separator is decided by the shape of the number first: one mark followed by exactly three digits
groups thousands ("1.500 millones", "1,500 million", Mexican "US$1,000 millones"), except a "." in English
wording ("$2.125 billion"); otherwise the words around the number (a Spanish scale or currency word means
"1.000,5"; an English one means "1,000.5"), then the ``language`` hint.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from importlib import resources

logger = logging.getLogger(__name__)

QUALIFIERS = ("up_to", "more_than", "about", "range")


@dataclass(frozen=True)
class Money:
    amount: float  # in units of currency (10_000_000_000.0 for "$10 billion")
    currency: str  # ISO 4217
    start: int
    end: int
    text: str  # the matched surface text
    qualifier: str | None = None  # "up_to", "more_than", "about", "range" or None


def _alternation(words: list[str]) -> str:
    """Longest first, so "mil millones" wins over "mil" and "US$" over "$"."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


@dataclass(frozen=True)
class _Vocabulary:
    pattern: re.Pattern[str]
    range_prefix: re.Pattern[str]
    qualifier_before: re.Pattern[str]
    more_after: re.Pattern[str]
    prefixes: dict[str, str]
    suffixes: dict[str, tuple[str, str | None]]  # lower-cased word -> (currency, lang)
    scales: dict[str, tuple[float, str | None]]  # word (lower-cased unless case sensitive) -> (factor, lang)
    case_sensitive_scales: frozenset[str]
    number_words: dict[str, int]
    qualifier_of: dict[str, str]
    units: dict[str, tuple[float, str]]  # lower-cased abbreviation -> (factor, currency): "mdd"


_NUM = r"\d{1,3}(?:[.,\u00a0\u202f]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?"


@lru_cache(maxsize=1)
def _vocabulary() -> _Vocabulary:
    data = json.loads(resources.files("extractors.data").joinpath("money.json").read_text("utf-8"))
    prefixes: dict[str, str] = data["currency_prefixes"]
    suffixes = {s["word"].lower(): (s["currency"], s["lang"]) for s in data["currency_suffixes"]}
    scales: dict[str, tuple[float, str | None]] = {}
    spaced, attached, sensitive = [], [], set()
    for s in data["scales"]:
        key = s["word"] if s.get("case_sensitive") else s["word"].lower()
        scales[key] = (float(s["factor"]), s["lang"])
        if s.get("case_sensitive"):
            sensitive.add(s["word"])
        (attached if s.get("attached") else spaced).append(s["word"])
    # Abbreviations of two letters or more ("bn", "mn") may also stand after a space: "$10 bn".
    spaced_abbrev = [w for w in attached if len(w) > 1]
    number_words: dict[str, int] = data["number_words"]
    word_prefixes = [p for p in prefixes if p.isalpha()]
    symbol_prefixes = [p for p in prefixes if not p.isalpha()]
    suffix_words = [s["word"] for s in data["currency_suffixes"]]
    units = {u["word"].lower(): (float(u["factor"]), u["currency"]) for u in data["units"]}
    spanish_millions = [w for w in spaced if scales[w.lower()] == (1e6, "es")]
    pattern = re.compile(
        rf"(?:(?<![A-Za-z0-9])(?P<pre>{_alternation(word_prefixes)})[ \u00a0]?(?=\d)"
        rf"|(?P<sym>{_alternation(symbol_prefixes)})[ \u00a0]?(?=[\d\w]))?"
        # Mexican wording writes the thousands of millions as a word: "mil 200 millones" (1,200 million),
        # "8 mil 700 mdd" (8,700 million)
        rf"(?:(?<![\w.,])(?P<mil>(?:\d{{1,3}}\s+)?mil\s+\d{{1,3}})(?=\s+(?i:{_alternation(spanish_millions + list(units))})(?![\w]))"
        rf"|(?<![\d.,])(?P<num>{_NUM})(?:\s?(?:-|–|—|to|a)\s?(?P<num2>{_NUM}))?"
        rf"|(?<![\w])(?P<word>(?i:{_alternation(list(number_words))}))(?=\s+(?i:{_alternation(spaced)})(?![\w]))"
        rf"|(?<![\d.,]\s)(?<![\w])(?P<bare>(?i:mil\s+millones))(?![\w]))"
        rf"(?:(?P<unit>\s?(?i:{_alternation(list(units))}))(?![A-Za-z])"
        rf"|(?:(?P<spaced>\s+(?i:{_alternation(spaced + spaced_abbrev)})(?![\w]))"
        rf"|(?P<att>{_alternation([w for w in attached if w not in sensitive])}"
        rf"|{_alternation([w for w in attached if w in sensitive])})(?![A-Za-z]))?"
        rf"(?P<suffix>(?:\s+(?i:de|of))?\s*(?P<suf>(?i:{_alternation(suffix_words)}))(?![A-Za-z]))?)"
    )
    qualifier_of = {}
    for kind, words in data["qualifiers"].items():
        for w in words:
            qualifier_of[w.lower()] = kind
    qualifier_before = re.compile(rf"(?:^|[^\w])(?P<q>{_alternation(list(qualifier_of))})\s*$", re.I)
    more_after = re.compile(rf"^\s*(?:{_alternation(data['trailing_more_than'])})(?![\w])", re.I)
    joiners = _alternation(data["range_joiners"])
    range_prefix = re.compile(
        rf"(?:(?<![A-Za-z0-9])(?P<pre>{_alternation(word_prefixes)})[ \u00a0]?|(?P<sym>{_alternation(symbol_prefixes)})[ \u00a0]?)?"
        rf"(?<![\d.,])(?P<num>{_NUM})(?P<spaced>\s+(?i:{_alternation(spaced + spaced_abbrev)}))?"
        rf"\s*(?:{joiners})\s*$"
    )
    return _Vocabulary(
        pattern=pattern,
        range_prefix=range_prefix,
        qualifier_before=qualifier_before,
        more_after=more_after,
        prefixes=prefixes,
        suffixes=suffixes,
        scales=scales,
        case_sensitive_scales=frozenset(sensitive),
        number_words={k.lower(): v for k, v in number_words.items()},
        qualifier_of=qualifier_of,
        units=units,
    )


def parse_number(raw: str, convention: str | None = None) -> Decimal | None:
    """Read "11.900", "1,3", "1,500,000", "10.5". With one mark, exactly three digits after it are a thousands
    group ("1,000" and "1.000" both read 1000) except where ``convention`` "en" makes a "." the decimal point
    ("2.125"); any other number of digits after the mark is a decimal part ("1,3", "1.5"). With both marks the
    last one is the decimal mark."""
    s = raw.replace("\u00a0", "").replace("\u202f", "")
    dots, commas = s.count("."), s.count(",")
    if dots and commas:  # both present: the last one is the decimal mark
        decimal_mark = "." if s.rfind(".") > s.rfind(",") else ","
    elif dots or commas:
        mark = "." if dots else ","
        tail = s.rsplit(mark, 1)[1]
        if s.count(mark) > 1:
            decimal_mark = None
        elif len(tail) == 3 and not (mark == "." and convention == "en"):
            # exactly three digits after the mark make a thousands group, whichever mark it is: "1.500 millones",
            # "1,500 million", and the Mexican "US$1,000 millones"; only English wording keeps "$2.125 billion"
            decimal_mark = None
        else:
            decimal_mark = mark  # "1,3 mil millones", "1.5 mil millones", "$2.5bn": a mark that groups nothing
    else:
        decimal_mark = None
    if decimal_mark is None:
        s = s.replace(".", "").replace(",", "")
    else:
        other = "," if decimal_mark == "." else "."
        s = s.replace(other, "").replace(decimal_mark, ".")
    try:
        return Decimal(s)
    except InvalidOperation:
        return None


def _scale_of(voc: _Vocabulary, word: str | None) -> tuple[float, str | None]:
    if not word:
        return 1.0, None
    word = " ".join(word.split())
    if word in voc.case_sensitive_scales:
        return voc.scales[word]
    return voc.scales.get(word.lower(), (1.0, None))


def _currency_of(voc: _Vocabulary, m: re.Match[str]) -> tuple[str | None, str | None]:
    """ISO code and the language the currency word implies (None for symbols)."""
    if m.group("unit"):
        return voc.units[m.group("unit").strip().lower()][1], "es"
    if m.group("suf"):
        currency, lang = voc.suffixes[" ".join(m.group("suf").lower().split())]
        return currency, lang
    prefix = m.group("pre") or m.group("sym")
    if prefix:
        return voc.prefixes[prefix], None
    return None, None


def _amount(number: Decimal, factor: float) -> float:
    return float(number * Decimal(str(factor)))


def find_money(text: str, language: str | None = None) -> list[Money]:
    """Every money amount in ``text``, in order. Amounts need a currency (symbol, code or word)."""
    voc = _vocabulary()
    found: list[Money] = []
    for m in voc.pattern.finditer(text):
        currency, currency_lang = _currency_of(voc, m)
        if currency is None:
            continue
        scale_word = m.group("spaced") or m.group("att")
        factor, scale_lang = _scale_of(voc, scale_word)
        if m.group("unit"):
            factor, scale_lang = voc.units[m.group("unit").strip().lower()][0], "es"
        start, end = m.start(), m.end()
        if text[end - 1].isspace():
            end = len(text[:end].rstrip())
        high: Decimal | None = None
        if m.group("bare"):
            number, factor = Decimal(1), _scale_of(voc, m.group("bare"))[0]
        elif m.group("mil"):
            thousands, _, rest = m.group("mil").rpartition("mil")
            number = Decimal(int(thousands or 1)) * 1000 + Decimal(int(rest))
        elif m.group("word"):
            number = Decimal(voc.number_words[m.group("word").lower()])
        else:
            convention = scale_lang or currency_lang or language
            number = parse_number(m.group("num"), convention)
            if m.group("num2"):
                high = parse_number(m.group("num2"), convention)
                if number is None or high is None or not 0 < number < high:
                    number, high = high, None  # "2024 a 229 millones": only the second is the amount
                    if not m.group("pre") and not m.group("sym"):
                        start = m.start("num2")
            if number is None:
                continue
        qualifier = "range" if high is not None else _qualifier(voc, text, start, end)
        money = Money(_amount(number, factor), currency, start, end, text[start:end], qualifier)
        if high is None:
            money = _widen_to_range(voc, text, money, factor, language) or money
        while found and found[-1].end > money.start:  # a range swallowed the amount before it
            found.pop()
        found.append(money)
    return _merge_two_sided_ranges(text, found)


def _qualifier(voc: _Vocabulary, text: str, start: int, end: int) -> str | None:
    before = voc.qualifier_before.search(text[max(0, start - 40) : start])
    if before:
        return voc.qualifier_of[" ".join(before.group("q").lower().split())]
    if voc.more_after.match(text[end : end + 15]):
        return "more_than"
    return None


def _widen_to_range(voc: _Vocabulary, text: str, money: Money, factor: float, language: str | None) -> Money | None:
    """"$10-12 billion", "de 70.000 a 72.000 millones de dólares": a bare number before the amount."""
    m = voc.range_prefix.search(text[max(0, money.start - 40) : money.start])
    if not m:
        return None
    start = money.start - (len(text[max(0, money.start - 40) : money.start]) - m.start())
    if _is_list_not_range(text, start, m.group(0)):
        return None
    low_factor, lang = _scale_of(voc, m.group("spaced"))
    if not m.group("spaced"):
        low_factor = factor
    raw = m.group("num")
    if re.fullmatch(r"(19|20)\d\d", raw) and not m.group("spaced"):
        return None  # "from 2025 to $100 billion": a year, not the low end
    number = parse_number(raw, lang or language)
    if number is None:
        return None
    low = _amount(number, low_factor)
    if not 0 < low < money.amount:
        return None
    return Money(low, money.currency, start, money.end, text[start : money.end], "range")


_JOIN = re.compile(r"^\s*(?:to|and|-|–|—|a|y|hasta)\s*$", re.I)
_AND = re.compile(r"\s(?:and|y)\s*$", re.I)
_BETWEEN = re.compile(r"(?:between|entre)\s*$", re.I)


def _is_list_not_range(text: str, start: int, low_and_joiner: str) -> bool:
    """"$5 billion and $10 billion (respectively)" lists two amounts; only "between ... and" makes a range."""
    return bool(_AND.search(low_and_joiner)) and not _BETWEEN.search(text[max(0, start - 12) : start])


def _merge_two_sided_ranges(text: str, found: list[Money]) -> list[Money]:
    """"$66 billion to $72 billion" is one amount with qualifier "range" (amount = the low end)."""
    merged: list[Money] = []
    for money in found:
        prev = merged[-1] if merged else None
        if (
            prev is not None
            and prev.currency == money.currency
            and _JOIN.match(text[prev.end : money.start])
            and 0 < prev.amount < money.amount
            and not _is_list_not_range(text, prev.start, text[prev.start : money.start])
        ):
            merged[-1] = Money(prev.amount, prev.currency, prev.start, money.end, text[prev.start : money.end], "range")
        else:
            merged.append(money)
    return merged


def parse_money(text: str, language: str | None = None) -> Money | None:
    """The first amount in ``text`` or None."""
    found = find_money(text, language)
    return found[0] if found else None


def to_usd(amount: float | None, currency: str | None) -> float | None:
    """USD amounts as they are; no exchange rates are kept, so any other currency gives None."""
    if amount is None or currency is None:
        return None
    return float(amount) if currency == "USD" else None
