"""The deal statements of one masked sentence: each trigger row match becomes a frame -- parties, type and
direction, amount, stake and status -- or nothing when the match is no deal ("invest in Nvidia chips")."""

from __future__ import annotations

import logging
import re
from functools import lru_cache

from extractors import cues
from extractors.deal_records import Frame, MaskedMoney, Mention, Sentence
from extractors.deal_types import PAYEE_ROLES, by_roles, settle_type
from extractors.figures import gapped_payers, pick_money, respective_amounts
from extractors.money import Money
from extractors.positions import next_word, previous_word
from extractors.rounds import led_by
from extractors.stakes import pick_stake
from extractors.subjects import coordinated, has_mention_before, subject_before, subject_may_be_dropped, token_end

logger = logging.getLogger(__name__)


_EQUITY_NOUNS = frozenset({"shares", "stock", "equity", "stake", "acciones"})


# "X's contribution", "X's $2 billion investment": X's money is the subject, X is not the actor
_FUNDS_OF = re.compile(
    r"['’]s\s+(?:\S+\s+){0,3}?(?:contribution|investment|funding|money|capital|cash|backing|commitment|stake|purchase|bet)\b", re.I
)


# "su región de nube en X", "a data center campus in X", "una planta en X": what follows is a place
_FACILITY_IN = re.compile(
    r"\b(?:regi(?:on|ón)|regions|regiones|centros?\s+de\s+datos|data\s+cent(?:er|re)s?|campus|campuses|plant|plants|planta|plantas|"
    r"fábricas?|factory|factories|fab|fabs|site|sites|sede|offices?|oficinas?|hub|clusters?|clústeres?)\s+"
    r"(?:[\w-]+\s+){0,3}?(?:in|en|at)\s+(?:the\s+|el\s+|la\s+)?$",
    re.I,
)


# "its struggling rival", "su competidor": the possessive's owner is one party, what it owns is another
_ANOTHER_ORGANISATION = re.compile(
    r"\s+(?:[\w-]+\s+){0,2}?(?:rival|rivals|competitor|competitors|competidor|competidora|competidores)\b", re.I
)


# "Amazon, su principal accionista, que ha invertido $8bn en Anthropic": the company the apposition's
# owner put money in, named later in the same sentence
_INVESTED_IN = re.compile(
    r"\b(?:invest|invert|invirt|inviert|backed|respald|financ)\w*\b[^<.;]{0,40}?(?:<M\d+>[^<.;]{0,20}?)?\b(?:in|into|en)\s+(<E\d+>)",
    re.I,
)


def _invested_later(sent: Sentence, after: int, s_name: str | None) -> str | None:
    found = _INVESTED_IN.search(sent.masked, after)
    if found is None:
        return None
    name = sent.tokens[found.group(1)].resolve()
    return name if name and name != s_name else None


@lru_cache(maxsize=1)
def _chip_maker_slot() -> re.Pattern[str]:
    """Text ending in "chips from", "GPUs made by", "chips de": the next organisation is a chip's maker."""
    macros = cues.cue_table()["trigger_macros"]
    return re.compile(
        rf"(?<!\w)(?:{macros['CHIPS']}|{macros['CHIPS_ES']})\s+(?:from|made by|built by|designed by|de|del|fabricad[oa]s por)\s+(?:the\s+|la\s+|el\s+)?$",
        re.I,
    )


# "GPU como servicio", "GPU-as-a-service", "capacidad de computación con GPU", "GPU cloud capacity": chips rented
# as a service by whoever runs them; the deal is a cloud contract, its customer pays the provider
_RENTED_CHIPS = re.compile(
    r"\bGPUs?[- ](?:as[- ]a[- ]service|cloud|capacity|compute|computing|hours|instances)\b|\bGPUaaS\b|"
    r"\bGPUs?\s+(?:como|en)\s+servicio\b|\b(?:nube|capacidad|potencia|horas|instancias)\s+(?:de\s+(?:computación|cómputo|cálculo)\s+)?"
    r"(?:con|de|en)\s+(?:las\s+)?GPUs?\b|\b(?:computing|compute)\s+(?:capacity|power)\s+(?:with|on|of)\s+GPUs\b",
    re.I,
)


