"""Where a mention stands in its sentence: the words around it, whether it can be the subject of a deal verb
and whether it refers to the organisation at all ("the OpenAI rival" does not)."""

from __future__ import annotations

import logging
import re

from extractors import cues

logger = logging.getLogger(__name__)


_RIVALS_OF = re.compile(r"['’]s\s+(?:[\w-]+\s+){0,2}?(?:rivals?|competitors?|challengers?|peers?)\b", re.I)


# "fondos como Khosla Ventures", "investors such as A and B": examples of investors are investors, whereas
# "rivals like X" or "companies such as X" name no party
_INVESTOR_EXAMPLES = re.compile(
    r"\b(?:investors|backers|shareholders|venture\s+(?:capital\s+)?firms|funds|fondos|inversores|accionistas|gestoras)"
    r"\s+(?:such\s+as|like|including|como|entre\s+ellos)\s+(?:(?:[A-ZÁÉÍÓÚÑ][\w.&-]*\s+){1,4}(?:and|y|,)\s+)?$"
)


_POSSESSIVE_QUALIFIER = re.compile(r"(?<![\w])(?:[A-ZÁÉÍÓÚÑ][\w.-]*\s+){0,2}[A-ZÁÉÍÓÚÑ][\w.-]*['’]s\s+$")


def previous_word(doc: str, start: int) -> str:
    """The word just before position ``start``, lower-cased ("" when there is none)."""
    m = re.search(r"([\w.]+)[^\w.]*$", doc[max(0, start - 40) : start])
    return m.group(1).lower() if m else ""


def next_word(doc: str, end: int) -> str:
    """The word just after position ``end``, lower-cased ("" when there is none)."""
    m = re.match(r"\s*([\w-]+)", doc[end : end + 40])
    return m.group(1).lower() if m else ""


def classify(doc: str, start: int, end: int) -> tuple[bool, bool]:
    """(subject_ok, referring) for the mention at doc[start:end]."""
    words = cues.word_lists()
    possessive = doc[end : end + 2] in ("'s", "’s")
    nxt = "" if possessive else next_word(doc, end)
    referring = nxt not in words["not_the_entity_after"] and not cues.not_the_entity_before().search(doc[max(0, start - 30) : start])
    if not referring and _INVESTOR_EXAMPLES.search(doc[max(0, start - 80) : start]):
        referring = True
    if possessive and _RIVALS_OF.match(doc, end):
        referring = False  # "one of OpenAI's best-funded rivals": another company, OpenAI only qualifies it
    # "launched by Saudi Arabia's Public Investment Fund": a possessive qualifier ("Saudi Arabia's", "Japan's")
    # leaves the name where the preposition put it
    qualifier = _POSSESSIVE_QUALIFIER.search(doc[max(0, start - 60) : start])
    word = previous_word(doc, start - len(qualifier.group(0))) if qualifier else previous_word(doc, start)
    subject_ok = word not in words["prepositions"] and nxt not in words["modifier_heads_after"]
    return subject_ok, referring

