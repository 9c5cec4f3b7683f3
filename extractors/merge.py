"""One mention per (deal_type, payer, payee) per article.

An investor's own figure beats the size of the round it leads or joins; among the rest the figure stated
as a total wins ("its $4 billion investment"), then one the trigger row captured, then the headline's,
then the first. The headline's stake goes before the text's. The status is the strongest any statement
gives; confidences combine as independent pieces of evidence."""

from __future__ import annotations

import logging

from extractors.deal_records import Frame
from extractors.money import to_usd
from extractors.records import DealMention

logger = logging.getLogger(__name__)


_STATUS_RANK = {"rumored": 0, "announced": 1, "completed": 2}


def merge_frames(frames: list[Frame], undisclosed_shares: bool = False) -> list[DealMention]:
    """One DealMention per (deal_type, payer, payee), in the order the article first states them.

    ``undisclosed_shares``: the article says the investors' own parts are not given."""
    # "Anthropic to use Google TPUs in a cloud deal" and "Anthropic will expand its use of Google's TPUs":
    # once the article tells the provider's chips as its cloud, every purchase of them from it is that contract
    cloud_chips = {(f.payer, f.payee) for f in frames if f.cloud_chips}
    for f in frames:
        if f.deal_type == "chip_supply" and (f.payer, f.payee) in cloud_chips:
            f.deal_type = "cloud_contract"
    groups: dict[tuple[str, str, str], list[Frame]] = {}
    for f in frames:
        groups.setdefault((f.deal_type, f.payer, f.payee), []).append(f)
    # a round's size is one investor's amount only when that investor is the round's only named backer or its
    # one lead
    backers: dict[str, set[str]] = {}
    leads: dict[str, set[str]] = {}
    lead_figures: dict[tuple[str, str], set[float]] = {}  # the rounds each lead is told leading, by their size
    for f in frames:
        if f.deal_type == "investment":
            backers.setdefault(f.payee, set()).add(f.payer)
            if f.lead:
                leads.setdefault(f.payee, set()).add(f.payer)
                if f.money is not None and f.round_figure:
                    lead_figures.setdefault((f.payee, f.payer), set()).add(f.money.amount)
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
        # "raised $900m in a round led by X" and "is raising $2bn in a round led by Y": two rounds, one lead each
        other_leads = leads.get(payee, set()) - {payer}
        sole_lead = payer in leads.get(payee, set()) and all(
            lead_figures.get((payee, other)) and money is not None and money.amount not in lead_figures[(payee, other)]
            for other in other_leads
        )
        if best.round_figure and (undisclosed_shares or (len(backers.get(payee, ())) > 1 and not sole_lead)):
            # "a $10bn round with X, Y and Z": no one's own part is told; the round goes by its one lead's name
            # ("a $10bn round led by X with Y and Z": X's), unless the article says the parts are not given
            money = None
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
