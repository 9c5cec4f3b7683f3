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
from extractors.deal_records import Frame, MaskedMoney, Mention, Sentence
from extractors.money import Money
from extractors.name_candidates import is_given_name

logger = logging.getLogger(__name__)

_WORD_BREAK = r"(?![\w])"

# "<E0> ha cerrado una ronda de ...", "<E0> raised $6 billion in a Series C": the token is the raiser
_RAISE = re.compile(
    # an apposition or a participle phrase may stand between the raiser and its verb: "Groq, la startup de chips
    # para inferencia, cerró", "SSI, co-founded by former OpenAI scientist X, has raised"
    r"(?P<O><[ER]\d+>)(?:\s*,[^.;]{0,120}?,|\s+(?:co-)?(?:founded|backed|created|launched|based|fundad[oa]|cread[oa]|respaldad[oa])\b[^.;]{0,100}?,)?"
    r"[^.;<]{0,80}?\b(?:cerrado|cierra|cerró|levanta|levantó|levantado|capta|captó|captado|recauda|recaudó|"
    r"recaudado|completado|completa|completó|raised|raises|closed|closes|secured|secures|completed|completes|landed|lands|"
    r"been handed|recibió|recibe|obtuvo|obtiene)\b"
    r"[^.;]{0,60}?(?:\bronda\b|\bserie\s+[A-Z]\b|<M\d+>|\bround\b|\bseries\s+[A-Z]\b|\bfunding\b|\bfinanciación\b)",
)

# "leads $1bn funding round in <E2>", "participó en la ronda de <E2>": the token is the raiser
_ROUND_OF = re.compile(
    r"\b(?:round|raise|financing|funding|ronda|financiación|financiamiento)\s+(?:in|into|for|of|en|de|para)\s+(?P<O><E\d+>)", re.I
)

# "led by <E3>", "liderada por la firma <E3>", "<E0> leads", "<E0> lidera": the token's organisation leads the round
_LED_BY_BEFORE = re.compile(
    r"\b(?:led|headed|anchored|liderad[oa]s?|encabezad[oa]s?|capitanead[oa]s?)\s+(?:by|por)\s+(?:the\s+|el\s+|la\s+|los\s+)?$"
    r"|\b(?:ronda|operación|ampliación)\s+(?:\w+\s+){0,3}?la\s+(?:lideró|lidera|liderará|encabezó|encabeza|encabezará)\s+(?:el\s+|la\s+)?$",
    re.I,
)
_LEADS_AFTER = re.compile(
    r"^(?:\s*,[^,;]{0,80},)?\s+(?:has\s+|had\s+|will\s+|ha\s+|había\s+)?(?:also\s+|también\s+)?"
    r"(?:led|leads|is leading|lead|lidera|lideró|liderará|liderado|encabeza|encabezó|encabezará|encabezado)\b"
    # "from A, the lead investor, and B", "de A, el inversor principal, y B"
    r"|^\s*,\s+(?:the|its|el|la|su)\s+(?:lead\s+(?:investor|backer)|inversor\s+(?:principal|líder)|principal\s+inversor)\s*,",
    re.I,
)
# "led by A and B", "co-led", "coliderada": several leads, none of them the round's only one
_CO_LEAD = re.compile(r"^\s*(?:,\s*<E\d+>\s*)*,?\s+(?:and|y|e)\s+<E\d+>|\bco-?(?:led|lead|liderad|lider)", re.I)


def led_by(sent: Sentence, token: str | None) -> bool:
    """The party at ``token`` is told as the one lead of a funding round ("led by X", "X leads")."""
    span = next(((ms, me) for ms, me, t in sent.token_spans if t == token), None)
    if span is None:
        return False
    before, after = sent.masked[: span[0]], sent.masked[span[1] :]
    if re.search(r"\bco-?(?:led|lead|liderad|lider)\w*\s+(?:by|por)\s+(?:the\s+|el\s+|la\s+)?$", before, re.I):
        return False
    if _LED_BY_BEFORE.search(before):
        return not _CO_LEAD.match(after)
    return bool(_LEADS_AFTER.match(after)) and not re.search(r"<E\d+>\s*(?:,|and|y|e)\s*$", before)


