"""Deal mentions from an article's headline and main text.

How it reads an article:
1. Split headline and text into sentences; find organisations (names, aliases, "the ChatGPT maker"),
   references ("the company", "it", "which", "su"), money and percentages.
2. Mask each sentence: organisations become <E..> (<R..> for pronouns, <Q..> for product lines), amounts
   <M..>, percentages <P..>. The trigger rows of ``data/deal_triggers.tsv`` run over the masked sentence;
   a row captures the object party and, when the subject is not captured, the nearest organisation in
   subject position to the left stands for it (or the previous sentence's subject).
3. Roles of the parties settle the deal type and direction where the wording does not (a "deal with" a
   cloud provider is a cloud contract and the provider is paid).
4. Amount (cue-checked: valuations, revenue, capex, per-share prices are never deal amounts), stake and
   status (rumored / announced / completed) come from the same sentence. A stake goes to its nearest owner:
   one with another organisation in subject position between it and the deal is not this deal's.
5. Figures told in a sentence of their own (``separate_figures``): "The order is worth $1.2bn" / "Su valor
   total podría alcanzar ..." goes to the one deal told last (sentences naming no organisation keep talking
   about it); "SoftBank will contribute $30bn" is that investor's part of a round.
6. Mentions of one (deal_type, payer, payee) are merged: the figure stated as a total ("its $4 billion
   investment") wins, then an investor's own figure over a round's, then the headline's, then the first.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from extractors import cues, separate_figures
from extractors.companies import (
    Reference,
    companies_described_by,
    company_descriptors,
    company_roles,
    find_companies,
    find_name_candidates,
    find_references,
    is_product,
    organisation_nouns,
)
from extractors.language import detect_language
from extractors.money import Money, find_money, to_usd
from extractors.records import DealMention

logger = logging.getLogger(__name__)

_PERCENT = re.compile(r"(?<![\d.,])(\d{1,3}(?:[.,]\d{1,2})?)\s?(?:%|por ciento\b|percent\b|per cent\b)")
_PAYEE_ROLES = {
    "chip_supply": frozenset({"chip_maker", "system_vendor"}),
    "cloud_contract": frozenset({"cloud_provider"}),
}
_EQUITY_NOUNS = frozenset({"shares", "stock", "equity", "stake", "acciones"})
_STATUS_RANK = {"rumored": 0, "announced": 1, "completed": 2}
_STAKE_PATTERNS = [
    re.compile(r"<P(\d+)>\s+(?:[\w-]+\s+){0,2}?(?:stake|holding|interest|ownership|shareholding|participación)", re.I),
    re.compile(
        r"(?:stake|holding|participación|participation|ownership|shareholding)\s+(?:\S+\s+){0,3}?(?:of|del?|al|de alrededor del?|close to|near)\s+"
        r"(?:about |around |roughly |approximately |nearly |almost |some |alrededor del? |cerca del? |aproximadamente |casi el )?<P(\d+)>",
        re.I,
    ),
    re.compile(r"<P(\d+)>\s+(?:of|del capital de|del capital del|de|del|of the shares of)\s+<[ERQ]", re.I),
    re.compile(r"(?:equivalent to|equal to|equivalente al?|representing|que representa[n]?)\s+(?:about |roughly |around |alrededor del? |el )?<P(\d+)>", re.I),
    re.compile(r"<P(\d+)>[- ](?:owned|controlled|held) by\b", re.I),  # "Scale AI will be 49% owned by Meta"
    # "con alrededor del 11 % del capital", "with about 8% of the company"
    re.compile(
        r"<P(\d+)>\s+(?:del capital|del accionariado|de las acciones|de la (?:compañía|empresa|sociedad)|"
        r"of the (?:company|shares|equity|capital|business)|of its (?:shares|equity|capital))\b",
        re.I,
    ),
    # "su mayor accionista, con un 11 %", "the largest shareholder with 15%"
    re.compile(
        r"(?:accionista|shareholder|investor|inversor|owner|propietario)\b[^<;.]{0,20}?\b(?:con|with)\s+"
        r"(?:un |una |el |an? |about |around |roughly |alrededor del? |cerca del? |casi el )?<P(\d+)>",
        re.I,
    ),
]


@dataclass
class _Mention:
    start: int  # offsets in the document (headline + text)
    end: int
    kind: str  # "E" organisation or definite reference, "R" pronoun, "Q" product line
    name: str | None  # canonical name when named; None for references
    candidates: list[str] = field(default_factory=list)  # ranked antecedents of a reference
    subject_ok: bool = True  # can be the subject of a deal verb (not after a preposition, not a modifier)
    referring: bool = True  # False for "the OpenAI rival", "former OpenAI employees"
    ref_kind: str = ""  # Reference.kind for references
    local: list[str] = field(default_factory=list)  # antecedents named earlier in the same sentence
    weak: bool = False  # a capitalised name no table or pattern vouches for
    recurring: bool = False  # a weak name the article uses more than once (the headline counts)
    modifier: bool = False  # qualifies the noun after it: "Nvidia chips", "the Broadcom agreement"
    salient: list[str] = field(default_factory=list)  # the article's organisations, most salient first (possessives)

    def resolve(self, exclude: str | None = None) -> str | None:
        if self.name:
            return self.name
        return next((c for c in self.candidates if c != exclude), None)


@dataclass
class _Money:
    money: Money
    is_deal: bool
    is_total: bool
    is_round: bool = False  # the size of a whole funding round, not one investor's part


@dataclass
class _Sentence:
    start: int
    end: int
    masked: str
    tokens: dict[str, object]  # "<E3>" -> _Mention / _Money / float (percent)
    token_spans: list[tuple[int, int, str]]  # (masked start, masked end, token)
    in_headline: bool
    original: list[tuple[int, int]] = field(default_factory=list)  # document span of each token, same order

    def to_document(self, position: int) -> int:
        """Document offset of a position in the masked sentence."""
        doc_pos, masked_pos = self.start, 0
        for (ms, me, _), (os_, oe) in zip(self.token_spans, self.original):
            if position < ms:
                break
            if position < me:
                return os_
            doc_pos, masked_pos = oe, me
        return doc_pos + (position - masked_pos)


@dataclass
class _Frame:
    deal_type: str
    payer: str
    payee: str
    status: str
    evidence: str
    money: Money | None
    is_total: bool
    stake: float | None
    confidence: float
    in_headline: bool
    order: int
    rule: str = ""  # the trigger row that produced it, for debugging
    o_token: str = ""
    s_captured: bool = False
    m_captured: bool = False
    round_figure: bool = False
    by_roles: bool = False  # a symmetric statement ("A signs a deal with B") whose type and direction the roles chose


# -- mentions ------------------------------------------------------------------------------------


def _previous_word(doc: str, start: int) -> str:
    m = re.search(r"([\w.]+)[^\w.]*$", doc[max(0, start - 40) : start])
    return m.group(1).lower() if m else ""


def _next_word(doc: str, end: int) -> str:
    m = re.match(r"\s*([\w-]+)", doc[end : end + 40])
    return m.group(1).lower() if m else ""


def _classify(doc: str, start: int, end: int) -> tuple[bool, bool]:
    """(subject_ok, referring) for the mention at doc[start:end]."""
    words = cues.word_lists()
    possessive = doc[end : end + 2] in ("'s", "’s")
    nxt = "" if possessive else _next_word(doc, end)
    referring = nxt not in words["not_the_entity_after"] and not cues.not_the_entity_before().search(doc[max(0, start - 30) : start])
    if possessive and _RIVALS_OF.match(doc, end):
        referring = False  # "one of OpenAI's best-funded rivals": another company, OpenAI only qualifies it
    subject_ok = _previous_word(doc, start) not in words["prepositions"] and nxt not in words["modifier_heads_after"]
    return subject_ok, referring


_RIVALS_OF = re.compile(r"['’]s\s+(?:[\w-]+\s+){0,2}?(?:rivals?|competitors?|challengers?|peers?)\b", re.I)

_NOT_DESCRIPTOR = r"(?:in|into|on|of|for|with|to|from|by|and|that|en|de|del|con|para|por|a|al|y|que|is|es|was|fue)\b"


@lru_cache(maxsize=1)
def _descriptor_before() -> re.Pattern[str]:
    nouns = "|".join(re.escape(n) for n in sorted(organisation_nouns(), key=len, reverse=True))
    return re.compile(
        rf"(?<![\w’'-])(?:(?:the|a|an|la|el|un|una)\s+)?(?:(?<![\w’'-])(?!{_NOT_DESCRIPTOR})[\w’'-]+\s+){{0,3}}?(?:{nouns})"
        rf"(?:\s+(?!{_NOT_DESCRIPTOR})[a-záéíóúñ-]+){{0,2}}\s+$"
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
    return _next_word(doc, end) in cues.word_lists()["modifier_heads_after"]


def _context_words(doc: str, names: list, sentences: list[tuple[int, int]]) -> dict[str, set[str]]:
    """Words near each named organisation in its sentence: "G42, an AI company based in Abu Dhabi" -> abu, dhabi."""
    bag: dict[str, set[str]] = {}
    for c in names:
        s, e = next(((s, e) for s, e in sentences if s <= c.start < e), (0, len(doc)))
        window = doc[max(s, c.start - 60) : min(e, c.end + 80)]
        bag.setdefault(c.name, set()).update(w.lower() for w in re.findall(r"[\w]+", window))
    for name in bag:
        bag[name].update(w.lower() for d in company_descriptors(name) for w in re.findall(r"[\w]+", d))
    return bag


def _role_fits(name: str, role: str | None, roles_of: dict[str, frozenset[str]]) -> bool:
    if role is None:
        return True
    roles = roles_of.get(name, frozenset())
    if role == "startup":
        return bool(roles & {"startup", "ai_lab"}) or not roles
    return role in roles


def _salience_order(memory: list[_Mention], headline: set[str]) -> list[str]:
    """Earlier organisations, most likely antecedent first: recent, often named, in the headline."""
    recency: list[str] = []
    counts: dict[str, int] = {}
    for m in reversed(memory):
        if m.referring and m.name:
            counts[m.name] = counts.get(m.name, 0) + 1
            if m.name not in recency:
                recency.append(m.name)
    score = {n: 2.0 * (n in headline) + 0.5 * min(counts[n], 3) - 0.7 * r for r, n in enumerate(recency)}
    return sorted(recency, key=lambda n: -score[n])


def _rank_antecedents(ref: Reference, before: list[str], earlier: list[str], roles_of, bag) -> list[str]:
    """Candidates for a reference: the same sentence first (nearest first), then earlier sentences."""
    ranked = list(dict.fromkeys(before + earlier))
    if ref.kind != "definite":
        return ranked
    fitting = [n for n in ranked if _role_fits(n, ref.role, roles_of)]
    descriptors = [re.sub(r"-(?:based|area)$", "", d).lower() for d in ref.descriptors]
    descriptors = [w for d in descriptors for w in re.findall(r"\w+", d) if len(w) > 2]
    if descriptors:
        described = [n for n in fitting if all(w in bag.get(n, ()) for w in descriptors)]
        if not described:
            # "el gigante de Redmond" before any name: the table's descriptors may single one company out
            described = [n for n in companies_described_by(descriptors) if _role_fits(n, ref.role, roles_of)][:1]
        return described + [n for n in fitting if n not in described]
    return fitting


def _merge_adjacent(doc: str, mentions: list[_Mention]) -> list[_Mention]:
    """"Microsoft's Azure", "Amazon Web Services (AWS)", "Trainium and Inferentia": one party, one token."""
    merged: list[_Mention] = []
    for m in mentions:
        prev = merged[-1] if merged else None
        if (
            prev is not None
            and "R" not in (prev.kind, m.kind)
            and "Q" not in (prev.kind, m.kind)
            and re.fullmatch(r"\s*(?:'s|’s)?\s*(?:,|and|y|&|\()?\s*", doc[prev.end : m.start])
        ):
            a, b = prev.resolve(), m.resolve()
            if a and b and a == b or (not prev.name and m.name in prev.candidates) or (not m.name and prev.name in m.candidates):
                name = prev.name or m.name
                end = m.end + (1 if doc[m.end : m.end + 1] == ")" and "(" in doc[prev.end : m.start] else 0)
                kind = "E" if "E" in (prev.kind, m.kind) else prev.kind
                merged[-1] = _Mention(prev.start, end, kind, name, [], prev.subject_ok, prev.referring and m.referring)
                continue
        merged.append(m)
    return merged


# -- one sentence ----------------------------------------------------------------------------------


def _mask(doc: str, start: int, end: int, items: list[tuple[int, int, object]], in_headline: bool) -> _Sentence:
    parts: list[str] = []
    tokens: dict[str, object] = {}
    spans: list[tuple[int, int, str]] = []
    original: list[tuple[int, int]] = []
    pos = start
    length = 0
    for i, (s, e, obj) in enumerate(sorted(items, key=lambda t: t[0])):
        if s < pos:
            continue
        parts.append(doc[pos:s])
        length += s - pos
        kind = obj.kind if isinstance(obj, _Mention) else ("M" if isinstance(obj, _Money) else "P")
        token = f"<{kind}{i}>"
        tokens[token] = obj
        spans.append((length, length + len(token), token))
        original.append((s, e))
        parts.append(token)
        length += len(token)
        pos = e
    parts.append(doc[pos:end])
    return _Sentence(start, end, "".join(parts), tokens, spans, in_headline, original)


_CLAUSE_BREAK = re.compile(r";|:|\b(?:but|while|whereas|that|who|pero|mientras|aunque|donde|where)\b", re.I)


def _subject_before(sent: _Sentence, position: int, exclude: str | None) -> tuple[_Mention, str] | tuple[None, None]:
    """The nearest organisation in subject position left of ``position``, within the same clause."""
    for ms, me, token in reversed(sent.token_spans):
        if ms >= position:
            continue
        between = re.sub(r",[^,]*,", " ", sent.masked[me:position])  # skip appositions ", a cloud company ...,"
        if _CLAUSE_BREAK.search(between):
            return None, None
        obj = sent.tokens[token]
        if not isinstance(obj, _Mention) or obj.kind == "Q" or not obj.subject_ok or not obj.referring:
            continue
        if _APPOSITION_BEFORE.search(sent.masked[:ms]) and "," in sent.masked[me:position]:
            continue  # "Humain, la empresa creada por el fondo X (PIF), adquirirá": X only describes the subject
        if obj.weak and len(between.split()) > 4:
            continue  # an unvouched name must stand right before the deal verb
        if obj.resolve(exclude) and obj.resolve(exclude) != exclude:
            return obj, token
    return None, None


_APPOSITION_BEFORE = re.compile(r"<[ER]\d+>\s*,[^,;]*$")

# "X's contribution", "X's $2 billion investment": X's money is the subject, X is not the actor
_FUNDS_OF = re.compile(
    r"['’]s\s+(?:\S+\s+){0,3}?(?:contribution|investment|funding|money|capital|cash|backing|commitment|stake|purchase|bet)\b", re.I
)

_LIST = re.compile(r"<E\d+>(?:\s*,\s*<E\d+>)*,?\s+(?:and|y|e)\s+<E\d+>")


def _coordinated(sent: _Sentence, token: str | None) -> list[_Mention]:
    """The other organisations of a list the party belongs to ("Microsoft and Nvidia will invest ...")."""
    if token is None:
        return []
    for m in _LIST.finditer(sent.masked):
        tokens = re.findall(r"<E\d+>", m.group(0))
        if token in tokens:
            return [sent.tokens[t] for t in tokens if t != token]
    return []


@lru_cache(maxsize=1)
def _chip_maker_slot() -> re.Pattern[str]:
    """Text ending in "chips from", "GPUs made by", "chips de": the next organisation is a chip's maker."""
    macros = cues.cue_table()["trigger_macros"]
    return re.compile(
        rf"(?<!\w)(?:{macros['CHIPS']}|{macros['CHIPS_ES']})\s+(?:from|made by|built by|designed by|de|del|fabricad[oa]s por)\s+(?:the\s+|la\s+|el\s+)?$",
        re.I,
    )


