"""A company described by the person who runs it: "la empresa que dirige Jensen Huang", "la compañía de Dario
Amodei", "the startup led by Sam Altman", "Lisa Su's company". The curated table knows each company's chief
executives and founders (``leaders``); such a description names the company as surely as its name does.

A leader's name alone ("Nvidia chief executive Jensen Huang said") names a person, never a party: only a noun
for an organisation tied to the name makes the phrase a company. A name that leads several companies of the
table (or a surname two leaders share) names none.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

from extractors.company_table import CompanyMatch, _load, alternation, company_table, reference_words

logger = logging.getLogger(__name__)

# "que dirige X", "liderada por X", "run by X": the verbs that tie an organisation noun to the person leading it
_LED_BY = (
    r"(?:que\s+(?:dirige|dirigía|lidera|lideraba|encabeza|encabezaba|preside|presidía|fundó|cofundó|conduce|capitanea)"
    r"|(?:dirigida|dirigido|liderada|liderado|encabezada|encabezado|presidida|presidido|fundada|fundado|cofundada|cofundado"
    r"|conducida|conducido|capitaneada|capitaneado|creada|creado)\s+por"
    r"|(?:run|led|headed|founded|co-founded|cofounded|chaired|started|helmed|created)\s+by)"
)


@lru_cache(maxsize=1)
def _leader_owner() -> dict[str, str]:
    """Leader's full name, and surname when no other leader shares it -> the one company they lead."""
    data = _load("companies.json")
    owners: dict[str, set[str]] = {}
    for c in data["companies"]:
        for person in c.get("leaders", ()):
            owners.setdefault(person, set()).add(c["name"])
            owners.setdefault(person.split()[-1], set()).add(c["name"])
    return {person: next(iter(names)) for person, names in owners.items() if len(names) == 1}


@lru_cache(maxsize=1)
def _leader_phrase() -> re.Pattern[str]:
    refs = reference_words()
    heads = alternation(refs["reference_heads"])
    determiners = alternation(refs["definite_determiners"] + ["a", "an", "un", "una"])
    person = rf"(?:{alternation(_leader_owner())})(?![\w-])"
    mods = rf"(?:(?!(?:{determiners})\s)[\w-]+\s+){{0,2}}?"  # "a la compañía de X": "a" is a preposition there
    return re.compile(
        rf"(?<![\w])(?:(?:{determiners})\s+{mods}(?:{heads})(?:\s+[a-záéíóúñ]+)?\s+(?:(?:de|del|of)\s+|{_LED_BY}\s+)(?P<A>{person})"
        rf"|(?P<B>{person})['’]s\s+{mods}(?:{heads})(?![\w-]))"
    )


def leader_descriptions(text: str) -> list[CompanyMatch]:
    """Phrases of ``text`` that name a company of the table by its leader."""
    found: list[CompanyMatch] = []
    owners = _leader_owner()
    if not owners:
        return found
    roles = company_table().roles
    for m in _leader_phrase().finditer(text):
        said = m.group("A") or m.group("B")
        person = said if said in owners else None
        if person is None:
            continue
        name = owners[person]
        found.append(CompanyMatch(name, m.start(), m.end(), m.group(0), roles.get(name, frozenset())))
        logger.debug("%r names %s by its leader", m.group(0), name)
    return found
