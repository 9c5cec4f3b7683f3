"""Organisations in text: the curated table's names plus the unknown ones that patterns introduce.

"the startup Xyz", "Xyz Inc.", "Xyz, a chipmaker based in ..." name organisations never seen before; the noun
that introduces one also gives its role ("chipmaker" -> chip_maker).
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

from extractors.company_table import (
    CompanyMatch,
    alternation,
    canonical_name,
    company_table,
    known_companies,
    reference_words,
)
from extractors.leaders import leader_descriptions

logger = logging.getLogger(__name__)

# accented letters too: "Vértice"; a name never runs over a line break ("... por IVP\n\nPerplexity AI")
_NAME = r"[A-ZÁÉÍÓÚÑ][\w&\-]*(?:\.[A-Za-z]{1,3})?(?:[^\S\n]+[A-ZÁÉÍÓÚÑ][\w&\-]*){0,2}"


@lru_cache(maxsize=1)
def _org_patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], frozenset[str]]:
    refs = reference_words()
    before = alternation(refs["organisation_nouns_before_name"])
    after = alternation(refs["organisation_nouns_after_name"])
    suffixes = alternation(refs["organisation_suffixes"])
    function_words = "by|of|in|for|with|to|from|and|that|led|run|por|de|del|en|con|para|y|que|dirigida|dirigido|liderada|liderado"
    noun_then_name = re.compile(
        rf"(?<![\w])(?P<noun>{before})\s+(?:(?!(?:{function_words})\b)(?:[a-záéíóúñ][\w\-]*|AI|IA)\s+){{0,2}}?(?P<name>{_NAME})(?![\w])"
    )
    name_then_noun = re.compile(
        rf"(?P<name>{_NAME}),\s+(?:a|an|una|un|the|la|el)\s+(?:[\w\-]+\s+){{0,4}}?(?P<noun>{after})(?![\w])"
    )
    name_with_suffix = re.compile(rf"(?<![\w])(?P<name>{_NAME})[^\S\n]+(?P<noun>{suffixes})(?![\w])")
    stop = frozenset(refs["not_names"]) | frozenset(refs["places"])
    return noun_then_name, name_then_noun, name_with_suffix, stop


def not_name_words() -> frozenset[str]:
    """Capitalised words that are never (the edge of) an organisation's name: "The", "CEO", places."""
    return _org_patterns()[3]


_ROLE_OF_NOUN = (
    ("chip", "chip_maker"),
    ("semiconductor", "chip_maker"),
    ("cloud", "cloud_provider"),
    ("neocloud", "cloud_provider"),
    ("neonube", "cloud_provider"),
    ("proveedor", "cloud_provider"),
    ("fund", "investor"),
    ("fondo", "investor"),
    ("gestora", "investor"),
    ("investor", "investor"),
    ("capital", "investor"),
    ("ventures", "investor"),
    ("partners", "investor"),
    ("startup", "startup"),
    ("start-up", "startup"),
    ("emergente", "startup"),
    ("lab", "ai_lab"),
    ("laboratorio", "ai_lab"),
    ("developer", "ai_lab"),
    ("desarrolladora", "ai_lab"),
    ("ai", "ai_lab"),
)


def _roles_for_noun(noun: str) -> frozenset[str]:
    noun = noun.lower()
    return frozenset(role for key, role in _ROLE_OF_NOUN if key in noun.split() or noun == key or noun.startswith(key))


def clean_unknown(name: str, stop: frozenset[str]) -> str | None:
    """The name without stop words at its edges ("The Xyz" -> "Xyz"); None when nothing is left."""
    words = name.split()
    while words and words[0] in stop:
        words = words[1:]
    while words and words[-1] in stop:
        words = words[:-1]
    if not words:
        return None
    name = " ".join(words)
    if name in stop or len(name) < 2 or name.lower() in _descriptor_words():
        return None
    return name


@lru_cache(maxsize=1)
def _descriptor_words() -> frozenset[str]:
    """"Riad", "Saudí", "Redmond": words the table uses to describe a company (its city, nationality, products)
    describe; on their own they never name another organisation that could be a deal's party."""
    return frozenset(d.lower() for c in company_table().descriptors.values() for d in c)


def _unknown_organisations(text: str) -> list[CompanyMatch]:
    noun_then_name, name_then_noun, name_with_suffix, stop = _org_patterns()
    found: list[CompanyMatch] = []
    for pattern in (name_with_suffix, noun_then_name, name_then_noun):
        for m in pattern.finditer(text):
            raw = m.group("name")
            surface = raw
            start = m.start("name")
            if pattern is name_with_suffix:
                surface = text[m.start("name") : m.end("noun")]
            name = clean_unknown(raw, stop)
            if name is None:
                continue
            if pattern is not name_with_suffix:
                offset = raw.find(name)
                start, surface = m.start("name") + offset, name
            else:
                offset = surface.find(name)
                start, surface = m.start("name") + offset, surface[offset:]
            found.append(CompanyMatch(canonical_name(surface), start, start + len(surface), surface, _roles_for_noun(m.group("noun"))))
    return found


def _drop_overlaps(matches: list[CompanyMatch]) -> list[CompanyMatch]:
    """Earlier lists win over later ones; within a list the longer match wins."""
    kept: list[CompanyMatch] = []
    for m in matches:
        if any(m.start < k.end and k.start < m.end for k in kept):
            continue
        kept.append(m)
    return sorted(kept, key=lambda m: m.start)


def find_companies(text: str, language: str | None = None) -> list[CompanyMatch]:
    """Organisations mentioned in ``text``, in order, without overlaps."""
    known = sorted(known_companies(text) + leader_descriptions(text), key=lambda m: (-(m.end - m.start), m.start))
    unknown = sorted(_unknown_organisations(text), key=lambda m: (-(m.end - m.start), m.start))
    return _drop_overlaps(known + unknown)
