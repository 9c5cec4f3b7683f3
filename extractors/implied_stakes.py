"""Stakes told without naming the company they are in.

"SoftBank agreed to buy $2 billion of Intel stock, and days later the government took a 9.9% stake" /
"accionistas de Intel, junto al Gobierno, que se hizo con el 9,9 % del capital": the stake is in the company
the investment told just before is in -- in the same sentence, else in the sentence before. With no such
investment nearby, nothing is read: a bare "took a stake" could be in anything.
"""

from __future__ import annotations

import logging
import re

from extractors import cues
from extractors.deal_records import Frame, MaskedMoney, Mention, Sentence

logger = logging.getLogger(__name__)

_SUBJECT = r"(?:(?:the|el|la)\s+)?(?P<S><[ER]\d+>),?\s+(?:(?:has|had|have|also|then|later|ha|había|también|luego|después)\s+)*"
_WHEN = r"(?:(?:en|in)\s+[\w]+\s+)?"
# the stake's own words, with no "in X" / "de X" after them
_OBJECTLESS = re.compile(
    _SUBJECT
    + r"(?:"
    + r"(?:took|takes|take|taking|acquired|acquires|bought|buys|received|receives|got|gets|secured|secures)\s+"
    + _WHEN + r"(?:an?|its)\s+(?:(?:about|roughly|nearly|almost|some)\s+)?<P\d+>\s+(?:stake|holding|shareholding|equity stake)\b"
    + r"(?!\s+(?:in|of)\s+(?:the\s+)?<[ERQ])"
    + r"|(?:se\s+(?:hizo|hace|hará|quedó|queda|quedará)\s+" + _WHEN + r"con|tomó|toma|tomará|adquirió|adquiere|adquirirá)\s+"
    + _WHEN + r"(?:el|un|una\s+participación\s+del?)\s+(?:(?:alrededor\s+del?|cerca\s+del?|casi\s+el)\s+)?<P\d+>"
    + r"(?:\s+(?:del\s+capital|de\s+las\s+acciones))?"
    + r"(?!\s+(?:de|del|en)\s+(?:la\s+|el\s+)?<[ERQ])"
    + r")",
    re.I,
)
# the money given for the stake: "converting $8.9 billion of grants", "a cambio de 8.900 millones"
_PRICE = re.compile(r"[^.;<]{0,40}?\b(?:converting|in exchange for|for|a cambio de|por)\s+(?:about\s+|unos\s+|unas\s+)?(?P<M><M\d+>)", re.I)


def objectless_stakes(sent: Sentence, doc: str, found: list[Frame], last_frames: list[Frame], order: int) -> list[Frame]:
    """Frames of the stakes this sentence tells without their company, each in the company of the
    investment told just before it."""
    frames: list[Frame] = []
    evidence = doc[sent.start : sent.end].strip()
    for m in _OBJECTLESS.finditer(sent.masked):
        if cues.is_negated(sent.masked, m.start()):
            continue
        mention = sent.tokens[m.group("S")]
        payer = mention.resolve() if isinstance(mention, Mention) and mention.referring else None
        targets = _invested_in(found, m.start(), sent) or _invested_in(last_frames, None, sent)
        if not payer or len(targets) != 1 or payer in targets:
            continue
        payee = targets.pop()
        percent = re.search(r"<P\d+>", m.group(0))
        stake = sent.tokens[percent.group(0)] if percent else None
        price = _PRICE.match(sent.masked, m.end())
        money = sent.tokens[price.group("M")] if price else None
        amount = money.money if isinstance(money, MaskedMoney) and money.is_deal else None
        status = cues.status_of(sent.masked, m.start(), m.end(), None)
        logger.debug("objectless stake %s -> %s in %r", payer, payee, sent.masked)
        frames.append(
            Frame("investment", payer, payee, status, evidence, amount, False, stake, 0.7, sent.in_headline, order,
                  "objectless stake", m.group("S"), True, amount is not None)
        )
    return frames


def _invested_in(frames: list[Frame], before: int | None, sent: Sentence) -> set[str]:
    """The companies the investments among ``frames`` are in (those of this sentence told before ``before``)."""
    names = set()
    for f in frames:
        if f.deal_type != "investment":
            continue
        if before is not None and f.o_token:
            span = next((s for s, _, t in sent.token_spans if t == f.o_token), None)
            if span is None or span > before:
                continue
        names.add(f.payee)
    return names
