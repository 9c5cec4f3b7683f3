"""Deal vocabulary read from data tables, and the small text cues built on it.

``data/deal_triggers.tsv`` holds one row per way of stating a deal (language, deal type, which party pays,
status hint, pattern); ``data/cues.json`` holds status, negation, money-context and deal-type cue words.
The code here only compiles and applies them, so a new language or deal type is mostly new rows.
"""

from __future__ import annotations

import csv
import json
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

logger = logging.getLogger(__name__)

# Tokens of the masked sentence the trigger patterns run over.
ENTITY_TOKEN = r"<[ERQ]\d+>"  # E: named organisation or "the company"; R: pronoun; Q: product line
_BUILTIN_MACROS = {
    # "the U.S. government", "la Administración": an article before a name belongs to the party
    "S": rf"(?:(?:the|el|la|los|las)\s+)?(?P<S>{ENTITY_TOKEN})",
    "O": rf"(?:(?:the|el|la|los|las)\s+)?(?P<O>{ENTITY_TOKEN})",
    "M": r"(?P<M><M\d+>)",
    "P": r"(?P<P><P\d+>)",
    # Gaps of up to 4 / 10 words that name no organisation; they take their own spaces, so "{_} in" and
    # " {_}backers" both work.
    "_": r"(?:\s*(?<!\S)(?!<E)\S+){0,4}?\s*?",
    "__": r"(?:\s*(?<!\S)(?!<E)\S+){0,10}?\s*?",
    # A gap of up to 10 words that opens no relative clause: "destinará X a Y", not "destinará X a los chips que compra a Y".
    "__c": r"(?:\s*(?<!\S)(?!<E|(?:que|that|which)\b)\S+){0,10}?\s*?",
    # A gap inside one noun phrase: "Google's {_np} cloud" but not "Google for its data centers".
    "_np": r"(?:\s*(?<!\S)(?!<E|(?:for|to|in|into|at|on|with|from|by|para|por|en|a|al|con)\b)\S+){0,4}?\s*?",
}


@dataclass(frozen=True)
class Trigger:
    lang: str
    deal_type: str  # investment, chip_supply, cloud_contract, compute, money, sym
    payer: str  # "S" or "O" ("?" for sym: decided by roles)
    payee: str
    status: str | None
    pattern: re.Pattern[str]
    source: str


def _read(name: str) -> str:
    return resources.files("extractors.data").joinpath(name).read_text("utf-8")


@lru_cache(maxsize=1)
def cue_table() -> dict:
    return json.loads(_read("cues.json"))


def _words_regex(words: list[str], *, literal: bool = True) -> str:
    items = sorted(set(words), key=len, reverse=True)
    body = "|".join(re.escape(w) if literal else w for w in items)
    return rf"(?<![\w])(?:{body})(?![\w])"


@lru_cache(maxsize=1)
def triggers() -> tuple[Trigger, ...]:
    macros = {k: v for k, v in cue_table()["trigger_macros"].items() if not k.startswith("_")}
    macros.update(_BUILTIN_MACROS)
    rows = [line for line in _read("deal_triggers.tsv").splitlines() if line.strip() and not line.startswith("#")]
    compiled = []
    for row in csv.DictReader(rows, delimiter="\t", quoting=csv.QUOTE_NONE):
        source = row["pattern"]
        expanded = re.sub(r"\{(\w+)\}", lambda m: macros[m.group(1)], source)
        pattern = re.compile(rf"(?<![\w<]){expanded}", re.I)
        compiled.append(
            Trigger(row["lang"], row["type"], row["payer"], row["payee"], row["status"] or None, pattern, source)
        )
    return tuple(compiled)


# -- sentences -----------------------------------------------------------------------------------

_BOUNDARY = re.compile(r"(?<=[.!?…])[\"”’»)\]]*\s+(?=[\"“¿¡(«\[]?[A-ZÁÉÍÓÚÑ0-9])")