def _token_end(sent: _Sentence, token: str) -> int:
    return next(me for _, me, t in sent.token_spans if t == token)


def _has_mention_before(sent: _Sentence, position: int) -> bool:
    return any(isinstance(sent.tokens[t], _Mention) for ms, _, t in sent.token_spans if ms < position)


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


def _subject_may_be_dropped(before: str) -> bool:
    """"Luego, firmó un acuerdo con Broadcom": the subject carries over only when the clause has no room
    for one of its own (a short adverbial at most before the verb, and not "El pacto con ...")."""
    return (
        len(before.split()) <= 4
        and not _DETERMINER_END.search(before)
        and not _AGENT_LEFT_OUT.search(before)
        and not _DEMONSTRATIVE_SUBJECT.match(before.rsplit(",", 1)[-1])
    )


def _pick_money(sent: _Sentence, match: re.Match[str]) -> tuple[Money | None, bool]:
    if match.groupdict().get("M"):
        cand = sent.tokens[match.group("M")]
        if cand.is_deal:
            return cand.money, cand.is_total
    monies = [(ms, me, sent.tokens[t]) for ms, me, t in sent.token_spans if t.startswith("<M") and sent.tokens[t].is_deal]
    totals = [m for m in monies if m[2].is_total]
    if totals:
        return totals[0][2].money, True
    inside = [m for m in monies if match.start() <= m[0] < match.end()]
    if inside:
        return inside[0][2].money, inside[0][2].is_total
    after = [m for m in monies if match.end() <= m[0] <= match.end() + 80]
    if after and not re.search(r"<E\d+>|;", sent.masked[match.end() : after[0][0]]):
        return after[0][2].money, after[0][2].is_total
    before = [m for m in monies if m[1] <= match.start()]
    if before:
        gap = sent.masked[before[-1][1] : match.start()]
        if len(gap.split()) <= 4 and not re.search(r"<[ER]\d+>|[,;]", gap):
            return before[-1][2].money, before[-1][2].is_total
    return None, False