def sentence_frames(sent: Sentence, doc: str, triggers, roles_of, prev_subjects: list[str], order: int) -> list[Frame]:
    """Every deal statement of one sentence, one frame per trigger match (and per listed payer)."""
    frames: list[Frame] = []
    evidence = doc[sent.start : sent.end].strip()
    for trig in triggers:
        for m in trig.pattern.finditer(sent.masked):
            if cues.is_negated(sent.masked, m.start()):
                continue
            found = _frame(sent, doc, m, trig, roles_of, prev_subjects, evidence, order)
            if found:
                # "cartas de intención con Samsung y SK Hynix", "chips from AMD and Broadcom": one deal with each
                listed = _listed_after(sent, m.group("O"))
                for other in listed:
                    found += _frame(sent, doc, m, trig, roles_of, prev_subjects, evidence, order, o_token=other)
                if listed and not re.search(r"\b(?:each|cada un[oa])\b", sent.masked):
                    for f in found:  # one figure for the list: no one party's part
                        f.money, f.is_total, f.m_captured, f.round_figure = None, False, False, False
            frames += found
    # A row that names the subject outright ("Microsoft, one of the backers of X") beats one that guessed it.
    captured = {(f.o_token, f.deal_type) for f in frames if f.s_captured}
    frames = [f for f in frames if f.s_captured or (f.o_token, f.deal_type) not in captured]
    # A row whose wording gives the direction ("deploys AMD's GPUs") beats the roles' guess about the same two
    # parties ("Oracle pacta con AMD ... en su nube" reads as a cloud sale by roles alone).
    directed = {frozenset((f.payer, f.payee)) for f in frames if not f.by_roles}
    frames = [f for f in frames if not f.by_roles or frozenset((f.payer, f.payee)) not in directed]
    # One sentence does not state a deal both ways between two parties: where it seems to, the reading that
    # rests on names beats the one that rests on references ("Nvidia will invest in Intel ..., leaving the
    # chip leader with 4% of its rival": the chip leader is not Intel)
    best = {}
    for f in frames:
        key = (f.deal_type, frozenset((f.payer, f.payee)))
        best[key] = max(best.get(key, 0.0), f.confidence)
    reversed_ = {(f.deal_type, f.payee, f.payer) for f in frames}
    frames = [
        f for f in frames
        if (f.deal_type, f.payer, f.payee) not in reversed_ or f.confidence >= best[(f.deal_type, frozenset((f.payer, f.payee)))]
    ]
    # still both ways ("Telefónica alquilará capacidad a Nebius": "alquilar a" rents from or to): the seller of
    # the compute is the one whose roles say it sells it
    reversed_ = {(f.deal_type, f.payee, f.payer) for f in frames}
    return [f for f in frames if (f.deal_type, f.payer, f.payee) not in reversed_ or not _sells_to(f.payer, f.payee, f.deal_type, roles_of)]


def _sells_to(a: str, b: str, deal_type: str, roles_of) -> bool:
    """``a`` is the seller of a compute deal with ``b`` by the roles alone (the other has no seller's role)."""
    wanted = PAYEE_ROLES.get(deal_type)
    if not wanted:
        return False
    return bool(roles_of.get(a, frozenset()) & wanted) and not roles_of.get(b, frozenset()) & wanted


# between a name and the possessive of its apposition: "Amazon, its largest backer", "Nvidia, uno de sus backers"
_APPOSITION_TO_POSSESSIVE = re.compile(r"\s*,\s*(?:(?:one|uno|una)\s+(?:of|de)\s+(?:the\s+)?)?", re.I)


def _main_subject(sent: Sentence, before_token: str, exclude: str) -> str | None:
    """The first organisation named in subject position in the sentence, before ``before_token``."""
    for _, _, token in sent.token_spans:
        if token == before_token:
            return None
        obj = sent.tokens[token]
        if isinstance(obj, Mention) and obj.name and obj.kind == "E" and obj.subject_ok and obj.referring \
                and not obj.weak and obj.name != exclude:
            return obj.name
    return None


# "with <E1> and <E2> for", "a <E1> y a <E2>.": the organisations listed after the object, the list closed by
# punctuation or a preposition (not "from AMD and Broadcom will supply ...", where a new clause starts)
_OBJECT_LIST = re.compile(
    r"(?:\s*,\s*(?:a\s+|al\s+|to\s+|from\s+|with\s+|con\s+)?<E\d+>)*,?\s+(?:and|y|e)\s+(?:a\s+|al\s+|to\s+|from\s+|with\s+|con\s+)?<E\d+>"
    r"(?=\s*(?:[,.;:)]|$)|\s+(?:for|para|in|en|to|por|with|con|under|over|at|de|del|worth|valued)\b)"
)


def _listed_after(sent: Sentence, token: str | None) -> list[str]:
    if not token or not token.startswith("<E"):
        return []
    listed = _OBJECT_LIST.match(sent.masked, token_end(sent, token))
    return re.findall(r"<E\d+>", listed.group(0)) if listed else []


# "con la estadounidense X", "a la chilena X", "from the X": an article (and a lower-case adjective) between
# preposition and name
_ARTICLE_ADJECTIVE = re.compile(r"\s(?:(?:la|el|los|las)\s+[a-záéíóúñ]+|the|la|el|los|las)\s*$")


