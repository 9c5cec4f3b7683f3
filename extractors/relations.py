"""Organisations named by how they stand to another one: "GB300 systems from its new shareholder", "accelerators
made by one of its backers", "chips de su nuevo accionista", "capacity sold to its largest customer".

Such a phrase names no one by itself; the deals the article told before do: the shareholder of X is whoever
invested in X, its customer whoever bought chips or cloud from X, its supplier whoever X bought them from. The
owner of "its" is the first of the pronoun's antecedents that has such a partner.

Only a phrase that is an argument (after "from", "by", "to", "de", "a"...; "by one of its backers") is read so:
in apposition ("Amazon, its largest backer, ...") the phrase describes the name beside it, which the trigger
rows read as a statement of its own.

Compute told before by a demonstrative ("para utilizar esa capacidad", "will rent that capacity") is likewise
whoever the deals so far put it in the hands of: the last buyer of chips, or the last seller of cloud.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace

from extractors.deal_records import Frame, Mention

logger = logging.getLogger(__name__)

_RELATION_NOUNS = {
    "investor": r"backers?|investors?|shareholders?|stakeholders?|owners?|parent company|parent|accionistas?|inversor(?:es)?"
    r"|inversionistas?|valedor(?:es)?|dueñ[oa]s?|matriz",
    "customer": r"customers?|clients?|buyers?|tenants?|clientes?|compradores?|compradoras?",
    "supplier": r"suppliers?|vendors?|proveedor(?:es)?|proveedoras?|suministrador(?:es)?",
}
_ADJECTIVES = (
    r"new|newest|largest|biggest|main|major|key|top|early|earliest|existing|current|second-largest|principal|nuevo|nueva"
    r"|nuevos|nuevas|mayor|gran|actual|actuales|primer|principales"
)
_AFTER_POSSESSIVE = re.compile(
    rf"\s+(?:(?:{_ADJECTIVES})\s+){{0,2}}(?P<noun>{'|'.join(f'(?P<{k}>{v})' for k, v in _RELATION_NOUNS.items())})(?![\w-])",
    re.I,
)
# the phrase is an argument: right after a preposition, or after "one of" / "uno de" that follows one
_ARGUMENT_BEFORE = re.compile(
    r"(?<![\w-])(?:from|by|to|with|for|of|de|del|a|al|con|por|para)\s+(?P<one>(?:one|uno|una)\s+(?:of|de)\s+)?$",
    re.I,
)
_PLURAL = re.compile(r"(?:s|es)$")
_PARTITIVE_BEFORE = re.compile(r"(?<![\w-])(?:one|uno|una)\s+$", re.I)


def _partners(frames: list[Frame], owner: str, relation: str) -> list[str]:
    """The organisations the article's deals so far put in ``relation`` to ``owner``, first told first."""
    found: list[str] = []
    for f in sorted(frames, key=lambda f: f.order):
        if relation == "investor" and f.deal_type == "investment" and f.payee == owner:
            found.append(f.payer)
        elif relation == "customer" and f.deal_type != "investment" and f.payee == owner:
            found.append(f.payer)
        elif relation == "supplier" and f.deal_type != "investment" and f.payer == owner:
            found.append(f.payee)
    return list(dict.fromkeys(found))


def relational_mentions(doc: str, mentions: list[Mention], frames: list[Frame]) -> list[Mention]:
    """``mentions`` with each argument "its <partner noun>" replaced by the partner the earlier deals name."""
    out: list[Mention] = []
    for m in mentions:
        after = _AFTER_POSSESSIVE.match(doc, m.end) if m.ref_kind == "possessive" else None
        window = doc[max(0, m.start - 40) : m.start]
        before = _ARGUMENT_BEFORE.search(window) if after else None
        if before is not None and not before.group("one") and _PARTITIVE_BEFORE.search(window[: before.start()]):
            before = None  # "Nvidia, uno de sus backers": the "de" of "one of" heads no argument; an apposition
        # a bare plural is the whole class ("sell to its customers"); "one of its backers" picks one of them
        if before is None or (_PLURAL.search(after.group("noun")) and not before.group("one")):
            out.append(m)
            continue
        relation = next(k for k in _RELATION_NOUNS if after.group(k))
        partners = next((p for p in (_partners(frames, c, relation) for c in m.candidates[:2]) if p), [])
        if not partners:
            out.append(m)
            continue
        logger.debug("%r names %s", doc[m.start : after.end()], partners)
        out.append(
            replace(
                m, end=after.end(), kind="E", name=partners[0] if len(partners) == 1 else None, candidates=partners,
                subject_ok=False, ref_kind="relational", local=[], salient=[],
            )
        )
    return out