def _another_owner_between(sent: _Sentence, start: int, end: int, parties: set[str]) -> bool:
    """An organisation in subject position between a deal and a stake, other than the deal's parties:
    "A agreed to invest $2bn in C, and B agreed to take a 9.9% stake in C" -- the stake is B's."""
    for ms, _, token in sent.token_spans:
        obj = sent.tokens[token]
        if start <= ms < end and isinstance(obj, _Mention) and obj.kind != "Q" and obj.subject_ok and obj.referring:
            name = obj.resolve()
            if name and name not in parties:
                return True
    return False


def _pick_stake(sent: _Sentence, match: re.Match[str], parties: set[str]) -> float | None:
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


def _by_roles(types: set[str], a: str, b: str, roles_of) -> tuple[str, str, str] | None:
    """Type and direction of a symmetric statement ("A signs a deal with B") from the parties' roles."""
    compute = _PAYEE_ROLES["cloud_contract"] | _PAYEE_ROLES["chip_supply"]
    one_seller = bool(roles_of.get(a, frozenset()) & compute) != bool(roles_of.get(b, frozenset()) & compute)
    order = [t for t in ("cloud_contract", "chip_supply") if t in types]
    if one_seller:  # the cue words did not settle it: a deal between one compute seller and one buyer is clear
        order += [t for t in ("cloud_contract", "chip_supply") if t not in order]
    for deal_type in order:
        wanted = _PAYEE_ROLES[deal_type]
        ra, rb = roles_of.get(a, frozenset()), roles_of.get(b, frozenset())
        ha, hb = bool(ra & wanted), bool(rb & wanted)
        if ha and hb:
            if len(ra) == len(rb):
                continue
            ha, hb = len(ra) < len(rb), len(rb) < len(ra)  # the specialist sells to the generalist
        if ha != hb:
            return (deal_type, b, a) if ha else (deal_type, a, b)
    return None


