"""Who is the subject of a deal verb: the nearest organisation in subject position in the same clause,
the other members of a list it belongs to, or -- when the clause has no room for a subject of its own --
the subject carried over from the sentences before."""

from __future__ import annotations

import logging
import re

from extractors.deal_records import Mention, Sentence

logger = logging.getLogger(__name__)


# "that" after a preposition is a determiner ("most of that research"), not a clause
_CLAUSE_BREAK = re.compile(
    r";|:|\b(?:but|while|whereas|who|pero|mientras|aunque|donde|where)\b"
    r"|(?<!\bof )(?<!\bon )(?<!\bin )(?<!\bfor )(?<!\bwith )(?<!\bfrom )(?<!\bto )(?<!\bat )(?<!\bby )\bthat\b",
    re.I,
)


def subject_before(sent: Sentence, position: int, exclude: str | None) -> tuple[Mention, str] | tuple[None, None]:
    """The nearest organisation in subject position left of ``position``, within the same clause."""
    if _ANOTHER_ACTOR.search(sent.masked[:position]):
        return None, None
    for ms, me, token in reversed(sent.token_spans):
        if ms >= position:
            continue
        between = re.sub(r",[^,]*,", " ", sent.masked[me:position])  # skip appositions ", a cloud company ...,"
        if _CLAUSE_BREAK.search(between):
            return None, None
        obj = sent.tokens[token]
        if not isinstance(obj, Mention) or obj.kind == "Q" or not obj.subject_ok or not obj.referring:
            continue
        if re.match(r"\s*[,;]", sent.masked[me:]) and any(
            isinstance(c, Mention) and not c.subject_ok for c in coordinated(sent, token)
        ):
            continue  # "raised $90m from A and B, and agreed to buy": B ends a list after a preposition
        if _APPOSITION_BEFORE.search(sent.masked[:ms]) and "," in sent.masked[me:position]:
            continue  # "Humain, la empresa creada por el fondo X (PIF), adquirirá": X only describes the subject
        if _AGENT_BEFORE.search(sent.masked[:ms]) and "," in sent.masked[me:position]:
            continue  # "<E0> launched by Y, will buy", "<E0> creada por el fondo Y, adquirirá": Y is the agent of a participle
        if obj.weak and len(between.split()) > (8 if obj.recurring else 4) and not _REPORTS_THAT.match(between):
            continue  # an unvouched name must stand right before the deal verb (or tell it: "X anunció hoy que se hace con"); one the article repeats may stand a little further
        if obj.resolve(exclude) and obj.resolve(exclude) != exclude:
            return obj, token
    return None, None


# "X anunció este martes que se hace con ...": the name that reports the deal is its subject
_REPORTS_THAT = re.compile(
    r"\s*(?:(?:ha|han|have|has)\s+)?(?:anunció|anunciaron|anuncia|anunciado|informó|informa|confirmó|confirma|comunicó|"
    r"announced|announces|confirmed|confirms)\s+(?:\w+\s+){0,3}?(?:que|that)\s+(?:\w+\s+){0,4}$",
    re.I,
)


# "will let domestic companies buy", "has urged them to favor", "permitirá a las empresas locales comprar": the
# verb's own subject is the phrase after the letting verb, which names no organisation
_ANOTHER_ACTOR = re.compile(
    r"\b(?:let|lets|letting|allow|allows|allowed|allowing|permit|permits|permitted|urge|urges|urged|urging|force|forces|forced|"
    r"ask|asks|asked|press|pressed|pressure|pressured|push|pushed|encourage|encouraged|require|requires|required|"
    r"deja|dejará|dejaría|dejar|permite|permitirá|permitiría|permitir|insta|instó|pide|pidió|obliga|obligará|obligó|anima|animó)"
    r"\s+(?:a\s+)?(?:(?!<)[\w-]+\s+){1,3}?(?:to\s+|a\s+)?(?:\w+\s+){0,1}?$",
    re.I,
)
_APPOSITION_BEFORE = re.compile(r"<[ER]\d+>\s*,[^,;]*$")
# a participle's agent: "launched this week by", "creada por" (not "por primera vez", "por su parte")
_AGENT_BEFORE = re.compile(
    r"\b(?:\w+(?:ed|ada|ado|adas|ados|ida|ido|idas|idos)|run|led|held|owned|built|set up|spun off)\s+(?:[\w-]+\s+){0,3}?(?:by|por)\s[^,;]*$",
    re.I,
)


# an item may carry a short apposition: "from A, the lead investor, and B", "A, el banco público, y B"
_ITEM = r"<E\d+>(?:\s*,\s+(?:the|its|an?|el|la|su|un|una)\s+[^,.;<]{1,50},(?=\s+(?:and|y|e)\s))?"
# a place's possessive may head an item: "Bpifrance and South Korea's SK Telecom"
_PLACE_OF = r"(?:(?:[A-ZÁÉÍÓÚÑ][\w.-]*\s+){0,2}[A-ZÁÉÍÓÚÑ][\w.-]*['’]s\s+)?"
LISTED_PARTIES = re.compile(rf"{_ITEM}(?:\s*,\s*{_PLACE_OF}{_ITEM})*,?\s+(?:and|y|e)\s+{_PLACE_OF}<E\d+>")


def coordinated(sent: Sentence, token: str | None) -> list[Mention]:
    """The other organisations of a list the party belongs to ("Microsoft and Nvidia will invest ...")."""
    if token is None:
        return []
    for m in LISTED_PARTIES.finditer(sent.masked):
        tokens = re.findall(r"<E\d+>", m.group(0))
        if token in tokens:
            return [sent.tokens[t] for t in tokens if t != token]
        if re.match(rf"\s*,?\s*{re.escape(token)}", sent.masked[m.end() :]) and token.startswith("<R"):
            # "los fondos A y B, que ya habían respaldado a ...": the relative pronoun stands for the whole list
            return [sent.tokens[t] for t in tokens]
    return []


def token_end(sent: Sentence, token: str) -> int:
    return next(me for _, me, t in sent.token_spans if t == token)


def has_mention_before(sent: Sentence, position: int) -> bool:
    return any(isinstance(sent.tokens[t], Mention) for ms, _, t in sent.token_spans if ms < position)


_DETERMINER_END = re.compile(r"\b(?:the|a|an|this|that|its|el|la|los|las|un|una|este|esta|ese|esa|su|sus|del|al)\s*$", re.I)


# "La capacidad se desplegará con chips de X", "The chips will be installed by ...": a "se" or a passive
# leaves the agent out; no earlier subject fills it
_AGENT_LEFT_OUT = re.compile(r"\b(?:se|be|been|being)\s*$", re.I)


# "Ese vehículo compraría ...", "This fund will buy ...": a demonstrative noun phrase that names no organisation
# is the clause's own subject (one that names an organisation is a reference token, not plain text)
_DEMONSTRATIVE_SUBJECT = re.compile(
    r"^\W*(?:this|that|these|those|este|esta|estos|estas|ese|esa|esos|esas|aquel|aquella|aquellos|aquellas|dicho|dicha|dichos|dichas)\s+\w+",
    re.I,
)


def subject_may_be_dropped(before: str) -> bool:
    """"Luego, firmó un acuerdo con Broadcom": the subject carries over only when the clause has no room
    for one of its own (a short adverbial at most before the verb, and not "El pacto con ...")."""
    return (
        len(before.split()) <= 4
        and not _DETERMINER_END.search(before)
        and not _AGENT_LEFT_OUT.search(before)
        and not _DEMONSTRATIVE_SUBJECT.match(before.rsplit(",", 1)[-1])
    )
