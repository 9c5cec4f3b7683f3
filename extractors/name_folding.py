"""One name per organisation within an article, whatever spelling each mention uses.

News names the same organisation several ways, and the curated table cannot know them all:
- a long name with its acronym in brackets, then the acronym alone: "Sociedad Española para la
  Transformación Tecnológica (SETT)", "Public Investment Fund (PIF)" -- one organisation, and its long name
  (which holds lower-case words the name patterns do not take) is no list of several;
- spacing and case variants: "MercadoLibre" / "Mercado Libre", "Softbank" / "SoftBank";
- the full name first, its head alone later: "Greenoaks Capital" ... "Greenoaks", "Multiverse Computing" ...
  "Multiverse" (only when the words left out are a generic tail such as Capital, Computing, Labs).
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace

from extractors.company_table import CompanyMatch, canonical_name, company_table, squash
from extractors.organisations import not_name_words, organisation_roles_of_words

logger = logging.getLogger(__name__)

# words a name may leave out when the article names the organisation again: "Greenoaks Capital" -> "Greenoaks"
_GENERIC_TAIL = frozenset(
    "Capital Management Partners Ventures Investments Investment Technologies Technology Labs Lab AI Systems Group "
    "Holdings Holding Robotics Computing Energy Networks Software Semiconductor Semiconductors Inc Inc. Corp Corp. "
    "Corporation Co. Ltd Ltd. LLC Global Advisers Advisors Compute Cloud Cómputo Computación IA Intelligence Silicon "
    "Telecom".split()
)
_CAP = r"[A-ZÁÉÍÓÚÑ][\w&'’.-]*"
_CONNECTOR = r"(?:de|del|para|la|las|el|los|y|e|of|the|for|and|&)"
# "Fondo de Inversión Pública (PIF)": capitalised words, lower-case connectors between them, an acronym in brackets
_ACRONYM_DEFINITION = re.compile(
    rf"(?<![\w])(?P<long>{_CAP}(?:[^\S\n]+(?:{_CONNECTOR}[^\S\n]+){{0,3}}{_CAP}){{1,7}})[^\S\n]*\((?P<acr>[A-Z][A-Za-z0-9&]{{1,9}})\)"
)


def _is_known(name: str) -> bool:
    table = company_table()
    return name in table.roles


def _initials_fit(long: str, acronym: str) -> bool:
    """"SETT" for "Sociedad Española para la Transformación Tecnológica", "PIF" for "Public Investment Fund"."""
    words = long.split()
    capitals = "".join(w[0] for w in words if w[0].isupper())
    every = "".join(w[0] for w in words)
    letters = "".join(c for c in acronym if c.isalpha())
    return letters.upper() in (capitals.upper(), every.upper())


def _acronym_definitions(doc: str) -> list[tuple[int, int, str, str, str]]:
    """(start, end, canonical name, long name, acronym) for each "Long Name (ACR)" of the article."""
    found = []
    for m in _ACRONYM_DEFINITION.finditer(doc):
        acronym = m.group("acr")
        if sum(c.isupper() for c in acronym) < 2:
            continue
        # the name may start after other capitalised words: "BBVA y la Sociedad Española ... (SETT)"; it starts
        # where the table knows the long name or the initials fit, else (a known acronym) after the last list joint
        words = list(re.finditer(r"\S+", m.group("long")))
        starts = [w.start() for w in words[:-1] if w.group(0)[0].isupper() and w.group(0) not in not_name_words()]
        known_acronym = canonical_name(acronym) if _is_known(canonical_name(acronym)) else None
        chosen = next((i for i in starts if _is_known(canonical_name(m.group("long")[i:]))), None)
        if chosen is None:
            chosen = next((i for i in starts if _initials_fit(m.group("long")[i:], acronym)), None)
        if chosen is None and known_acronym:
            joints = [j.end() for j in re.finditer(r"\s(?:y|e|and|&)\s", m.group("long"))]
            chosen = next((i for i in starts if i >= max(joints, default=0)), None)
        if chosen is None:
            continue
        long = m.group("long")[chosen:]
        known = known_acronym or (canonical_name(long) if _is_known(canonical_name(long)) else None)
        found.append((m.start("long") + chosen, m.end(), known or acronym, long, acronym))
    return found


def _overlaps(a: CompanyMatch, start: int, end: int) -> bool:
    return a.start < end and start < a.end


def _with_definitions(doc: str, names: list[CompanyMatch], weak: list[CompanyMatch]):
    """Names and unvouched names with each "Long Name (ACR)" as one organisation, and the long name alone
    elsewhere in the article folded to it."""
    spans: list[CompanyMatch] = []
    for start, end, canonical, long, _ in _acronym_definitions(doc):
        roles = company_table().roles.get(canonical) or organisation_roles_of_words(long)
        spans.append(CompanyMatch(canonical, start, end, doc[start:end], frozenset(roles)))
        for again in re.finditer(rf"(?<![\w]){re.escape(long)}(?![\w])", doc):
            if not (start <= again.start() < end):
                spans.append(CompanyMatch(canonical, again.start(), again.end(), long, frozenset(roles)))
    if not spans:
        return names, weak
    names = [n for n in names if not any(_overlaps(n, s.start, s.end) for s in spans)]
    weak = [w for w in weak if not any(_overlaps(w, s.start, s.end) for s in spans)]
    return sorted(names + spans, key=lambda m: m.start), weak


def _folded_names(names: list[CompanyMatch], weak: list[CompanyMatch]) -> dict[str, str]:
    """name -> the one name the article's organisation goes by."""
    ordered = sorted(names + weak, key=lambda m: m.start)
    seen: list[str] = list(dict.fromkeys(m.name for m in ordered))
    fold: dict[str, str] = {}
    by_squash: dict[str, str] = {}
    for name in seen:
        key = squash(name)
        first = by_squash.get(key)
        if first is None or (_is_known(name) and not _is_known(first)):
            by_squash[key] = name
    for name in seen:
        target = by_squash[squash(name)]
        if target != name:
            fold[name] = target
    # the head of a fuller name named in the same article: "Multiverse" -> "Multiverse Computing"
    for name in seen:
        if _is_known(name) or name in fold:
            continue
        words = name.split()
        fuller = [
            other for other in seen
            if other != name and other.split()[: len(words)] == words and len(other.split()) > len(words)
            and all(w in _GENERIC_TAIL for w in other.split()[len(words):])
        ]
        if len({fold.get(f, f) for f in fuller}) == 1:
            fold[name] = fold.get(fuller[0], fuller[0])
    return fold


def fold_article_names(doc: str, names: list[CompanyMatch], weak: list[CompanyMatch]):
    """(names, unvouched names) of an article with one name per organisation. A name that a pattern vouched
    for once ("Rapidus, the Japanese chipmaker") is vouched for wherever the article uses it."""
    names, weak = _with_definitions(doc, names, weak)
    fold = _folded_names(names, weak)
    if fold:
        logger.debug("article names folded: %s", fold)
        names = [replace(n, name=fold.get(n.name, n.name)) for n in names]
    roles: dict[str, frozenset[str]] = {}
    for n in names:
        roles[n.name] = roles.get(n.name, frozenset()) | n.roles
    moved, kept = [], []
    for w in weak:
        target = fold.get(w.name, w.name)
        if target in roles:
            moved.append(replace(w, name=target, roles=roles[target]))
        else:
            kept.append(replace(w, name=target))
    if not moved:
        return names, kept
    return sorted(names + moved, key=lambda m: m.start), kept