_ROUND = r"(?:ronda|operación|ampliación|financiación|financiamiento|round|raise|financing|funding)"
_INVESTORS = r"(?:participantes|inversores|inversionistas|accionistas|investors|backers|participants)"
# a verb of joining a round with nothing after it but the sentence's end or a list of others
_BARE_JOINED = (
    r"(?:invested|participated|took\s+part|joined|chipped\s+in|invirtió|invirtieron|participó|participaron|han\s+invertido|"
    r"ha\s+invertido|han\s+participado|ha\s+participado)(?=\s*(?:[.;]|,\s+(?:along|alongside|together|junto|while|whereas|mientras)|$))"
)
# list before the verb: "A y B han participado también en la ronda", "A and B also joined the round"
_LIST_BEFORE = re.compile(
    r"(?:(?:han|ha|habían|había|have|has|had)\s+)?(?:también\s+|además\s+|also\s+)?(?:"
    r"(?:participado|participa|participan|participó|participaron|participarán|participará)\s+(?:también\s+|además\s+)?en\s+(?:la|esta|esa|dicha)\s+(?:nueva\s+)?" + _ROUND
    + r"|(?:acuden|acudieron|acudirán|entran|entraron|entrarán|se suman|se sumaron|se han sumado)\s+(?:en el capital\s+|a la ronda\s+)?como\s+(?:\w+\s+)?" + _INVESTORS
    + r"|(?:entran|entraron|entrarán|han entrado)\s+en\s+el\s+capital(?!\s+de)"
    + r"|(?:participated|participate|participates|took part|take part|takes part|invested)\s+(?:also\s+)?in\s+(?:the|this|that)\s+(?:new\s+)?" + _ROUND
    + r"|(?:joined|join|joins)\s+(?:the|this|that)\s+(?:new\s+)?" + _ROUND
    + r"|(?:came in|come in|joined|join)\s+as\s+(?:\w+\s+)?" + _INVESTORS
    # the round understood: "Coatue also invested, along with ...", "Nvidia y Google también invirtieron."
    + r"|(?:(?<=also\s)|(?<=además\s)|(?<=también\s))" + _BARE_JOINED
    + r")" + _WORD_BREAK,
    re.I,
)
# list after the words: "Entre los participantes figuran A y B", "with participation from A and B"
_LIST_AFTER = re.compile(
    r"(?:\bentre\s+(?:los|sus)\s+(?:nuevos\s+)?" + _INVESTORS + r"(?:\s+de\s+la\s+ronda)?\s+(?:figuran|están|estaban|se encuentran|se encontraban|destacan|se cuentan|aparecen)"
    r"|\b(?:with\s+)?(?:the\s+)?participation\s+(?:from|by|of)"
    r"|\b(?:also|too|también|además)\s+" + _BARE_JOINED + r"\s*,\s+(?:along\s+with|alongside|together\s+with|junto\s+(?:a|con))"
    # examples of the round's investors: "from investors such as A and B", "de fondos como A y B"
    r"|\b(?:from|with|de|con)\s+(?:(?:new|existing|other|nuevos|otros)\s+)?(?:" + _INVESTORS[3:-1] + r"|funds|fondos)"
    r"\s+(?:such\s+as|like|including|como|entre\s+ellos)"
    # (not "una participación del <P1> en X": a stake, no round's investors)
    r"|\b(?:con\s+)?(?:la\s+)?participación\s+(?:también\s+|además\s+)?(?:de|del)(?=\s)(?!\s+<P\d+>)"
    r"|\b(?:other\s+)?(?:investors|backers|participants)(?:\s+in\s+the\s+round)?\s+(?:include|included|including)"
    # the round told as backed: "La operación fue respaldada además por A", "The round was also backed by A and B"
    r"|\b(?:ronda|operación|ampliación|financiación|round|raise|financing|funding)\s+(?:[\w-]+\s+){0,3}?(?:fue|ha sido|será|was|has been|will be|is)\s+"
    r"(?:también\s+|además\s+|also\s+)?(?:respaldada|apoyada|financiada|suscrita|secundada|backed|supported|funded|joined)\s+(?:también\s+|además\s+|also\s+)?(?:por|by)"
    # "The round also included A and B", "La ronda contó también con A y B"
    r"|\b(?:round|raise|financing|ronda|operación)\s+(?:also\s+|también\s+|además\s+)?"
    r"(?:included|includes|drew|attracted|incluyó|incluye|(?:contó|cuenta)\s+(?:también\s+|además\s+)?con)(?=\s+<E\d+>)"
    r"|\b(?:ronda|round)\s+(?:(?:\w+|<M\d+>),?\s+){0,5}?(?:fue\s+|was\s+|ha sido\s+|has been\s+)?(?:liderada|encabezada|co-liderada|led|co-led)\s+(?:por|by)"
    # the object first: "Aquella ronda la lideró el fondo X", "La operación la encabezó X"
    r"|\b(?:ronda|operación|ampliación)\s+(?:\w+\s+){0,3}?la\s+(?:lideró|lidera|liderará|encabezó|encabeza|encabezará|colideró|coliderará)"
    # the verb before its subjects: "En la ronda también participaron A, B y C", "Also participating were A and B"
    r"|\ben\s+(?:la|esta|esa|dicha)\s+(?:nueva\s+)?" + _ROUND + r"(?:\s+(?:de|del)\s+<E\d+>)?\s+(?:también\s+|además\s+)?"
    r"(?:(?:han|ha|habían|había)\s+)?(?:también\s+|además\s+)?(?:participaron|participan|participó|participa|participarán|participado|invirtieron|invertido|entraron|entrado|estuvieron|estado)"
    r"|\b(?:(?:han|ha|habían|había)\s+)?(?:participaron|participan|participó|participarán|participado|invirtieron|invertido|entraron|entrado)\s+(?:también\s+|además\s+)?en\s+(?:la|esta|esa|dicha)\s+(?:nueva\s+)?" + _ROUND
    + r"(?:\s+(?:de|del)\s+<E\d+>)?(?:\s+(?:fondos|inversores|firmas|empresas|compañías)(?:\s+como)?)?(?=\s+(?:<E\d+>|[A-ZÁÉÍÓÚÑ]))"
    r"|\b(?:also\s+)?(?:participating|investing|taking\s+part)(?:\s+in\s+the\s+(?:new\s+)?" + _ROUND + r")?\s+(?:were|are|was|is|included|include))\s+",
    re.I,
)
# list between: "with A and B also investing", "con A y B también como inversores"
_LIST_WITH_ALSO = re.compile(
    r"\b(?:with|con)\s+(?P<L>[^.;]+?)\s+(?:also\s+|too\s+|también\s+|además\s+)?(?:investing|participating|joining|taking\s+part|"
    r"chipping\s+in|participando|invirtiendo|como\s+(?:co-?)?inversores)\b",
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
# "..., Bloomberg News reported", "..., informó Reuters" is told after the story's last item
_REPORTS_AFTER = re.compile(r"\s+(?:reported|reports|said|says|wrote|writes|informó|informa|publicó|publica|adelantó)\b", re.I)
# "Prima Materia, el fondo de Daniel Ek", "the investment firm of Spotify founder, Daniel Ek": the person owns or runs
# the investor named before; the vehicle is the party
_OWNER_BEFORE = re.compile(
    r"[A-ZÁÉÍÓÚÑ][\w.&-]*\s*,\s+(?:the|its|el|la|su)\s+(?:[\w-]+\s+){0,3}?"
    r"(?:fondo|sociedad|vehículo|firma|gestora|family\s+office|fund|firm|vehicle|arm|office)\b"
    r"(?:(?!\b(?:y|and|e)\s)[^.;]){0,80}$"
)


def _runs_investor_before(doc: str, position: int) -> bool:
    """The person at ``position`` is told as the one behind the investor named just before."""
    return bool(_OWNER_BEFORE.search(doc[max(0, position - 160) : position]))
_PERSON = re.compile(r"(?<![\w<])([A-ZÁÉÍÓÚÑ][a-záéíóúñ]+(?:\s+[A-ZÁÉÍÓÚÑ][\w-]+){1,2})")


@dataclass
class Rounds:
    """What carries from sentence to sentence: the article's raiser so far and listed investors waiting for one."""

    raiser: str | None = None
    waiting: list[Frame] = field(default_factory=list)
    closed: bool = False  # the round is told as closed ("has raised", "cerró una ronda"): its investors are in
    size: Money | None = None  # the round's size as the raising sentence told it

    def read(self, sent: Sentence, doc: str, order: int) -> list[Frame]:
        """Frames of the investors this sentence lists for the article's round."""
        for rx in (_RAISE, _ROUND_OF):
            m = next((m for m in rx.finditer(sent.masked) if _raiser(sent, m.group("O"), rx is _RAISE)), None)
            if m is not None:
                self.raiser = _raiser(sent, m.group("O"), rx is _RAISE)
                # the raising verbs ("has raised", "cierra") tell a done round unless the words around hedge them
                self.closed = self.closed or (
                    rx is _RAISE and cues.status_of(sent.masked, m.start(), m.end(), None) != "rumored")
                if rx is _RAISE:
                    told = [sent.tokens[t] for t in re.findall(r"<M\d+>", m.group(0))]
                    self.size = _round_size(sent) or next((t.money for t in told if t.is_deal), None)
                break
        frames = [_frame(sent, doc, order, name, span, token) for name, span, token in _listed_investors(sent, doc)]
        size = _round_size(sent)
        for f in frames:
            if self.closed and f.status == "announced":
                f.status = "completed"
            if size is not None:
                # the round's size, which stays one investor's amount only if it leads alone (see merge)
                f.money, f.round_figure = size, True
            elif f.lead and self.size is not None and self.raiser is not None:
                # "X raised $8m. The round was led by Y": the lead of the round told before gets its size (see merge)
                f.money, f.round_figure = self.size, True
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


def _round_size(sent: Sentence) -> Money | None:
    """The size of the round this sentence tells ("raised $60m in a round led by ..."), else None."""
    for _, _, token in sent.token_spans:
        figure = sent.tokens[token]
        if isinstance(figure, MaskedMoney) and figure.is_round and figure.is_deal:
            return figure.money
    return None


def _raiser(sent: Sentence, token: str, as_subject: bool) -> str | None:
    mention = sent.tokens[token]
    if isinstance(mention, Mention) and (mention.subject_ok or not as_subject) and mention.referring and mention.kind != "Q":
        return mention.resolve()
    return None


def _frame(sent: Sentence, doc: str, order: int, name: str, span: tuple[int, int], token: str | None) -> Frame:
    evidence = doc[sent.start : sent.end].strip()
    status = cues.status_of(sent.masked, span[0], span[1], None)
    return Frame("investment", name, "", status, evidence, None, False, None, 0.7, sent.in_headline, order, "round list",
                 lead=led_by(sent, token))


def _listed_investors(sent: Sentence, doc: str) -> list[tuple[str, tuple[int, int], str | None]]:
    """(investor, span of the listing words, its token) for every investor the sentence lists for a round."""
    text = sent.masked
    lists: list[tuple[int, int, tuple[int, int]]] = []
    for m in _LIST_BEFORE.finditer(text):
        start = max((b.end() for b in re.finditer(r"[.;:]", text[: m.start()])), default=0)
        lists.append((start, m.start(), m.span()))
    for m in _LIST_AFTER.finditer(text):
        end = _CLAUSE_END.search(text, m.end())
        lists.append((m.end(), end.start() if end else len(text), m.span()))
    for rx in (_LIST_AMONG, _LIST_WITH_ALSO):
        for m in rx.finditer(text):
            lists.append((m.start("L"), m.end("L"), m.span()))
    found: list[tuple[str, tuple[int, int], str | None]] = []
    for start, end, span in lists:
        for name, token in _items(sent, doc, start, end):
            if name not in (n for n, _, _ in found):
                found.append((name, span, token))
    return found


# between two items of one list: a comma or a conjunction, a few lower-case words of description at most
_LIST_GAP = re.compile(
    # an apposition may follow an item: "USIT, el vehículo inversor de Thomas Tull, y Nvidia"
    r"(?:\s*,\s+(?:the|its|an?|el|la|su|un|una)\s+[^,.;<]{1,60},)?"
    r"[\s,]*(?:(?:and|y|e|or|o|as well as|así como|plus|junto a|junto con|along with)\s+)?(?:[a-záéíóúñ-]+\s+){0,4}"
    # a description's complement: "y el fondo de capital de riesgo Kaszek"
    r"(?:(?:de|of)\s+(?:[a-záéíóúñ-]+\s+){1,2})?", re.I
)


def _items(sent: Sentence, doc: str, start: int, end: int) -> list[tuple[str, str | None]]:
    """The investors of one list (with their tokens): organisations in list position and people named as items."""
    text = sent.masked
    names: list[tuple[str, str | None]] = []
    previous_end = None
    for ms, me, token in sent.token_spans:
        if not (start <= ms and me <= end):
            continue
        if previous_end is not None and not _LIST_GAP.fullmatch(text[previous_end:ms]):
            break  # the list is over: "led by A, with B also investing, valuing the maker of C"
        previous_end = me
        if _REPORTS_AFTER.match(text, me):
            break  # "led by A, Bloomberg News reported": the source of the story, not an investor
        mention = sent.tokens[token]
        if not isinstance(mention, Mention) or mention.kind != "E" or not mention.referring or mention.modifier:
            continue
        before = text[start:ms]
        if re.search(r"\b(?:de|del|of|for|para|por)\s+(?:la\s+|el\s+|the\s+)?$", before, re.I) or _VEHICLE_BEFORE.search(before):
            continue  # "el fundador de Amazon", "a través de su vehículo X": not an item of the list
        person = str(mention.resolve())
        at = doc.find(person, mention.start, mention.end)
        if is_given_name(person.split()[0]) and _runs_investor_before(doc, at if at >= 0 else mention.start):
            continue  # "Benchmark, the firm of investor Bill Gurley": a person who runs the investor named before
        if mention.resolve():
            names.append((mention.resolve(), token))
    for p in _PERSON.finditer(text, start, end):
        if is_given_name(p.group(1).split()[0]) and not re.search(r"\b(?:de|del|of|por|by)\s+$", text[start : p.start()]) \
                and not _runs_investor_before(doc, sent.to_document(p.start())):
            names.append((p.group(1), None))
    return names
