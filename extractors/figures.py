"""Which amount belongs to which deal: the figure of a statement (only deal figures: cues.py rules out
valuations, revenue, capex), one figure per listed investor ("respectively", "and Y $10B"), a figure told
in a sentence of its own (``separate_figures``) and an investor's own part of a round."""

from __future__ import annotations

import logging
import re

from extractors import separate_figures
from extractors.deal_records import Frame, MaskedMoney, Mention, Sentence
from extractors.money import Money
from extractors.subjects import LISTED_PARTIES

logger = logging.getLogger(__name__)


# "... and are now worth about <M2>": a figure introduced as the value may stand further from the deal words
_VALUED = re.compile(r"\b(?:worth|valued at|valorad[oa]s? en|por valor de|por un (?:importe|valor) de)\s+(?:about |roughly |around |some |up to |nearly |almost |more than |unos |unas |cerca de |alrededor de |hasta |más de )?$", re.I)

# "put its value at about <M>", "sitúan su valor en <M>": a figure given as the value of the deal told before it
_ITS_VALUE = re.compile(
    r"\b(?:puts?|putting|pegs?|pegged|pegging|sets?|setting|estimates?|estimated|estimating|cifran?|cifraron|sitúan?|situaron|"
    r"estiman?|estimaron)\s+(?:<R\d+>|its|su)\s+(?:total\s+)?(?:value|valor(?:\s+total)?)\s+(?:at|en)\s+"
    r"(?:about |roughly |around |some |up to |nearly |almost |more than |unos |unas |cerca de |alrededor de |hasta |más de )?$",
    re.I,
)


def pick_money(sent: Sentence, match: re.Match[str]) -> tuple[Money | None, bool]:
    """(amount, stated as a total) of the deal ``match`` states: the figure the row captured, else a total,
    else one inside the match, just after it (no party between) or just before it (a few words, no party)."""
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
    after = [m for m in monies if match.end() <= m[0] <= match.end() + 80 or (m[0] <= match.end() + 160 and _VALUED.search(sent.masked[: m[0]]))]
    # "...; people familiar with the terms put its value at <M>": the clause after a semicolon values the deal
    # when it names no party and points back at it ("its value")
    valued_back = bool(after) and bool(_ITS_VALUE.search(sent.masked[: after[0][0]]))
    if after and not re.search(r"<E\d+>" if valued_back else r"<E\d+>|;", sent.masked[match.end() : after[0][0]]):
        return after[0][2].money, after[0][2].is_total
    before = [m for m in monies if m[1] <= match.start()]
    if before:
        gap = sent.masked[before[-1][1] : match.start()]
        # "amplía a <M1> su contrato con": a possessive before the deal noun is the deal's, no other party
        gap = re.sub(r"<R\d+>", lambda t: "" if getattr(sent.tokens[t.group(0)], "ref_kind", "") == "possessive" else t.group(0), gap)
        if len(gap.split()) <= 4 and not re.search(r"<[ER]\d+>|[,;]", gap):
            return before[-1][2].money, before[-1][2].is_total
    # "firma un contrato de <M> con X para alquilar ...", "signed a <M> contract under which ...": the one
    # figure the sentence gives is the contract's value, however far the contract's terms run on
    priced = [m for m in monies if _CONTRACT_PRICE.search(sent.masked[max(0, m[0] - 40) : m[0]])
              or _PRICED_CONTRACT.match(sent.masked, m[1])]
    if len(monies) == 1 and priced:
        return priced[0][2].money, priced[0][2].is_total
    return None, False


_CONTRACT_PRICE = re.compile(
    r"\b(?:contrato|acuerdo|pedido|contract|deal|agreement|order)\s+(?:de|por|por valor de|valorado en|worth|valued at|of)\s+"
    r"(?:unos |unas |about |around |some |roughly |hasta |up to |más de |more than )?$",
    re.I,
)
_PRICED_CONTRACT = re.compile(r"[\s-]+(?:\w+[\s-]+)?(?:contract|deal|agreement|order)\b", re.I)


_RESPECTIVELY = re.compile(r"\b(?:respectively|respectivamente)\b", re.I)

# ", and <E> <M>": a second payer whose verb is left out
_GAPPED = re.compile(
    r",?\s+(?:and|y|while|whereas|mientras que)\s+(?:the\s+|el\s+|la\s+)?(?P<E><[ER]\d+>)\s+"
    r"(?:(?:would|will|could|plans to|is to|has|had|with|con|otros|another|further)\s+)*"
    r"(?:up to |about |around |some |roughly |nearly |another |hasta |unos |unas |otros |alrededor de )?(?P<M><M\d+>)",
    re.I,
)


def _deal_monies(sent: Sentence) -> list[tuple[int, Money]]:
    return [(ms, sent.tokens[t].money) for ms, _, t in sent.token_spans if t.startswith("<M") and sent.tokens[t].is_deal]


def respective_amounts(sent: Sentence, payer_token: str | None, payers: list[str]) -> dict[str, Money | None]:
    """"Microsoft and Nvidia will invest $5B and $10B respectively": the n-th figure is the n-th investor's."""
    if not _RESPECTIVELY.search(sent.masked):
        return {}
    listed = next((re.findall(r"<E\d+>", l.group(0)) for l in LISTED_PARTIES.finditer(sent.masked) if payer_token in l.group(0)), [])
    names = [sent.tokens[t].resolve() for t in listed]
    monies = [money for _, money in _deal_monies(sent)]
    if len(names) != len(monies) or set(names) != set(payers):
        return {}
    return dict(zip(names, monies))