def _settle_type(trig: cues.Trigger, payer: str, payee: str, near: set[str], roles_of) -> str | None:
    roles = roles_of.get(payee, frozenset())
    known = bool(roles)
    deal_type = trig.deal_type
    if deal_type == "money":
        if "cloud_contract" in near and "cloud_provider" in roles:
            deal_type = "cloud_contract"
        elif "chip_supply" in near and roles & _PAYEE_ROLES["chip_supply"] and "investment" not in near:
            deal_type = "chip_supply"
        else:
            deal_type = "investment"
    if deal_type == "compute":
        deal_type = "chip_supply" if (roles & _PAYEE_ROLES["chip_supply"]) and "cloud_provider" not in roles else "cloud_contract"
    if deal_type == "chip_supply" and known and not roles & _PAYEE_ROLES["chip_supply"]:
        deal_type = "cloud_contract" if "cloud_provider" in roles else None
    elif deal_type == "cloud_contract" and known and "cloud_provider" not in roles:
        deal_type = "chip_supply" if roles & _PAYEE_ROLES["chip_supply"] else None
    if deal_type == "investment" and "government" in roles:
        return None
    return deal_type


def _frames(sent: _Sentence, doc: str, triggers, roles_of, prev_subjects: list[str], order: int) -> list[_Frame]:
    """Every deal statement of one sentence, one frame per trigger match (and per listed payer)."""
    frames: list[_Frame] = []
    evidence = doc[sent.start : sent.end].strip()
    for trig in triggers:
        for m in trig.pattern.finditer(sent.masked):
            if cues.is_negated(sent.masked, m.start()):
                continue
            frames += _frame(sent, doc, m, trig, roles_of, prev_subjects, evidence, order)
    # A row that names the subject outright ("Microsoft, one of the backers of X") beats one that guessed it.
    captured = {(f.o_token, f.deal_type) for f in frames if f.s_captured}
    frames = [f for f in frames if f.s_captured or (f.o_token, f.deal_type) not in captured]
    # A row whose wording gives the direction ("deploys AMD's GPUs") beats the roles' guess about the same two
    # parties ("Oracle pacta con AMD ... en su nube" reads as a cloud sale by roles alone).
    directed = {frozenset((f.payer, f.payee)) for f in frames if not f.by_roles}
    return [f for f in frames if not f.by_roles or frozenset((f.payer, f.payee)) not in directed]


