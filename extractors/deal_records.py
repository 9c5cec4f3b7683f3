"""The deal extractor's working records: a mention of an organisation, a figure with what its context says,
a masked sentence, and a frame (one deal statement, before the article's frames are merged).

They never leave the extractor: ``DealMention`` (records.py) is what the rest of the pipeline sees.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from extractors.money import Money


@dataclass
class Mention:
    """One party a sentence names or refers to; it becomes one <E..>/<R..>/<Q..> token."""

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
        """The organisation meant: the name, else the best antecedent other than ``exclude``."""
        if self.name:
            return self.name
        return next((c for c in self.candidates if c != exclude), None)


@dataclass
class MaskedMoney:
    """An amount of a sentence with what its context says of it (an <M..> token)."""

    money: Money
    is_deal: bool
    is_total: bool
    is_round: bool = False  # the size of a whole funding round, not one investor's part


@dataclass
class Sentence:
    """A sentence with its parties, amounts and percentages replaced by tokens."""

    start: int
    end: int
    masked: str
    tokens: dict[str, object]  # "<E3>" -> Mention / MaskedMoney / float (percent)
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
class Frame:
    """One deal statement: one trigger match (and one payer of a list) in one sentence."""

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
    cloud_chips: bool = False  # chips told as bought from a cloud provider that rents them out: its cloud
    lead: bool = False  # the payer is told as the one lead of the funding round ("led by X")