def gapped_payers(sent: Sentence, m: re.Match[str], payee: str, known: dict) -> dict[str, Money]:
    """A second investor whose verb is left out: "... in Anthropic and Nvidia up to $10 billion"."""
    g = _GAPPED.match(sent.masked, m.end())
    if not g:
        return {}
    mention, figure = sent.tokens[g.group("E")], sent.tokens[g.group("M")]
    name = mention.resolve(payee) if isinstance(mention, Mention) else None
    if not name or name == payee or name in known or not figure.is_deal:
        return {}
    return {name: figure.money}


def figure_for_previous(sent: Sentence, previous: list[Frame]) -> None:
    """"Those purchases total roughly $5.8bn.": the figure of the one deal the sentence before stated."""
    token = separate_figures.figure_of_previous_deal(sent.masked)
    if token is None or not previous or not sent.tokens[token].is_deal:
        return
    if len({(f.deal_type, f.payer, f.payee) for f in previous}) != 1 or any(f.money is not None for f in previous):
        return
    figure = sent.tokens[token]
    for f in previous:
        f.money, f.is_total = figure.money, figure.is_total


def names_no_organisation(sent: Sentence) -> bool:
    """No organisation named (a pronoun, or a capitalised name nothing vouches for, may stand)."""
    return not any(isinstance(obj, Mention) and obj.kind != "R" and not obj.weak for obj in sent.tokens.values())


def own_parts(contributed: list[tuple[object, object, int]], frames: list[Frame]) -> list[Frame]:
    """"SoftBank will contribute up to $30bn" after "a $40bn round led by SoftBank": the investor's own part
    (of the one round told so far: its other investments told later are not what it contributes to)."""
    extra: list[Frame] = []
    for mention, figure, order in contributed:
        if not isinstance(mention, Mention) or not isinstance(figure, MaskedMoney) or not figure.is_deal:
            continue
        names = [mention.name] if mention.name else mention.candidates
        for name in names:
            rounds = [
                f for f in frames
                if f.deal_type == "investment" and f.payer == name and (f.money is None or f.round_figure) and f.order <= order
            ]
            if len({f.payee for f in rounds}) == 1:
                base = rounds[0]
                extra.append(
                    Frame(
                        "investment", name, base.payee, base.status, base.evidence, figure.money, False, None,
                        base.confidence, False, base.order, "contribution", m_captured=True,
                    )
                )
                break
        else:
            # "el BNDES aportó 150 millones" after the round of one company: an investor not named before joins it
            raised = {f.payee for f in frames if f.deal_type == "investment" and f.order <= order}
            in_round = any(f.round_figure or f.lead or f.rule == "round list" for f in frames if f.payee in raised)
            if mention.name and len(raised) == 1 and in_round and mention.name not in raised:
                base = next(f for f in frames if f.payee in raised)
                extra.append(
                    Frame(
                        "investment", mention.name, base.payee, base.status, base.evidence, figure.money, False, None,
                        base.confidence, False, order, "contribution", m_captured=True,
                    )
                )
    return extra


def own_payments(paid: list[tuple[object, object, int]], frames: list[Frame]) -> None:
    """"Meta will pay about $3bn over five years" after "Nebius adds Meta as a cloud customer": the figure of the
    one compute deal, told before and still without one, that this party pays."""
    for mention, figure, order in paid:
        if not isinstance(mention, Mention) or not isinstance(figure, MaskedMoney) or not figure.is_deal:
            continue
        name = mention.resolve()
        before = [f for f in frames if f.order < order and f.payer == name and f.deal_type != "investment"]
        if len({(f.deal_type, f.payee) for f in before}) != 1 or any(f.money is not None for f in before):
            continue
        for f in before:
            f.money, f.is_total = figure.money, figure.is_total


def headline_figure(headlines: list[Sentence], frames: list[Frame]) -> list[Frame]:
    """"Tesla, Samsung in $16.5bn chip pact" over a text that tells the deal without its figure: the headline's
    one deal figure is the figure of the one deal told between two organisations the headline names (when the
    headline's wording states no deal of its own)."""
    if not headlines or any(f.in_headline for f in frames):
        return []
    figures = [t for h in headlines for t in h.tokens.values() if isinstance(t, MaskedMoney) and t.is_deal]
    named = {n for h in headlines for t in h.tokens.values() if isinstance(t, Mention) and (n := t.resolve())}
    if len(figures) != 1:
        return []
    told = {(f.deal_type, f.payer, f.payee) for f in frames if f.payer in named and f.payee in named}
    if len(told) != 1:
        return []
    group = [f for f in frames if (f.deal_type, f.payer, f.payee) in told]
    if any(f.money is not None for f in group):
        return []
    base, figure = group[0], figures[0]
    return [
        Frame(base.deal_type, base.payer, base.payee, base.status, base.evidence, figure.money, figure.is_total, None,
              base.confidence, True, base.order, "headline figure", round_figure=figure.is_round)
    ]