# "esa capacidad", "this capacity", "dicha nube": compute told before, by a demonstrative
_THAT_CAPACITY = re.compile(
    r"(?<![\w-])(?:esa|esta|dicha|aquella|that|this|the same)\s+(?:nueva\s+|new\s+|extra\s+|additional\s+)?"
    r"(?:capacidad(?:\s+de\s+(?:cómputo|cálculo|computación))?|nube|infraestructura|plataforma|capacity|cloud|computing power|compute|infrastructure)"
    r"(?![\w-])",
    re.I,
)


def _capacity_owner(frames: list[Frame]) -> str | None:
    """Whose compute the article told last: the buyer of chips builds it, the seller of cloud rents it out."""
    for f in sorted(frames, key=lambda f: f.order, reverse=True):
        if f.deal_type == "chip_supply":
            return f.payer
        if f.deal_type == "cloud_contract":
            return f.payee
    return None


def capacity_mentions(doc: str, s: int, e: int, mentions: list[Mention], frames: list[Frame]) -> list[Mention]:
    """``mentions`` and one <K..> party for each "esa capacidad" / "that capacity" of doc[s:e]: the compute
    the deals told so far put in someone's hands ("América Móvil comprará GPU para su nube ... Rappi firmó un
    contrato para utilizar esa capacidad" rents it from América Móvil). Only the rows written for it ({CAP})
    take it as a party."""
    owner = _capacity_owner(frames)
    if owner is None:
        return mentions
    added = [
        Mention(m.start(), m.end(), "K", owner, [], subject_ok=False, referring=True, ref_kind="capacity")
        for m in _THAT_CAPACITY.finditer(doc, s, e)
        if not _overlaps(m, mentions)
    ]
    return _with_added(mentions, added)


def _overlaps(match: re.Match, mentions: list[Mention]) -> bool:
    """Whether ``match`` covers part of a mention already found (which then wins)."""
    return any(match.start() < x.end and x.start < match.end() for x in mentions)


def _with_added(mentions: list[Mention], added: list[Mention]) -> list[Mention]:
    return sorted(mentions + added, key=lambda m: m.start) if added else mentions


# "another 50,000 of the chips", "esos procesadores": chips told before, by a definite or demonstrative
_THOSE_CHIPS = re.compile(
    r"(?<![\w-])(?:the|those|these|such|esos|esas|estos|estas|dichos|dichas|los|las)\s+(?:same\s+|mismos\s+|mismas\s+)?"
    r"(?:chips|GPUs|GPU|processors|accelerators|superchips|procesadores|aceleradores)(?![\w-])",
    re.I,
)


def _chips_maker(frames: list[Frame]) -> str | None:
    """The seller of the chips the article told last."""
    return next((f.payee for f in sorted(frames, key=lambda f: f.order, reverse=True) if f.deal_type == "chip_supply"), None)


def chips_mentions(doc: str, s: int, e: int, mentions: list[Mention], frames: list[Frame]) -> list[Mention]:
    """``mentions`` and one <H..> party for each "the chips" / "esos procesadores" of doc[s:e]: the maker of the
    chips the deals told so far ("Naver will buy 60,000 Nvidia chips ... Hyundai will take another 50,000 of the
    chips" buys them from Nvidia). Only the rows written for it ({CHIPREF}) take it as a party."""
    maker = _chips_maker(frames)
    if maker is None:
        return mentions
    added = [
        Mention(m.start(), m.end(), "H", maker, [], subject_ok=False, referring=True, ref_kind="chips")
        for m in _THOSE_CHIPS.finditer(doc, s, e)
        if not _overlaps(m, mentions) and _BUYS_BEFORE.search(doc, max(s, m.start() - 50), m.start())
    ]
    return _with_added(mentions, added)


# a purchase verb just before "the chips": only then are they a party ("would take another 50,000 of the chips");
# elsewhere ("Unas 104.000 de esas GPU se desplegarán en ...") they stay words
_BUYS_BEFORE = re.compile(
    r"\b(?:buy|buys|bought|buying|purchas\w*|order\w*|take|takes|took|taking|get|gets|got|getting|receiv\w*|acquir\w*|"
    r"deploy\w*|compr\w*|adquir\w*|adquier\w*|encarg\w*|recib\w*|pedi\w*|pid\w*)\b(?:[^.;<]|\.(?=\d)){0,40}$",
    re.I,
)
