"""Investors listed as taking part in a funding round whose company the sentence does not name again.

"Perplexity ha cerrado una ronda de 73,6 millones ..." names the company raising the round (the raiser);
later "Nvidia y Jeff Bezos han participado también en la ronda", "Entre los participantes figuran A y B",
"Investors include A, B and C" list its investors without naming it. Each listed investor becomes an
investment in the raiser, with no amount: a round's size is not one investor's part.

A listed person is an investor here, and only here: the wording makes him one ("Jeff Bezos participated in
the round"); a person named anywhere else is never a party.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from extractors import cues
from extractors.deal_records import Frame, Mention, Sentence
from extractors.name_candidates import is_given_name

logger = logging.getLogger(__name__)

_WORD_BREAK = r"(?![\w])"

# "<E0> ha cerrado una ronda de ...", "<E0> raised $6 billion in a Series C": the token is the raiser
_RAISE = re.compile(
    r"(?P<O><E\d+>)[^.;<]{0,80}?\b(?:cerrado|cierra|cerró|levanta|levantó|levantado|capta|captó|captado|recauda|recaudó|"
    r"recaudado|completado|completa|completó|raised|raises|closed|closes|secured|secures|completed|completes|landed|lands)\b"
    r"[^.;]{0,60}?(?:\bronda\b|\bserie\s+[A-Z]\b|<M\d+>|\bround\b|\bseries\s+[A-Z]\b|\bfunding\b|\bfinanciación\b)",
)

_ROUND = r"(?:ronda|operación|ampliación|financiación|financiamiento|round|raise|financing|funding)"
_INVESTORS = r"(?:participantes|inversores|inversionistas|accionistas|investors|backers|participants)"
# list before the verb: "A y B han participado también en la ronda", "A and B also joined the round"
_LIST_BEFORE = re.compile(
    r"(?:(?:han|ha|habían|había|have|has|had)\s+)?(?:también\s+|además\s+|also\s+)?(?:"
    r"(?:participado|participa|participan|participó|participaron|participarán|participará)\s+(?:también\s+|además\s+)?en\s+(?:la|esta|esa|dicha)\s+(?:nueva\s+)?" + _ROUND
    + r"|(?:acuden|acudieron|acudirán|entran|entraron|entrarán|se suman|se sumaron|se han sumado)\s+(?:en el capital\s+|a la ronda\s+)?como\s+(?:\w+\s+)?" + _INVESTORS
    + r"|(?:entran|entraron|entrarán|han entrado)\s+en\s+el\s+capital(?!\s+de)"
    + r"|(?:participated|participate|participates|took part|take part|takes part|invested)\s+(?:also\s+)?in\s+(?:the|this|that)\s+(?:new\s+)?" + _ROUND
    + r"|(?:joined|join|joins)\s+(?:the|this|that)\s+(?:new\s+)?" + _ROUND
    + r"|(?:came in|come in|joined|join)\s+as\s+(?:\w+\s+)?" + _INVESTORS
    + r")" + _WORD_BREAK,
    re.I,
)
# list after the words: "Entre los participantes figuran A y B", "with participation from A and B"
_LIST_AFTER = re.compile(
    r"(?:\bentre\s+(?:los|sus)\s+(?:nuevos\s+)?" + _INVESTORS + r"(?:\s+de\s+la\s+ronda)?\s+(?:figuran|están|estaban|se encuentran|se encontraban|destacan|se cuentan|aparecen)"
    r"|\b(?:with\s+)?participation\s+(?:from|by)|\b(?:other\s+)?(?:investors|backers|participants)(?:\s+in\s+the\s+round)?\s+(?:include|included|including)"
    r"|\b(?:ronda|round)\s+(?:(?:\w+|<M\d+>),?\s+){0,5}?(?:fue\s+|was\s+|ha sido\s+|has been\s+)?(?:liderada|encabezada|co-liderada|led|co-led)\s+(?:por|by)"
    # the verb before its subjects: "En la ronda también participaron A, B y C", "Also participating were A and B"
    r"|\ben\s+(?:la|esta|esa|dicha)\s+(?:nueva\s+)?" + _ROUND + r"\s+(?:también\s+|además\s+)?(?:participaron|participan|participó|participa|participarán|invirtieron|entraron|estuvieron)"
    r"|\b(?:participaron|participan|participó|participarán|invirtieron)\s+(?:también\s+|además\s+)?en\s+(?:la|esta|esa|dicha)\s+(?:nueva\s+)?" + _ROUND + r"(?=\s+(?:<E\d+>|[A-ZÁÉÍÓÚÑ]))"
    r"|\b(?:also\s+)?(?:participating|investing|taking\s+part)(?:\s+in\s+the\s+(?:new\s+)?" + _ROUND + r")?\s+(?:were|are|was|is|included|include))\s+",
    re.I,
)
# list between: "con Jeff Bezos y Nvidia entre sus inversores", "with A and B among its backers"
_LIST_AMONG = re.compile(
    r"\b(?:con|with|suma\s+a|sumó\s+a|suman\s+a|cuenta\s+con|contaba\s+con|incorpora\s+a|incorporó\s+a|adds|added|counts|counted)\s+"
    r"(?P<L>[^.;]+?)\s+(?:entre|among)\s+(?:sus|los|its|the|their|<R\d+>)\s+(?:nuevos\s+|new\s+)?" + _INVESTORS + r"\b",
    re.I,
)

_CLAUSE_END = re.compile(r"[.;:]|,\s*(?:<R\d+>|que|which|who|that)\b|\s+(?:que|which|who|that)\s", re.I)
_VEHICLE_BEFORE = re.compile(r"(?:a través de|mediante|vía|via|through)\s+(?:<R\d+>\s+|su\s+|sus\s+|his\s+|her\s+|its\s+)?(?:[\w-]+\s+){0,2}$", re.I)
_PERSON = re.compile(r"(?<![\w<])([A-ZÁÉÍÓÚÑ][a-záéíóúñ]+(?:\s+[A-ZÁÉÍÓÚÑ][\w-]+){1,2})")


@dataclass
class Rounds:
    """What carries from sentence to sentence: the article's raiser so far and listed investors waiting for one."""

    raiser: str | None = None
    waiting: list[Frame] = field(default_factory=list)

    def read(self, sent: Sentence, doc: str, order: int) -> list[Frame]:
        """Frames of the investors this sentence lists for the article's round."""
        for m in _RAISE.finditer(sent.masked):
            mention = sent.tokens[m.group("O")]
            if isinstance(mention, Mention) and mention.subject_ok and mention.referring and mention.resolve():
                self.raiser = mention.resolve()
                break
        frames = [_frame(sent, doc, order, name, span) for name, span in _listed_investors(sent)]
        if self.raiser is None:
            self.waiting += frames
            return []
        found = self._for_raiser(self.waiting + frames)
        self.waiting = []
        return found

    def _for_raiser(self, frames: list[Frame]) -> list[Frame]:
        for f in frames:
            f.payee = self.raiser
            logger.debug("round investor %s -> %s in %r", f.payer, f.payee, f.evidence)
        return [f for f in frames if f.payer != self.raiser]


