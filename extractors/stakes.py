"""The stake percentage a deal statement gives, and whose it is: a stake goes to its nearest owner, and one
with another organisation in subject position between it and the deal belongs to that organisation."""

from __future__ import annotations

import logging
import re

from extractors.deal_records import Mention, Sentence

logger = logging.getLogger(__name__)


# the wordings that make a percentage a stake: "a 9.9% stake", "una participación del 11 %", "49% owned by"
_STAKE_PATTERNS = [
    re.compile(r"<P(\d+)>\s+(?:[\w-]+\s+){0,2}?(?:stake|holding|interest|ownership|shareholding|participación)", re.I),
    re.compile(
        r"(?:stake|holding|participación|participation|ownership|shareholding)\s+(?:\S+\s+){0,3}?(?:of|del?|al|de alrededor del?|close to|near)\s+"
        r"(?:about |around |roughly |approximately |nearly |almost |some |alrededor del? |en torno al? |cerca del? |aproximadamente |casi el )?<P(\d+)>",
        re.I,
    ),
    re.compile(r"<P(\d+)>\s+(?:of|del capital de|del capital del|de|del|of the shares of)\s+<[ERQ]", re.I),
    re.compile(r"(?:equivalent to|equal to|equivalente al?|representing|que representa[n]?)\s+(?:about |roughly |around |alrededor del? |en torno al? |el )?<P(\d+)>", re.I),
    re.compile(r"<P(\d+)>[- ](?:owned|controlled|held) by\b", re.I),  # "Scale AI will be 49% owned by Meta"
    # "de Meta, que se queda con el 49 %", "Meta, which takes 49%": the owner keeps the percentage
    re.compile(
        r"(?:se\s+(?:queda|quedará|quedaría|quedó|hace|hará|haría|hizo)\s+con|quedarse\s+con|hacerse\s+con|takes|took|will take|would take)\s+"
        r"(?:el |un |an? |about |around |roughly |alrededor del? |en torno al? |cerca del? |casi el )?<P(\d+)>(?!\s+(?:of|de|del)\s+(?:the\s+|its\s+|sus\s+|los\s+|las\s+|la\s+)?"
        r"(?:revenue|sales|profits?|ingresos|ventas|beneficios))",
        re.I,
    ),
    # "con alrededor del 11 % del capital", "with about 8% of the company"
    re.compile(
        r"<P(\d+)>\s+(?:del capital|del accionariado|de las acciones|de la (?:compañía|empresa|sociedad)|"
        r"of the (?:company|shares|equity|capital|business)|of its (?:shares|equity|capital))\b",
        re.I,
    ),
    # "su mayor accionista, con un 11 %", "the largest shareholder with 15%"
    re.compile(
        r"(?:accionista|shareholder|investor|inversor|owner|propietario)\b[^<;.]{0,20}?\b(?:con|with)\s+"
        r"(?:un |una |el |an? |about |around |roughly |alrededor del? |en torno al? |cerca del? |casi el )?<P(\d+)>",
        re.I,
    ),
]


def _another_owner_between(sent: Sentence, start: int, end: int, parties: set[str]) -> bool:
    """An organisation in subject position between a deal and a stake, other than the deal's parties:
    "A agreed to invest $2bn in C, and B agreed to take a 9.9% stake in C" -- the stake is B's."""
    for ms, _, token in sent.token_spans:
        obj = sent.tokens[token]
        if start <= ms < end and isinstance(obj, Mention) and obj.kind != "Q" and obj.subject_ok and obj.referring:
            name = obj.resolve()
            if name and name not in parties:
                return True
    return False


def pick_stake(sent: Sentence, match: re.Match[str], parties: set[str]) -> float | None:
    """The stake of the deal ``match`` states: the one the trigger captured, else the nearest stake wording
    (within 120 characters) that no other owner stands closer to."""
    if match.groupdict().get("P"):
        return sent.tokens[match.group("P")]
    best: tuple[int, float] | None = None
    for rx in _STAKE_PATTERNS:
        for m in rx.finditer(sent.masked):
            distance = 0 if match.start() <= m.start() < match.end() else min(abs(m.start() - match.end()), abs(match.start() - m.end()))
            if distance and _another_owner_between(sent, min(match.end(), m.end()), max(match.start(), m.start()), parties):
                continue  # the stake has an owner of its own, nearer than this deal
            value = sent.tokens[f"<P{m.group(1)}>"]
            if distance <= 120 and (best is None or distance < best[0]):
                best = (distance, value)
    return best[1] if best else None
