"""The cue words of ``data/cues.json`` and the small lookups built straight on them.

Status, money-context and trigger cues have modules of their own (``status_cues``, ``money_cues``,
``deal_triggers``); what stays here is the table itself, sentence splitting, deal-type cue words and the
word lists that tell an organisation's name from a place or a modifier.
"""

from __future__ import annotations

import json
import logging
import re
from functools import lru_cache
from importlib import resources

logger = logging.getLogger(__name__)


def read_data(name: str) -> str:
    return resources.files("extractors.data").joinpath(name).read_text("utf-8")


@lru_cache(maxsize=1)
def cue_table() -> dict:
    return json.loads(read_data("cues.json"))


def words_regex(words: list[str], *, literal: bool = True) -> str:
    """Whole-word alternation of ``words``, longest first."""
    items = sorted(set(words), key=len, reverse=True)
    body = "|".join(re.escape(w) if literal else w for w in items)
    return rf"(?<![\w])(?:{body})(?![\w])"


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


# -- organisation names in context ----------------------------------------------------------------


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
    if _MAKER_OF.search(head):
        return False  # "Vyrda, a Swedish designer of inference chips": whoever makes the product is a company
    # plurals count: "Nvidia y AMD, los dos grandes fabricantes de chips" describes two companies
    return not any(re.search(rf"(?<!\w){re.escape(n.lower())}(?:s|es)?(?!\w)", head.lower()) for n in organisation_nouns)


_MAKER_OF = re.compile(
    r"\b(?:designer|designers|maker|makers|manufacturer|manufacturers|supplier|suppliers|vendor|vendors|producer|"
    r"diseñador|diseñadora|diseñadores|productor|productora|proveedor|proveedora)\s+(?:of|de)\b",
    re.I,
)


@lru_cache(maxsize=1)
def _facility_apposition() -> re.Pattern[str]:
    nouns = "|".join(re.escape(n) for n in sorted(cue_table()["facility_nouns"], key=len, reverse=True))
    return re.compile(
        rf"\s*(?:\d+\s*)?,\s*(?:the|its|a|an|their|el|la|los|las|su|sus|un|una)\s+(?:[\w-]+\s+){{0,4}}?(?:{nouns})\b", re.I
    )


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


# -- deal type cues -------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _type_cues() -> dict[str, re.Pattern[str]]:
    return {t: re.compile(words_regex(words, literal=False), re.I) for t, words in cue_table()["type_cues"].items()}


def without_own_facilities(text: str) -> str:
    """``text`` with the buyer's own facilities blanked out ("for its data centers", "en sus propios centros de
    datos"): chips installed in one's own data center are bought, not rented as cloud."""
    rx = _own_facilities()
    return rx.sub(lambda m: " " * len(m.group(0)), text)


@lru_cache(maxsize=1)
def _own_facilities() -> re.Pattern[str]:
    return re.compile(cue_table()["own_facilities"], re.IGNORECASE)


def type_cues_near(text: str, start: int, end: int, lo: int = 0, hi: int | None = None) -> set[str]:
    """Deal types whose cue words appear within the window around text[start:end], kept inside [lo, hi)."""
    w = cue_table()["type_cue_window_chars"]
    hi = len(text) if hi is None else hi
    window = text[max(lo, start - w) : min(hi, end + w)]
    return {t for t, rx in _type_cues().items() if rx.search(window)}