def _frame(sent: Sentence, doc: str, order: int, name: str, span: tuple[int, int]) -> Frame:
    evidence = doc[sent.start : sent.end].strip()
    status = cues.status_of(sent.masked, span[0], span[1], None)
    return Frame("investment", name, "", status, evidence, None, False, None, 0.7, sent.in_headline, order, "round list")


def _listed_investors(sent: Sentence) -> list[tuple[str, tuple[int, int]]]:
    """(investor, span of the listing words) for every investor the sentence lists for a round."""
    text = sent.masked
    lists: list[tuple[int, int, tuple[int, int]]] = []
    for m in _LIST_BEFORE.finditer(text):
        start = max((b.end() for b in re.finditer(r"[.;:]", text[: m.start()])), default=0)
        lists.append((start, m.start(), m.span()))
    for m in _LIST_AFTER.finditer(text):
        end = _CLAUSE_END.search(text, m.end())
        lists.append((m.end(), end.start() if end else len(text), m.span()))
    for m in _LIST_AMONG.finditer(text):
        lists.append((m.start("L"), m.end("L"), m.span()))
    found: list[tuple[str, tuple[int, int]]] = []
    for start, end, span in lists:
        for name in _items(sent, start, end):
            if name not in (n for n, _ in found):
                found.append((name, span))
    return found


def _items(sent: Sentence, start: int, end: int) -> list[str]:
    """The investors of one list: organisations in list position and people named as items."""
    text = sent.masked
    names: list[str] = []
    for ms, me, token in sent.token_spans:
        if not (start <= ms and me <= end):
            continue
        mention = sent.tokens[token]
        if not isinstance(mention, Mention) or mention.kind != "E" or not mention.referring or mention.modifier:
            continue
        before = text[start:ms]
        if re.search(r"\b(?:de|del|of|for|para|por)\s+(?:la\s+|el\s+|the\s+)?$", before, re.I) or _VEHICLE_BEFORE.search(before):
            continue  # "el fundador de Amazon", "a través de su vehículo X": not an item of the list
        if mention.resolve():
            names.append(mention.resolve())
    for p in _PERSON.finditer(text, start, end):
        if is_given_name(p.group(1).split()[0]) and not re.search(r"\b(?:de|del|of|por|by)\s+$", text[start : p.start()]):
            names.append(p.group(1))
    return names
