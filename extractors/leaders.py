"""A company described by the person who runs it: "la empresa que dirige Jensen Huang", "la compañía de Dario
Amodei", "the startup led by Sam Altman", "Lisa Su's company". The curated table knows each company's chief
executives and founders (``leaders``); such a description names the company as surely as its name does.

A leader's name alone ("Nvidia chief executive Jensen Huang said") names a person, never a party: only a noun
for an organisation tied to the name makes the phrase a company. A name that leads several companies of the
table (or a surname two leaders share) names none.

Leaders the table does not know are learnt from the article itself: "Groq's chief executive Jonathan Ross",
"David Vélez, fundador y consejero delegado de Nubank", "el presidente de Telefónica, Marc Murtra", "SSI, the lab
co-founded by former OpenAI chief scientist Ilya Sutskever" make "la compañía dirigida por Jonathan Ross",
"la empresa de Marc Murtra" and "Sutskever's lab" name that company further on.
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


def _phrase_for(persons) -> re.Pattern[str]:
    refs = reference_words()
    heads = alternation(refs["reference_heads"])
    determiners = alternation(refs["definite_determiners"] + ["a", "an", "un", "una"])
    person = rf"(?:{alternation(persons)})(?![\w-])"
    mods = rf"(?:(?!(?:{determiners})\s)[\w-]+\s+){{0,2}}?"  # "a la compañía de X": "a" is a preposition there
    return re.compile(
        rf"(?<![\w])(?:(?:{determiners})\s+{mods}(?:{heads})(?:\s+[a-záéíóúñ]+)?\s+(?:(?:de|del|of)\s+|{_LED_BY}\s+)(?P<A>{person})"
        rf"|(?P<B>{person})['’]s\s+{mods}(?:{heads})(?![\w-]))"
    )


@lru_cache(maxsize=1)
def _leader_phrase() -> re.Pattern[str]:
    return _phrase_for(_leader_owner())


# the titles of the person who runs an organisation
_TITLE = (
    r"(?:chief executive(?: officer)?|CEO|founder|co-founder|cofounder|president|chairman|chairwoman|boss"
    r"|consejer[oa] delegad[oa]|director[a]? general|director[a]? ejecutiv[oa]|president[ea]|fundador[a]?|cofundador[a]?)"
)
_TITLES = rf"{_TITLE}(?:\s+(?:and|y|e)\s+{_TITLE})?"
_PERSON = r"(?P<P>[A-ZÁÉÍÓÚÑ][a-záéíóúñ'’-]+(?:\s+(?:de\s+|del\s+|van\s+|von\s+)?[A-ZÁÉÍÓÚÑ][a-záéíóúñ'’-]+){1,2})(?![\w-])"
# ORG<here>: "Groq's chief executive Jonathan Ross", "Nvidia CEO Jensen Huang", "Groq's CEO, Jonathan Ross";
# "SSI, the lab co-founded by former OpenAI chief scientist Ilya Sutskever"
_AFTER_ORG = (
    re.compile(rf"(?:['’]s)?\s+(?:{_TITLES}),?\s+{_PERSON}"),
    re.compile(
        rf",\s+(?:the|a|an|la|el|una?)\s+[^,;.]{{0,80}}?{_LED_BY}\s+(?:[^,;.]{{0,50}}?\s)??{_PERSON}(?=\s*[,;.)]|\s+(?:and|y|who|que)\b)"
    ),
)
# <here>ORG: "Jonathan Ross, chief executive of Groq", "David Vélez, fundador y consejero delegado de Nubank"
_BEFORE_ORG = re.compile(rf"{_PERSON},\s+(?:the\s+|el\s+|la\s+)?(?:{_TITLES})\s+(?:of|at|de|del)\s+$")
# "el presidente de Telefónica, Marc Murtra": the title before the organisation, the name after it
_TITLE_BEFORE_ORG = re.compile(rf"(?:the|el|la)\s+(?:{_TITLES})\s+(?:of|de|del)\s+$", re.I)
_NAME_AFTER_ORG = re.compile(rf",\s+{_PERSON}\s*,")


def article_leaders(text: str, organisations: list[CompanyMatch]) -> dict[str, str]:
    """Person -> organisation, for the leaders ``text`` itself introduces (surnames too, when unambiguous)."""
    said: dict[str, set[str]] = {}
    for org in organisations:
        before = text[max(0, org.start - 120) : org.start]
        persons = [m.group("P") for m in (p.match(text, org.end) for p in _AFTER_ORG) if m]
        persons += [m.group("P") for m in [_BEFORE_ORG.search(before)] if m]
        if _TITLE_BEFORE_ORG.search(before):
            persons += [m.group("P") for m in [_NAME_AFTER_ORG.match(text, org.end)] if m]
        for person in persons:
            said.setdefault(person, set()).add(org.name)
            said.setdefault(person.split()[-1], set()).add(org.name)
    known = _leader_owner()
    learnt = {person: next(iter(orgs)) for person, orgs in said.items() if len(orgs) == 1 and person not in known}
    if learnt:
        logger.debug("leaders told by the article: %s", learnt)
    return learnt


def leader_descriptions(text: str, learnt: dict[str, str] | None = None) -> list[CompanyMatch]:
    """Phrases of ``text`` that name a company by its leader: one of the table's, or one ``learnt`` from the
    article (``article_leaders``)."""
    found: list[CompanyMatch] = []
    owners = _leader_owner()
    roles = company_table().roles
    patterns = [(_leader_phrase(), owners)] if owners else []
    if learnt:
        patterns.append((_phrase_for(learnt), learnt))
    for pattern, owner_of in patterns:
        for m in pattern.finditer(text):
            person = m.group("A") or m.group("B")
            if person not in owner_of:
                continue
            name = owner_of[person]
            found.append(CompanyMatch(name, m.start(), m.end(), m.group(0), roles.get(name, frozenset())))
            logger.debug("%r names %s by its leader", m.group(0), name)
    return found