@lru_cache(maxsize=1)
def _abbreviations() -> frozenset[str]:
    return frozenset(cue_table()["abbreviations"])


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence. Lines are hard boundaries (paragraphs, headline)."""
    spans: list[tuple[int, int]] = []
    abbreviations = _abbreviations()
    for line in re.finditer(r"[^\n]+", text):
        start = line.start()
        for m in _BOUNDARY.finditer(line.group(0)):
            cut = line.start() + m.start()
            last_word = text[start:cut].rsplit(None, 1)[-1] if text[start:cut].strip() else ""
            last_word = last_word.rstrip("\"”’»)]")
            if last_word in abbreviations or re.fullmatch(r"(?:[A-Z]\.)+|[A-Z][a-z]?\.", last_word):
                continue
            spans.append((start, cut))
            start = line.start() + m.end()
        if text[start : line.end()].strip():
            spans.append((start, line.end()))
    return [(s, e) for s, e in spans if text[s:e].strip()]


# -- status ---------------------------------------------------------------------------------------


def _cue_regex(words: list[str]) -> re.Pattern[str]:
    """Cue words match as written and capitalised ("could", "Could"), never "May" for "may"."""
    variants = set(words) | {w[:1].upper() + w[1:] for w in words if w not in {"may"}}
    return re.compile(_words_regex(sorted(variants)))


@lru_cache(maxsize=1)
def _status_cues() -> dict[str, re.Pattern[str]]:
    s = cue_table()["status"]
    return {
        "negation": _cue_regex(s["negation_local"]),
        "rumored_local": _cue_regex(s["rumored_local"]),
        "rumored_sentence": re.compile(_words_regex(s["rumored_sentence"]), re.I),
        "completed": _cue_regex(s["completed_local"]),
        "conditional": re.compile(s["rumored_local_regex"], re.I),
    }


def _last_words(text: str, n: int) -> str:
    words = re.findall(r"\S+", text)
    return " ".join(words[-n:]) if n else ""


def _first_words(text: str, n: int) -> str:
    words = re.findall(r"\S+", text)
    return " ".join(words[:n])


def is_negated(sentence: str, trigger_start: int) -> bool:
    """A negation right before the deal verb ("did not invest", "no longer ... be its provider")."""
    before = _last_words(sentence[:trigger_start], 4)
    return bool(_status_cues()["negation"].search(before))


def _has_conditional(text: str) -> bool:
    not_conditional = set(cue_table()["status"]["not_conditional_words"])
    return any(m.group(0).lower() not in not_conditional for m in _status_cues()["conditional"].finditer(text))


_REPORTED_SPEECH = re.compile(
    r"\b(?:said|says|announced|told \w+|confirmed|agreed|dijo|anunció|afirmó|confirmó|aseguró|explicó|señaló|informó|comunicó)"
    r"\s+(?:on \w+\s+|el \w+\s+)?(?:that\s+|que\s+)?(?:<[ER]\d+>\s+|it\s+|they\s+)?(?:would|[a-záéíóúñ]+rían?)\b"
)


def status_of(sentence: str, span_start: int, span_end: int, hint: str | None) -> str:
    """rumored / announced / completed for the deal stated at sentence[span_start:span_end]."""
    s = cue_table()["status"]
    cues = _status_cues()
    local = " ".join(
        (
            _last_words(sentence[:span_start], s["window_words_before"]),
            sentence[span_start:span_end],
            _first_words(sentence[span_end:], s["window_words_after"]),
        )
    )
    local = _REPORTED_SPEECH.sub(" ", local)  # "said it would invest" reports a decision, it does not hedge it
    if cues["rumored_local"].search(local) or _has_conditional(local):
        return "rumored"
    if hint == "completed" or cues["completed"].search(local):
        return "completed"
    if hint == "rumored" or (cues["rumored_sentence"].search(sentence) and not _media_cues()["confirmed"].search(sentence)):
        return "rumored"
    return "announced"


# -- money context --------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _money_cues() -> dict[str, re.Pattern[str]]:
    m = cue_table()["money"]
    deal_nouns = "|".join(re.escape(w) for w in m["deal_noun_before_valued"])
    return {
        "before": re.compile(_words_regex(m["not_deal_before"]), re.I),
        "after": re.compile(r"^[\s,]*" + _words_regex(m["not_deal_after"]), re.I),
        "total": re.compile(_words_regex(m["total_before"]), re.I),
        "valued_deal": re.compile(rf"(?:{deal_nouns})\W+(?:[\w$€]+\W+){{0,3}}?(?:valued|valorad[oa]|worth)\b", re.I),
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
    if hit:
        wide = sentence[max(0, window_start - 40) : start]
        is_deal = bool(cues["valued_deal"].search(wide)) and hit.group(0).lower().startswith(("valu", "valor"))
    if cues["after"].match(sentence[end : end + 30]):
        is_deal = False
    return is_deal, bool(cues["total"].search(before)) or _own_commitment(sentence, start, end)


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


@lru_cache(maxsize=1)
def _media_cues() -> dict[str, re.Pattern[str]]:
    media = cue_table()["media"]
    outlets = "|".join(re.escape(o) for o in sorted(media["outlets"], key=len, reverse=True))
    verbs = "|".join(re.escape(v) for v in sorted(media["attribution_words"], key=len, reverse=True))
    quote = "[\"'‘’“”«»]?"
    return {
        # "according to Bloomberg", "según publicó el miércoles The Wall Street Journal", "WSJ reports"
        "outlet": re.compile(
            rf"(?:\b(?:{verbs})\b(?:\s+\S+){{0,4}}?\s+{quote}(?:the\s+|el\s+|la\s+)?(?:{outlets})\b"
            rf"|\b(?:{outlets}){quote}\s*(?:\([^)]*\)\s*)?(?:reports?|reported|reporting|says|said|informa|informó|publica|publicó|adelanta|adelantó)\b)"
        ),
        "generic": re.compile(_words_regex(media["generic_sources"]), re.I),
        "confirmed": re.compile(_words_regex(media["confirmed_by_party"]), re.I),
    }


def attributed_to_media(sentence: str) -> bool:
    """A deal told on the word of a newspaper or of unnamed sources, with no party confirming it."""
    c = _media_cues()
    if c["confirmed"].search(sentence):
        return False
    return bool(c["outlet"].search(sentence) or c["generic"].search(sentence))


def names_a_facility(text: str, end: int, organisation_nouns: tuple[str, ...] = ()) -> bool:
    """"Colossus 2, el segundo gran centro de datos", "Stargate, the data-center project": a place or a
    product named like a company, described as such right after the name.

    An apposition headed by an organisation noun describes a company, whatever it makes: "Mistral, la firma
    francesa de modelos abiertos", "Cohere, the Toronto-based model developer"."""
    m = _facility_apposition().match(text, end)
    if not m:
        return False
    # the head is an organisation noun before the facility noun ("la firma ... de modelos") or right after it
    # ("the model developer"); "el centro de datos de la empresa" still names a place
    head = text[m.start() : m.end()] + re.compile(r"[\s-]*[\w-]*").match(text, m.end()).group(0)
    return not any(re.search(rf"(?<!\w){re.escape(n.lower())}(?!\w)", head.lower()) for n in organisation_nouns)


