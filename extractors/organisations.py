"""Organisations in text: the curated table's names plus the unknown ones that patterns introduce.

"the startup Xyz", "Xyz Inc.", "Xyz, a chipmaker based in ..." name organisations never seen before; the noun
that introduces one also gives its role ("chipmaker" -> chip_maker).
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from functools import lru_cache

from extractors.company_table import (
    CompanyMatch,
    alternation,
    canonical_name,
    company_table,
    known_companies,
    reference_words,
)
from extractors.leaders import article_leaders, leader_descriptions

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
    ("nube", "cloud_provider"),
    ("proveedor", "cloud_provider"),
    ("fund", "investor"),
    ("fondo", "investor"),
    ("gestora", "investor"),
    ("investor", "investor"),
    ("investment", "investor"),
    ("investments", "investor"),
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


def organisation_roles_of_words(name: str) -> frozenset[str]:
    """Roles the words of an organisation's own name give: "Fondo de Inversión Pública" -> investor."""
    words = {w.lower() for w in name.split()}
    return frozenset(role for key, role in _ROLE_OF_NOUN if key in words and len(key) > 2)


_MODIFIER_HEAD = re.compile(r"\S+-[a-záéíóúñ][\w-]*$")
# the endings of English nationality adjectives ("Korean", "Japanese", "British", "Saudi", "Emirati")
_DEMONYM = re.compile(r"(?:an|ese|ish|i)$")


def clean_unknown(name: str, stop: frozenset[str]) -> str | None:
    """The name without stop words at its edges ("The Xyz" -> "Xyz"); None when nothing is left."""
    words = name.split()
    while len(words) > 1 and _MODIFIER_HEAD.match(words[0]):
        words = words[1:]  # "Riyadh-based Rimal AI", "SoftBank-backed Xyz": the modifier is not the name
    # the longest stop phrase at each edge goes: "América Latina" is one place, not "América" and a "Latina"
    while words:
        head = next((k for k in range(len(words), 0, -1) if " ".join(words[:k]) in stop), 0)
        if not head:
            break
        words = words[head:]
    if len(words) > 1 and words[-1] in stop and _DEMONYM.search(words[-1]):
        return None  # "South Korean", "North American": words before a nationality adjective qualify it, no firm
    while words:
        tail = next((k for k in range(len(words), 0, -1) if " ".join(words[-k:]) in stop), 0)
        if not tail:
            break
        words = words[:-tail]
    if not words:
        return None
    name = " ".join(words)
    if name in stop or len(name) < 2 or name.lower() in _descriptor_words() or name in _alone_not_names():
        return None
    return name


@lru_cache(maxsize=1)
def _alone_not_names() -> frozenset[str]:
    """"Norwegian", "Kuwaiti", "Silicon": never an organisation alone, though they may open or end one's name."""
    return frozenset(reference_words().get("alone_not_names", []))


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
    # "Kolding Compute, un proveedor danés de nube": the suffix finds the name, the apposition its role
    roles: dict[str, frozenset[str]] = {}
    for c in found:
        roles[c.name] = roles.get(c.name, frozenset()) | c.roles
    return [replace(c, roles=roles[c.name]) for c in found]


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
    table_names = known_companies(text)
    unknown = sorted(_unknown_organisations(text), key=_longest_first)
    # leaders the article introduces ("Groq's chief executive Jonathan Ross") name their company later on
    learnt = article_leaders(text, _drop_overlaps(sorted(table_names, key=_longest_first) + unknown))
    known = sorted(table_names + leader_descriptions(text, learnt), key=_longest_first)
    return _drop_overlaps(known + unknown)


def _longest_first(m: CompanyMatch) -> tuple[int, int]:
    return -(m.end - m.start), m.start