def _frame(sent, doc, m, trig, roles_of, prev_subjects, evidence, order) -> list[_Frame]:
    o_mention = sent.tokens[m.group("O")] if m.groupdict().get("O") else None
    s_token = m.group("S") if m.groupdict().get("S") else None
    s_mention = sent.tokens[s_token] if s_token else None
    if o_mention is None or not o_mention.referring:
        return []
    if trig.deal_type == "investment" and o_mention.modifier and _next_word(doc, o_mention.end) not in _EQUITY_NOUNS:
        return []  # "invest $40 billion in Nvidia chips" buys chips, it takes no stake
    if o_mention.weak and _previous_word(doc, o_mention.start) not in cues.word_lists()["prepositions"]:
        # an unvouched name is a party only right after "in", "with", "from", "en", "con"..., or, when the
        # article names it again, paired with a vouched one as joint subject ("AMD y la saudí Humain sellan ...")
        if not (trig.deal_type == "sym" and o_mention.recurring and s_mention is not None and not s_mention.weak):
            return []
    if o_mention.ref_kind == "possessive" and (
        m.end("O") == m.end() or re.match(r"\s+(?:own|propi[oa]s?)\b", sent.masked[m.end("O") :], re.I)
    ):
        return []  # "en su actual ejercicio", "its own apps": a possessive is a party only before what it owns
    if trig.deal_type in ("cloud_contract", "compute") and _chip_maker_slot().search(sent.masked[: m.start("O")]):
        return []  # "alquila servidores con chips de Nvidia": the name makes the chips, it sells no cloud here
    confidence = 0.85
    o_name = o_mention.name
    if s_mention is None:
        s_mention, s_token = _subject_before(sent, m.start(), o_name)
    if s_mention is not None and o_mention.kind == "R" and _FUNDS_OF.match(doc, s_mention.end):
        return []  # "ASML's contribution gives it a stake": "it" is the owner of the money, not another party
    if s_mention is not None:
        s_name = s_mention.resolve(o_name)
        if not o_name and o_mention.ref_kind == "possessive":
            # "as OpenAI buys its chips": "its" is another party only if that party was named in the sentence
            o_name = next((c for c in o_mention.local if c != s_name), None)
            if o_name is None and s_token and re.fullmatch(r"\s*,\s*", sent.masked[_token_end(sent, s_token) : m.start("O")]):
                # "Amazon, its largest backer, ...": in apposition "its" cannot be Amazon itself; it is the
                # organisation the article is about
                o_name = next((c for c in o_mention.salient if c != s_name), None)
            if o_name is None:
                return []
        o_name = o_name or o_mention.resolve(s_name)
        s_name = s_name or s_mention.resolve(o_name)
    elif not _has_mention_before(sent, m.start()) and _subject_may_be_dropped(sent.masked[: m.start()]):
        o_name = o_name or o_mention.resolve()
        s_name = next((n for n in prev_subjects if n != o_name), None)
        confidence -= 0.15
    else:
        return []
    if not s_name or not o_name or s_name == o_name:
        return []
    if (o_mention and not o_mention.name) or (s_mention and not s_mention.name):
        confidence -= 0.1
    near = cues.type_cues_near(doc, sent.to_document(m.start()), sent.to_document(m.end()), sent.start, sent.end)
    if trig.deal_type == "sym":
        if "investment" in near and not near & set(_PAYEE_ROLES):
            return []  # "an agreement that leaves Microsoft with 27%": about a stake, not a purchase
        decided = _by_roles(near - {"investment"}, s_name, o_name, roles_of)
        if decided is None:
            return []
        deal_type, payer, payee = decided
        confidence -= 0.1
    else:
        payer, payee = (s_name, o_name) if trig.payer == "S" else (o_name, s_name)
        deal_type = _settle_type(trig, payer, payee, near, roles_of)
        if deal_type is None:
            return []
    money, is_total = _pick_money(sent, m)
    if money is not None and cues.figure_kind(doc, money.start, money.end) == ("purchase" if deal_type == "investment" else "equity"):
        money, is_total = None, False  # the figure pays for compute, not shares (or the other way round)
    is_round = money is not None and any(
        isinstance(t, _Money) and t.money is money and t.is_round for t in sent.tokens.values()
    )
    stake = _pick_stake(sent, m, {payer, payee}) if deal_type == "investment" else None
    status = cues.status_of(sent.masked, m.start(), m.end(), trig.status)
    if status == "announced" and cues.attributed_to_media(evidence):
        status = "rumored"  # "..., WSJ reports": the parties have not confirmed it (a done deal restated stays done)
    if money is not None:
        confidence += 0.05
    payer_token = s_token if payer == s_name else m.group("O")
    payers = [payer] + [n for n in (c.resolve() for c in _coordinated(sent, payer_token)) if n and n not in (payer, payee)]
    money_of: dict[str, Money | None] = {name: money for name in payers}
    if len(payers) > 1:
        # one figure for several investors: whose share is it? only "respectively" says
        money_of = _respective_amounts(sent, payer_token, payers) or {name: None for name in payers}
        is_total = False
    if payer == s_name and payee == o_name:
        money_of.update(_gapped_payers(sent, m, payee, money_of))  # "X will invest $5B in Z and Y $10B"
    frames = []
    for name, amount in money_of.items():
        frames.append(
            _Frame(
                deal_type, name, payee, status, evidence, amount, is_total and amount is money, stake,
                min(confidence, 0.99), sent.in_headline, order, trig.source, m.group("O"), bool(m.groupdict().get("S")),
                bool(m.groupdict().get("M")) and amount is money, is_round and amount is money, trig.deal_type == "sym",
            )
        )
        logger.debug("frame %s %s->%s %s by %r in %r", deal_type, name, payee, status, trig.source, sent.masked)
    return frames