@lru_cache(maxsize=1)
def _facility_apposition() -> re.Pattern[str]:
    nouns = "|".join(re.escape(n) for n in sorted(cue_table()["facility_nouns"], key=len, reverse=True))
    return re.compile(
        rf"\s*(?:\d+\s*)?,\s*(?:the|its|a|an|their|el|la|los|las|su|sus|un|una)\s+(?:[\w-]+\s+){{0,4}}?(?:{nouns})\b", re.I
    )


@lru_cache(maxsize=1)
def _figure_kinds() -> dict[str, re.Pattern[str]]:
    macros = cue_table()["trigger_macros"]
    compute = "|".join((macros["CLOUD"], macros["CLOUD_ES"], macros["CHIPS"], macros["CHIPS_ES"]))
    return {
        "purchase": re.compile(rf"\s*(?:worth\s+)?(?:of|de|en)\s+(?:[\w-]+\s+){{0,3}}?(?:{compute})(?!\w)", re.I),
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


# -- deal type cues -------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _type_cues() -> dict[str, re.Pattern[str]]:
    return {t: re.compile(_words_regex(words, literal=False), re.I) for t, words in cue_table()["type_cues"].items()}


def type_cues_near(text: str, start: int, end: int, lo: int = 0, hi: int | None = None) -> set[str]:
    """Deal types whose cue words appear within the window around text[start:end], kept inside [lo, hi)."""
    w = cue_table()["type_cue_window_chars"]
    hi = len(text) if hi is None else hi
    window = text[max(lo, start - w) : min(hi, end + w)]
    return {t for t, rx in _type_cues().items() if rx.search(window)}


def max_deal_amount() -> float:
    return float(cue_table()["money"]["max_deal_amount_usd"])


@lru_cache(maxsize=1)
def word_lists() -> dict[str, frozenset[str]]:
    t = cue_table()
    return {
        "prepositions": frozenset(t["prepositions"]),
        "not_the_entity_after": frozenset(w.lower() for w in t["not_the_entity_after"]),
        "modifier_heads_after": frozenset(w.lower() for w in t["modifier_heads_after"]),
    }


@lru_cache(maxsize=1)
def not_the_entity_before() -> re.Pattern[str]:
    words = cue_table()["not_the_entity_before"]
    return re.compile(rf"(?:{'|'.join(re.escape(w) for w in sorted(words, key=len, reverse=True))})\s*$", re.I)


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
