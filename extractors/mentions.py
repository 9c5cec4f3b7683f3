"""The parties one sentence names: organisations (with the description that goes with them), capitalised
names no table vouches for, and references resolved to their antecedents -- one ``Mention`` per party."""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from functools import lru_cache

from extractors import cues
from extractors.companies import (
    Reference,
    company_roles,
    find_companies,
    find_name_candidates,
    find_references,
    is_product,
    organisation_nouns,
)
from extractors.company_table import reference_words
from extractors.deal_records import Mention
from extractors.name_folding import fold_article_names
from extractors.positions import classify, next_word, previous_word
from extractors.references import reference_mention, salience_order

logger = logging.getLogger(__name__)


# (a determiner opens its own phrase: "la lideró el fondo X" is a verb and then the description)
_AFTER_HARDWARE_NOUN = re.compile(
    r"(?<!\bde\s)(?<!\bof\s)\b(?:aceleradores|acelerador|chips?|procesadores|procesador|GPUs?|servidores|servidor|tarjetas|accelerators?|"
    r"processors?|servers?)\s+(?:de\s+inferencia\s+|de\s+IA\s+)?$",
    re.I,
)
_NOT_DESCRIPTOR = r"(?:in|into|on|of|for|with|to|from|by|and|that|en|de|del|con|para|por|a|al|y|que|is|es|was|fue|the|el|la|los|las)\b"


@lru_cache(maxsize=1)
def _descriptor_before() -> re.Pattern[str]:
    """Text ending in a description of the name that follows: "the Swedish startup ", "Abu Dhabi AI firm ",
    "la firma de capital riesgo " (one "de"/"of" complement of lower-case words), "la surcoreana "."""
    nouns = "|".join(re.escape(n) for n in sorted(organisation_nouns(), key=len, reverse=True))
    nationalities = "|".join(re.escape(n) for n in sorted(reference_words()["nationality_nouns"]["words"], key=len, reverse=True))
    return re.compile(
        rf"(?<![\w’'-])(?:la|el|los|las)\s+(?:{nationalities})\s+$|"
        rf"(?<![\w’'-])(?:(?:the|a|an|la|el|un|una)\s+)?(?:(?<![\w’'-])(?!{_NOT_DESCRIPTOR})[\w’'-]+\s+){{0,3}}?(?:{nouns})"
        # (the complement may be an acronym: "la nube chilena de GPU X")
        rf"(?:\s+(?!{_NOT_DESCRIPTOR})[a-záéíóúñ-]+){{0,2}}(?:\s+(?:de|of)\s+(?:[a-záéíóúñ-]+|[A-Z]{{2,5}}s?)(?:\s+[a-záéíóúñ-]+)?)?\s+$"
    )


def _descriptor_start(doc: str, floor: int, start: int) -> int:
    """Start of "la startup sueca Lovable" / "Abu Dhabi AI firm G42": the description goes with the name."""
    window_start = max(floor, start - 60)
    m = _descriptor_before().search(doc[window_start:start])
    if not m or "," in m.group(0):
        return start
    return window_start + m.start()


def _is_modifier(doc: str, end: int) -> bool:
    """"Nvidia systems", "the Broadcom agreement": the name qualifies a noun; it is no subject there."""
    if doc[end : end + 2] in ("'s", "’s"):
        return False
    return next_word(doc, end) in cues.word_lists()["modifier_heads_after"]


def _opens_clause(doc: str, prev: Mention, m: Mention) -> bool:
    """"Según fuentes cercanas a la compañía, Mercado Libre baraja ...": a description after a preposition ends
    an adverbial phrase and the name after the comma opens the clause (an apposition would close with a comma)."""
    if not m.name and "," in doc[prev.end : m.start] and _REPORTING_VERB.match(doc, m.end):
        return True  # "with participation from X, the company said": the description is the reporting clause's subject
    return (
        not prev.name and not prev.subject_ok and "," in doc[prev.end : m.start]
        and not re.match(r"\s*[,)(]", doc[m.end :])
    )


_REPORTING_VERB = re.compile(
    r"\s+(?:said|says|told|added|noted|announced|confirmed|dijo|afirmó|explicó|señaló|indicó|informó|anunció|añadió|confirmó)\b"
)


def _merge_adjacent(doc: str, mentions: list[Mention]) -> list[Mention]:
    """"Microsoft's Azure", "Amazon Web Services (AWS)", "Trainium and Inferentia": one party, one token."""
    merged: list[Mention] = []
    for m in mentions:
        prev = merged[-1] if merged else None
        if (
            prev is not None
            and not {"R", "Q", "C", "K"} & {prev.kind, m.kind}
            and re.fullmatch(r"\s*(?:'s|’s)?\s*(?:,|and|y|&|\()?\s*", doc[prev.end : m.start])
        ):
            a, b = prev.resolve(), m.resolve()
            if _opens_clause(doc, prev, m):
                merged.append(m)
                continue
            if a and b and a == b or (not prev.name and m.name in prev.candidates) or (not m.name and prev.name in m.candidates):
                name = prev.name or m.name
                end = m.end + (1 if doc[m.end : m.end + 1] == ")" and "(" in doc[prev.end : m.start] else 0)
                kind = "E" if "E" in (prev.kind, m.kind) else prev.kind
                # one party: a vouched half vouches for it, the first half's place (subject, modifier) is its place
                merged[-1] = replace(
                    prev, end=end, kind=kind, name=name, candidates=[], referring=prev.referring and m.referring,
                    weak=prev.weak and m.weak, recurring=prev.recurring or m.recurring, modifier=m.modifier,
                    ref_kind=prev.ref_kind if prev.ref_kind == m.ref_kind else "",
                    local=prev.local or m.local, salient=prev.salient or m.salient,
                )
                continue
        merged.append(m)
    return merged