_RESPECTIVELY = re.compile(r"\b(?:respectively|respectivamente)\b", re.I)
_GAPPED = re.compile(
    r",?\s+(?:and|y|while|whereas|mientras que)\s+(?:the\s+|el\s+|la\s+)?(?P<E><[ER]\d+>)\s+"
    r"(?:(?:would|will|could|plans to|is to|has|had|with|con|otros|another|further)\s+)*"
    r"(?:up to |about |around |some |roughly |nearly |another |hasta |unos |unas |otros |alrededor de )?(?P<M><M\d+>)",
    re.I,
)


def _deal_monies(sent: _Sentence) -> list[tuple[int, Money]]:
    return [(ms, sent.tokens[t].money) for ms, _, t in sent.token_spans if t.startswith("<M") and sent.tokens[t].is_deal]


def _respective_amounts(sent: _Sentence, payer_token: str | None, payers: list[str]) -> dict[str, Money | None]:
    """"Microsoft and Nvidia will invest $5B and $10B respectively": the n-th figure is the n-th investor's."""
    if not _RESPECTIVELY.search(sent.masked):
        return {}
    listed = next((re.findall(r"<E\d+>", l.group(0)) for l in _LIST.finditer(sent.masked) if payer_token in l.group(0)), [])
    names = [sent.tokens[t].resolve() for t in listed]
    monies = [money for _, money in _deal_monies(sent)]
    if len(names) != len(monies) or set(names) != set(payers):
        return {}
    return dict(zip(names, monies))


def _gapped_payers(sent: _Sentence, m: re.Match[str], payee: str, known: dict) -> dict[str, Money]:
    """A second investor whose verb is left out: "... in Anthropic and Nvidia up to $10 billion"."""
    g = _GAPPED.match(sent.masked, m.end())
    if not g:
        return {}
    mention, figure = sent.tokens[g.group("E")], sent.tokens[g.group("M")]
    name = mention.resolve(payee) if isinstance(mention, _Mention) else None
    if not name or name == payee or name in known or not figure.is_deal:
        return {}
    return {name: figure.money}


# -- the article -----------------------------------------------------------------------------------


def _mentions(doc: str, language: str | None) -> tuple[list, list, list[Reference], dict[str, frozenset[str]]]:
    names = find_companies(doc, language)
    weak = find_name_candidates(doc, names)
    refs = find_references(doc, language, names)
    roles_of: dict[str, frozenset[str]] = {}
    for c in names:
        roles_of[c.name] = roles_of.get(c.name, frozenset()) | c.roles | company_roles(c.name)
    return names, weak, refs, roles_of


