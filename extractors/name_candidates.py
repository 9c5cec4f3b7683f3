"""Capitalised names that neither the table nor an introducing pattern vouches for: maybe organisations.

People are told apart by the words around them ("CEO Sam Altman", "fundada por A, B y C", a given name).
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

from extractors.company_table import CompanyMatch, canonical_name, reference_words
from extractors.organisations import clean_unknown, find_companies, not_name_words

logger = logging.getLogger(__name__)

# a name never runs over a line break: "... a AMD\n\nMercado Libre amplió" holds two names
_CAPITALISED = re.compile(
    r"(?<![\w'’.-])(?:[A-ZÁÉÍÓÚÑ][\w&-]*[\w&]|[A-Z])(?:\.[A-Za-z]{1,3})?(?:[^\S\n]+(?:[A-ZÁÉÍÓÚÑ][\w&-]*[\w&]|AI|IA))*"
)
_PERSON_CONTEXT = re.compile(
    r"(?:chief executive|chief financial officer|CEO|CFO|founder|co-founder|president|chairman|analyst|consejero delegado|"
    r"director(?:a)? (?:ejecutiv[oa]|financier[oa])|fundador(?:a)?|presidente|presidenta|analista|Mr\.|Ms\.|Dr\.)\s*,?\s*$",
    re.I,
)


# "fundada en 2023 por A, B y C", "co-founded by A and B": the names that follow are people
_FOUNDED_BY = re.compile(
    r"(?:\b(?:founded|co-founded|cofounded)(?:\s+in\s+\d{4})?\s+by|\b(?:fundad[oa]s?|cofundad[oa]s?)(?:\s+en\s+\d{4})?\s+por)\s*$",
    re.I,
)
# "Chairman Larry Ellison", "CEO Jensen Huang", "el presidente Xyz": a title heads a person's name
_TITLE_HEAD = re.compile(
    r"(?:(?:Executive|Vice|Former|Deputy|Co-)\s*)?(?:Chairman|Chairwoman|Chair|CEO|CFO|CTO|COO|Chief|President|Founder|"
    r"Co-founder|Cofounder|Director|Presidente|Presidenta|Consejero|Consejera|Fundador|Fundadora|Cofundador|Cofundadora|"
    r"Sir|Prince|Príncipe)\s+\S"
)
# "AI-optimised", "Xyz-backed": a lower-case tail after a hyphen makes a modifier; only the head may be a name
_MODIFIER_TAIL = re.compile(r"-[a-záéíóúñ][\w-]*$")
_LIST_GAP = re.compile(r"\s*(?:,\s*(?:(?:and|y|e)\s+)?|\s+(?:and|y|e)\s+)")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|\n\s*)[\"“«¿¡(]?\s*$")


@lru_cache(maxsize=1)
def _function_words() -> frozenset[str]:
    table = reference_words()["sentence_initial_function_words"]
    return frozenset(w for lang, words in table.items() if not lang.startswith("_") for w in words)


@lru_cache(maxsize=1)
def _first_names() -> frozenset[str]:
    return frozenset(reference_words()["first_names"]["names"])


def is_given_name(word: str) -> bool:
    """"Jeff", "Elon": a word that starts a person's name."""
    return word in _first_names()


def _is_person(text: str, start: int, name: str, previous_person_end: int | None) -> bool:
    """A person's name, from the words around it: "CEO Sam Altman", "fundada por A, B y C", a given name."""
    if _TITLE_HEAD.match(name):
        return True
    if _PERSON_CONTEXT.search(text[max(0, start - 40) : start]) or _FOUNDED_BY.search(text[max(0, start - 40) : start]):
        return True
    if re.match(
        r"\s*,\s*(?:the |el |la )?(?:chief|CEO|president|founder|consejer|director|fundador|presidente)", text[start + len(name) :]
    ):
        return True
    if previous_person_end is not None and _LIST_GAP.fullmatch(text[previous_person_end:start]):
        return True  # the next item of a list of people
    words = name.split()
    return len(words) >= 2 and words[0] in _first_names()


def find_name_candidates(text: str, known: list[CompanyMatch] | None = None) -> list[CompanyMatch]:
    """Capitalised names the table does not know and no pattern introduced: maybe organisations, maybe not.

    They have no roles; the deal extractor lets them fill a party's slot only right next to a deal verb."""
    known = find_companies(text) if known is None else known
    stop = not_name_words()
    function_words = _function_words()
    found = []
    person_end: int | None = None
    people: set[str] = set()  # "Chief executive Safra Catz ... Catz said": a person stays one when named again
    for m in _CAPITALISED.finditer(text):
        if any(m.start() < k.end and k.start < m.end() for k in known):
            continue
        raw, raw_start = m.group(0), m.start()
        if _SENTENCE_START.search(text[max(0, raw_start - 4) : raw_start]) or raw_start == 0:
            # "De cerrarse, ...", "With the deal, ...": capitalised only because the sentence starts there
            first, _, rest = raw.partition(" ")
            if first in function_words:
                raw, raw_start = rest, raw_start + len(first) + 1
        raw = _MODIFIER_TAIL.sub("", raw) if raw else raw
        name = clean_unknown(raw, stop) if raw else None
        if name is None or not re.search(r"[A-Za-z]{2}", name):
            continue
        start = raw_start + raw.find(name)
        if name in people or _is_person(text, start, name, person_end):
            person_end = start + len(name)
            people.update((name, name.split()[-1]))
            continue
        person_end = None
        found.append(CompanyMatch(canonical_name(name), start, start + len(name), name, frozenset()))
    return found