def article_mentions(doc: str, language: str | None) -> tuple[list, list, list[Reference], dict[str, frozenset[str]]]:
    """Named organisations, unvouched capitalised names, references, and the roles each organisation plays."""
    names = find_companies(doc, language)
    weak = find_name_candidates(doc, names)
    names, weak = fold_article_names(doc, names, weak)
    refs = find_references(doc, language, names)
    roles_of: dict[str, frozenset[str]] = {}
    for c in names:
        roles_of[c.name] = roles_of.get(c.name, frozenset()) | c.roles | company_roles(c.name)
    return names, weak, refs, roles_of


def sentence_mentions(
    doc, s, e, names, weak, refs, memory, prev_subjects, roles_of, bag, headline, topic: str | None = None
) -> list[Mention]:
    """The parties of doc[s:e] in order: names (facilities left out), then references resolved against them
    and against ``memory`` (the organisations of earlier sentences)."""
    found: list[Mention] = []
    for c in names:
        if s <= c.start and c.end <= e:
            subject_ok, referring = classify(doc, c.start, c.end)
            start = _descriptor_start(doc, s, c.start)
            if start < c.start and previous_word(doc, start) in cues.word_lists()["prepositions"]:
                subject_ok = False  # "la escisión del grupo ruso Yandex": the description sits after a preposition
            modifier = _is_modifier(doc, c.end)
            if cues.names_a_facility(doc, c.end, organisation_nouns()):
                continue  # "Colossus 2, el segundo gran centro de datos": a place, not a party
            kind = "Q" if is_product(c.surface) or modifier else "E"
            found.append(Mention(start, c.end, kind, c.name, [], subject_ok, referring, modifier=modifier))
    for c in weak:
        if s <= c.start and c.end <= e and not any(r.start < c.end and c.start < r.end for r in refs):
            # an unvouched name is a subject only where subjects stand: sentence start, after a comma or "X's"
            subject_ok = bool(re.search(r"(?:^|[,;:]|'s|’s)\s*$", doc[s : c.start]))
            start = _descriptor_start(doc, s, c.start)
            if cues.names_a_facility(doc, c.end, organisation_nouns()):
                continue
            # "adquiere el 20% de la startup X": a description after a preposition is no subject either
            described = start < c.start and previous_word(doc, start) not in cues.word_lists()["prepositions"]
            # "aceleradores Corsair", "chips Maia": an unvouched name right after a hardware noun is the product's
            # ("el fabricante de chips Ridgeline" is a company: a noun after "de"/"of" describes it)
            kind = "Q" if _AFTER_HARDWARE_NOUN.search(doc, max(s, c.start - 30), c.start) else "E"
            mention = Mention(start, c.end, kind, c.name, [], subject_ok or described, True, weak=True)
            mention.recurring = sum(1 for w in weak if w.name == c.name) > 1
            found.append(mention)
    found.sort(key=lambda m: m.start)
    found = _swallow_maker_appositions(doc, e, found)
    earlier = salience_order(memory, headline)
    inside = [r for r in refs if s <= r.start and r.end <= e and not any(m.start < r.start < m.end for m in found)]
    # Definite references first, merged with the names they stand beside ("Anthropic, the startup"),
    # so that pronouns then see one party per organisation.
    for passes in (("definite",), ("relative", "object_relative", "recipient", "subject", "possessive", "clitic")):
        for r in (r for r in inside if r.kind in passes):
            mention = reference_mention(doc, r, found, prev_subjects, earlier, roles_of, bag, topic)
            if mention is not None:
                found.append(mention)
                found.sort(key=lambda m: m.start)
        found = _merge_adjacent(doc, found)
    return found


# "Anysphere, the maker of the Cursor assistant,", "Helsing, la empresa detrás de ...,": an apposition that says
# what a company makes or runs; a name inside it is a product or a unit, never a party of the sentence's deal.
_MAKER_APPOSITION = re.compile(
    r",\s+(?:the|its|la|el|su)\s+(?:[\w'’-]+\s+){0,3}?"
    r"(?:(?:maker|makers|developer|creator|owner|operator|parent|company|start-?up|firm|group"
    r"|empresa|compañía|firma|startup)\s+(?:of|behind|detrás\s+del?|responsable\s+del?)"
    r"|(?:creadora?|desarrolladora?|dueña|dueño|propietaria|propietario|matriz|fabricante)\s+del?)"
    r"\s+[^,;:()]{1,80}?,",
    re.I,
)


def _swallow_maker_appositions(doc: str, end: int, mentions: list[Mention]) -> list[Mention]:
    out: list[Mention] = []
    swallowed_to = -1
    for m in mentions:
        if m.start < swallowed_to:
            continue
        match = _MAKER_APPOSITION.match(doc, m.end, end) if m.name and m.kind == "E" else None
        if match:
            swallowed_to = match.end()
            m = replace(m, end=match.end() - 1)  # the closing comma stays: "<E0>, is in talks ..."
        out.append(m)
    return out