def _sentence_mentions(doc, s, e, names, weak, refs, memory, prev_subjects, roles_of, bag, headline) -> list[_Mention]:
    found: list[_Mention] = []
    for c in names:
        if s <= c.start and c.end <= e:
            subject_ok, referring = _classify(doc, c.start, c.end)
            start = _descriptor_start(doc, s, c.start)
            if start < c.start and _previous_word(doc, start) in cues.word_lists()["prepositions"]:
                subject_ok = False  # "la escisión del grupo ruso Yandex": the description sits after a preposition
            modifier = _is_modifier(doc, c.end)
            if cues.names_a_facility(doc, c.end, organisation_nouns()):
                continue  # "Colossus 2, el segundo gran centro de datos": a place, not a party
            kind = "Q" if is_product(c.surface) or modifier else "E"
            found.append(_Mention(start, c.end, kind, c.name, [], subject_ok, referring, modifier=modifier))
    for c in weak:
        if s <= c.start and c.end <= e and not any(r.start < c.end and c.start < r.end for r in refs):
            # an unvouched name is a subject only where subjects stand: sentence start, after a comma or "X's"
            subject_ok = bool(re.search(r"(?:^|[,;:]|'s|’s)\s*$", doc[s : c.start]))
            start = _descriptor_start(doc, s, c.start)
            if cues.names_a_facility(doc, c.end, organisation_nouns()):
                continue
            mention = _Mention(start, c.end, "E", c.name, [], subject_ok or start < c.start, True, weak=True)
            mention.recurring = sum(1 for w in weak if w.name == c.name) > 1
            found.append(mention)
    earlier = _salience_order(memory, headline)
    inside = [r for r in refs if s <= r.start and r.end <= e]
    # Definite references first, merged with the names they stand beside ("Anthropic, the startup"),
    # so that pronouns then see one party per organisation.
    for passes in (("definite",), ("relative", "object_relative", "recipient", "subject", "possessive")):
        for r in (r for r in inside if r.kind in passes):
            mention = _reference_mention(doc, r, found, prev_subjects, earlier, roles_of, bag)
            if mention is not None:
                found.append(mention)
                found.sort(key=lambda m: m.start)
        found = _merge_adjacent(doc, found)
    return found


def _reference_mention(doc, r: Reference, found, prev_subjects, earlier, roles_of, bag) -> _Mention | None:
    subject_ok, referring = _classify(doc, r.start, r.end)
    before = sorted(
        (m for m in found if m.end <= r.start and m.referring and m.ref_kind != "possessive" and m.resolve()),
        key=lambda m: -m.start,
    )
    if r.kind in ("relative", "object_relative", "recipient"):
        candidates = [m.resolve() for m in before]  # the organisation just named ("..., which", "en CoreWeave, lo que utilizó")
        subject_ok = subject_ok or r.kind == "recipient"
    elif r.kind == "subject":
        candidates = [m.resolve() for m in before if m.subject_ok] + prev_subjects + earlier
    elif r.kind == "possessive":  # "its"/"su" mostly points at the clause's subject
        candidates = [m.resolve() for m in before if m.subject_ok] + prev_subjects + [m.resolve() for m in before] + earlier
        subject_ok = True  # "Its contract with Microsoft", "Google's investment in"
    elif r.kind == "definite":
        # "the company" names an organisation: a capitalised word no table vouches for (maybe a person) comes last
        vouched = [m.resolve() for m in before if not m.weak]
        candidates = _rank_antecedents(r, vouched, earlier, roles_of, bag) + [m.resolve() for m in before if m.weak]
    else:
        return None
    candidates = list(dict.fromkeys(c for c in candidates if c))
    if not candidates:
        return None
    kind = "E" if r.kind == "definite" else "R"
    mention = _Mention(r.start, r.end, kind, None, candidates, subject_ok, referring, r.kind)
    mention.local = list(dict.fromkeys(m.resolve() for m in before))
    if r.kind == "possessive":
        mention.salient = earlier
    return mention


def _money_items(doc: str, s: int, e: int, monies: list[Money]) -> list[tuple[int, int, _Money]]:
    items = []
    floor = 0
    sentence = doc[s:e]
    for money in monies:
        if not (s <= money.start and money.end <= e):
            continue
        is_deal, is_total = cues.money_context(sentence, money.start - s, money.end - s, floor)
        usd = to_usd(money.amount, money.currency)
        if (usd if usd is not None else money.amount) >= cues.max_deal_amount():
            is_deal = False
        is_round = cues.is_round_figure(sentence, money.start - s, money.end - s)
        items.append((money.start, money.end, _Money(money, is_deal, is_total, is_round)))
        floor = money.end - s
    return items


def _figure_for_previous(sent: _Sentence, previous: list[_Frame]) -> None:
    """"Those purchases total roughly $5.8bn.": the figure of the one deal the sentence before stated."""
    token = separate_figures.figure_of_previous_deal(sent.masked)
    if token is None or not previous or not sent.tokens[token].is_deal:
        return
    if len({(f.deal_type, f.payer, f.payee) for f in previous}) != 1 or any(f.money is not None for f in previous):
        return
    figure = sent.tokens[token]
    for f in previous:
        f.money, f.is_total = figure.money, figure.is_total


def _names_no_organisation(sent: _Sentence) -> bool:
    """No organisation named (a pronoun, or a capitalised name nothing vouches for, may stand)."""
    return not any(isinstance(obj, _Mention) and obj.kind != "R" and not obj.weak for obj in sent.tokens.values())