def _word_after_preposition(doc: str, start: int) -> str:
    """The word before the name, looking past "la estadounidense" or "the" to the preposition before it."""
    m = _ARTICLE_ADJECTIVE.search(doc[max(0, start - 40) : start])
    return previous_word(doc, start - len(m.group(0)) if m else start)


def _frame(sent, doc, m, trig, roles_of, prev_subjects, evidence, order, o_token: str | None = None) -> list[Frame]:
    """The frames of one trigger match: none when its parties are no deal's parties, else one per payer.
    ``o_token``: another object than the one the row captured (one listed with it)."""
    o_token = o_token or (m.group("O") if m.groupdict().get("O") else None)
    o_mention = sent.tokens[o_token] if o_token else None
    s_token = m.group("S") if m.groupdict().get("S") else None
    s_mention = sent.tokens[s_token] if s_token else None
    if o_mention is None or not o_mention.referring:
        return []
    if trig.deal_type == "investment" and o_mention.modifier and next_word(doc, o_mention.end) not in _EQUITY_NOUNS:
        return []  # "invest $40 billion in Nvidia chips" buys chips, it takes no stake
    if o_mention.weak and _word_after_preposition(doc, o_mention.start) not in cues.word_lists()["prepositions"]:
        # an unvouched name is a party only right after "in", "with", "from", "en", "con"..., or, when the
        # article names it again, paired with a vouched one as joint subject ("AMD y la saudí Humain sellan ..."),
        # or as the subject the row itself opens with, named again in the article ("Xyz has raised $50m from ...")
        joint = trig.deal_type == "sym" and o_mention.recurring and s_mention is not None and not s_mention.weak
        opens_row = o_mention.recurring and o_mention.subject_ok and m.start("O") == m.start() and trig.deal_type == "investment"
        if not (joint or opens_row):
            return []
    if o_mention.weak and _FACILITY_IN.search(sent.masked[: m.start("O")]):
        return []  # "$5bn for its cloud region in Querétaro": an unvouched name after a facility is its place
    other_party = o_mention.ref_kind == "possessive" and bool(_ANOTHER_ORGANISATION.match(sent.masked, m.end("O")))
    if o_mention.ref_kind == "possessive" and not other_party and (
        m.end("O") == m.end() or re.match(r"\s+(?:own|propi[oa]s?)\b", sent.masked[m.end("O") :], re.I)
    ):
        return []  # "en su actual ejercicio", "its own apps": a possessive is a party only before what it owns
    if trig.deal_type in ("cloud_contract", "compute") and _chip_maker_slot().search(sent.masked[: m.start("O")]):
        return []  # "alquila servidores con chips de Nvidia": the name makes the chips, it sells no cloud here
    confidence = 0.85
    o_name = o_mention.name
    if s_mention is None:
        s_mention, s_token = subject_before(sent, m.start(), o_name)
    if s_mention is not None and o_mention.kind == "R" and _FUNDS_OF.match(doc, s_mention.end):
        return []  # "ASML's contribution gives it a stake": "it" is the owner of the money, not another party
    if s_mention is not None:
        s_name = s_mention.resolve(o_name)
        if not o_name and other_party:
            # "a 4% stake in its struggling rival": the rival is another organisation the sentence names
            o_name = next((c for c in o_mention.local if c != s_name), None)
            if o_name is None:
                return []
        elif not o_name and o_mention.ref_kind == "possessive":
            in_apposition = bool(s_token) and bool(
                _APPOSITION_TO_POSSESSIVE.fullmatch(sent.masked[token_end(sent, s_token) : m.start("O")]))
            # "as OpenAI buys its chips": "its" is another party only if that party was named in the sentence;
            # in apposition ("A invested in B, which it used to buy chips from C, one of its backers") it is the
            # sentence's main subject, the organisation the sentence is about
            o_name = (_main_subject(sent, s_token, s_name) if in_apposition else None) or next(
                (c for c in o_mention.local if c != s_name), None)
            if o_name is None and in_apposition:
                # "Amazon, its largest backer, ...": in apposition "its" cannot be Amazon itself; it is the
                # organisation the article is about
                o_name = _invested_later(sent, m.end(), s_name) or next((c for c in o_mention.salient if c != s_name), None)
            if o_name is None and s_token and not sent.masked[: m.start("O")].strip(" \"“«"):
                # "Its biggest customer is X": opening the sentence, "its" goes on with the organisation before
                o_name = o_mention.resolve(s_name)
            if o_name is None:
                return []
        if not o_name:
            # "A y B, que ya habían respaldado a la empresa": the object is none of the subject's list
            # (a list that only seems to hold the subject, "in <E2> and <E3> will invest", has an item after a
            # preposition: not a subject list)
            listed = coordinated(sent, s_token)
            partners = {s_name} | ({c.resolve() for c in listed} if all(c.subject_ok for c in listed) else set())
            o_name = next((c for c in o_mention.candidates if c not in partners), None)
        s_name = s_name or s_mention.resolve(o_name)
    elif not has_mention_before(sent, m.start()) and subject_may_be_dropped(sent.masked[: m.start()]):
        o_name = o_name or o_mention.resolve()
        s_name = next((n for n in prev_subjects if n != o_name), None)
        confidence -= 0.15
    else:
        return []
    if not s_name or not o_name or s_name == o_name:
        return []
    if (o_mention and not o_mention.name) or (s_mention and not s_mention.name):
        confidence -= 0.1
    # a share of revenue ("62% of its revenue") is no stake cue
    near = cues.type_cues_near(
        cues.without_non_stake_percents(doc[sent.start : sent.end]),
        sent.to_document(m.start()) - sent.start, sent.to_document(m.end()) - sent.start,
    )
    if trig.deal_type == "sym":
        if "investment" in near and not near & set(PAYEE_ROLES):
            return []  # "an agreement that leaves Microsoft with 27%": about a stake, not a purchase
        decided = by_roles(near - {"investment"}, s_name, o_name, roles_of)
        if decided is None:
            return []
        deal_type, payer, payee = decided
        confidence -= 0.1
    else:
        payer, payee = (s_name, o_name) if trig.payer == "S" else (o_name, s_name)
        deal_type = settle_type(trig, payer, payee, near, roles_of)
        if deal_type is None:
            return []
        if deal_type == "chip_supply" and not roles_of.get(payee, frozenset()) & PAYEE_ROLES["chip_supply"] \
                and _RENTED_CHIPS.search(sent.masked, m.start(), m.end()):
            deal_type = "cloud_contract"  # "utilizará capacidad de computación con GPU de X": X rents them out
        if deal_type == "chip_supply" and "cloud_provider" in roles_of.get(payee, ()):
            # "to use one million Google TPUs in a cloud deal": a cloud provider's own chips, told as cloud, are
            # rented as its cloud (cue words inside a party's name, "the cloud unit's chips", do not count, nor
            # the buyer's own facilities: chips "for its data centers" are bought, not rented)
            told = cues.type_cues_near(cues.without_own_facilities(sent.masked), m.start(), m.end())
            if "cloud_contract" in told and "investment" not in told:
                deal_type = "cloud_contract"
    money, is_total = pick_money(sent, m)
    if money is not None and cues.figure_kind(doc, money.start, money.end) == ("purchase" if deal_type == "investment" else "equity"):
        money, is_total = None, False  # the figure pays for compute, not shares (or the other way round)
    is_round = money is not None and any(
        isinstance(t, MaskedMoney) and t.money is money and t.is_round for t in sent.tokens.values()
    )
    stake = pick_stake(sent, m, {payer, payee}) if deal_type == "investment" else None
    status = cues.status_of(sent.masked, m.start(), m.end(), trig.status)
    told = doc[sent.start : sent.end]
    at, to = sent.to_document(m.start()) - sent.start, sent.to_document(m.end()) - sent.start
    end = told.find(";", to)
    told = told[told.rfind(";", 0, at) + 1 : end if end >= 0 else len(told)]  # the sources of another clause hedge not this one
    if status == "announced" and cues.attributed_to_media(told):
        status = "rumored"  # "..., WSJ reports": the parties have not confirmed it (a done deal restated stays done)
    if money is not None:
        confidence += 0.05
    payer_token = s_token if payer == s_name else o_token
    lead = deal_type == "investment" and led_by(sent, payer_token)
    payers = [payer] + [n for n in (c.resolve() for c in coordinated(sent, payer_token)) if n and n not in (payer, payee)]
    money_of: dict[str, Money | None] = {name: money for name in payers}
    if len(payers) > 1:
        # one figure for several investors: whose share is it? only "respectively" says
        money_of = respective_amounts(sent, payer_token, payers) or {name: None for name in payers}
        if lead and all(v is None for v in money_of.values()):
            money_of[payer] = money  # "raised $420m from A, the lead investor, and B": the lead's is the round
        is_total = False
    if payer == s_name and payee == o_name:
        money_of.update(gapped_payers(sent, m, payee, money_of))  # "X will invest $5B in Z and Y $10B"
    frames = []
    for name, amount in money_of.items():
        frames.append(
            Frame(
                deal_type, name, payee, status, evidence, amount, is_total and amount is money, stake,
                min(confidence, 0.99), sent.in_headline, order, trig.source, o_token, bool(m.groupdict().get("S")),
                bool(m.groupdict().get("M")) and amount is money, is_round and amount is money, trig.deal_type == "sym",
                cloud_chips=trig.deal_type == "chip_supply" and deal_type == "cloud_contract", lead=lead and name == payer,
            )
        )
        logger.debug("frame %s %s->%s %s by %r in %r", deal_type, name, payee, status, trig.source, sent.masked)
    return frames