def _own_parts(contributed: list[tuple[object, object]], frames: list[_Frame]) -> list[_Frame]:
    """"SoftBank will contribute up to $30bn" after "a $40bn round led by SoftBank": the investor's own part."""
    extra: list[_Frame] = []
    for mention, figure in contributed:
        if not isinstance(mention, _Mention) or not isinstance(figure, _Money) or not figure.is_deal:
            continue
        names = [mention.name] if mention.name else mention.candidates
        for name in names:
            rounds = [f for f in frames if f.deal_type == "investment" and f.payer == name and (f.money is None or f.round_figure)]
            if len({f.payee for f in rounds}) == 1:
                base = rounds[0]
                extra.append(
                    _Frame(
                        "investment", name, base.payee, base.status, base.evidence, figure.money, False, None,
                        base.confidence, False, base.order, "contribution", m_captured=True,
                    )
                )
                break
    return extra


def _merge(frames: list[_Frame]) -> list[DealMention]:
    groups: dict[tuple[str, str, str], list[_Frame]] = {}
    for f in frames:
        groups.setdefault((f.deal_type, f.payer, f.payee), []).append(f)
    mentions = []
    for (deal_type, payer, payee), group in groups.items():
        group.sort(key=lambda f: f.order)
        with_money = [f for f in group if f.money is not None]
        # an investor's own figure beats the size of the round it leads or joins
        with_money = [f for f in with_money if not f.round_figure] or with_money
        best = (
            next((f for f in with_money if f.is_total), None)
            or next((f for f in with_money if f.m_captured), None)
            or next((f for f in with_money if f.in_headline), None)
            or (with_money[0] if with_money else group[0])
        )
        stake = next((f.stake for f in group if f.in_headline and f.stake is not None), None)
        if stake is None:
            stake = next((f.stake for f in group if f.stake is not None), None)
        confirmed = [f.status for f in group if f.status != "rumored"]
        status = max(confirmed, key=_STATUS_RANK.get) if confirmed else "rumored"
        confidence = 1.0
        for f in group:
            confidence *= 1.0 - f.confidence
        money = best.money
        mentions.append(
            DealMention(
                deal_type=deal_type,
                payer=payer,
                payee=payee,
                status=status,
                evidence=best.evidence,
                amount=money.amount if money else None,
                currency=money.currency if money else None,
                amount_usd=to_usd(money.amount, money.currency) if money else None,
                stake_pct=stake,
                confidence=round(min(0.99, 1.0 - confidence), 3),
            )
        )
    return mentions


def extract_deals(
    text: str, title: str = "", language: str | None = None, published_at: datetime | None = None
) -> list[DealMention]:
    """Deals the article states, at most one per (deal_type, payer, payee)."""
    title = " ".join(title.split())
    doc = f"{title}\n\n{text}" if title else text
    language = language or detect_language(doc)
    rows = cues.triggers()
    triggers = [t for t in rows if t.lang == language] or list(rows)  # unknown language: every row
    names, weak, refs, roles_of = _mentions(doc, language)
    sentences = cues.split_sentences(doc)
    bag = _context_words(doc, names, sentences)
    monies = find_money(doc, language)
    memory: list[_Mention] = []
    prev_subjects: list[str] = []
    headline = {c.name for c in names if c.end <= len(title)}
    frames: list[_Frame] = []
    last_frames: list[_Frame] = []
    contributed: list[tuple[object, object]] = []
    for order, (s, e) in enumerate(sentences):
        mentions = _sentence_mentions(doc, s, e, names, weak, refs, memory, prev_subjects, roles_of, bag, headline)
        items: list[tuple[int, int, object]] = [(m.start, m.end, m) for m in mentions]
        items += _money_items(doc, s, e, monies)
        items += [
            (s + p.start(), s + p.end(), float(p.group(1).replace(",", ".")))
            for p in _PERCENT.finditer(doc[s:e])
            if not cues.percent_is_not_stake(doc, s + p.start(), s + p.end())  # growth, profit shares: never a stake
        ]
        sent = _mask(doc, s, e, items, in_headline=bool(title) and s < len(title))
        found = _frames(sent, doc, triggers, roles_of, prev_subjects, order)
        if not found:
            _figure_for_previous(sent, last_frames)
            if _names_no_organisation(sent):
                found = last_frames  # "The contract runs five years." keeps talking about the deal before
        contributed += [(sent.tokens[t], sent.tokens[m]) for t, m in separate_figures.contributions(sent.masked)]
        frames += [f for f in found if f not in last_frames]
        last_frames = found
        for m in mentions:
            name = m.resolve()
            if name and m.referring and not m.weak:
                memory.append(_Mention(m.start, m.end, m.kind, name, [], m.subject_ok, True))
        subject = next(
            (m.resolve() for m in mentions if m.kind != "Q" and m.subject_ok and m.referring and not m.weak and m.resolve()), None
        )
        if subject:
            prev_subjects = [subject] + [n for n in prev_subjects if n != subject]
    frames += _own_parts(contributed, frames)
    deals = _merge(frames)
    logger.debug("%d deal mentions from %d frames", len(deals), len(frames))
    return deals
