"""Deal type and direction from the parties' roles, where the wording leaves them open: a "deal with" a
cloud provider is a cloud contract and the provider is paid; money for a chip maker buys chips."""

from __future__ import annotations

import logging

from extractors import cues
from extractors.organisations import organisation_roles_of_words

logger = logging.getLogger(__name__)


# who is paid in each compute deal: the seller of the chips or of the cloud capacity
PAYEE_ROLES = {
    "chip_supply": frozenset({"chip_maker", "system_vendor"}),
    "cloud_contract": frozenset({"cloud_provider"}),
}


def by_roles(types: set[str], a: str, b: str, roles_of) -> tuple[str, str, str] | None:
    """Type and direction of a symmetric statement ("A signs a deal with B") from the parties' roles."""
    if "government" in roles_of.get(a, frozenset()) | roles_of.get(b, frozenset()):
        # "un acuerdo con la Administración para reanudar esas ventas": a government's agreement with a company
        # is policy (export licences, a cut of sales) unless the wording itself says it buys
        return None
    compute = PAYEE_ROLES["cloud_contract"] | PAYEE_ROLES["chip_supply"]
    one_seller = bool(roles_of.get(a, frozenset()) & compute) != bool(roles_of.get(b, frozenset()) & compute)
    order = [t for t in ("cloud_contract", "chip_supply") if t in types]
    if one_seller:  # the cue words did not settle it: a deal between one compute seller and one buyer is clear
        order += [t for t in ("cloud_contract", "chip_supply") if t not in order]
    for deal_type in order:
        wanted = PAYEE_ROLES[deal_type]
        ra, rb = roles_of.get(a, frozenset()), roles_of.get(b, frozenset())
        ha, hb = bool(ra & wanted), bool(rb & wanted)
        if ha and hb:
            if len(ra) == len(rb):
                continue
            ha, hb = len(ra) < len(rb), len(rb) < len(ra)  # the specialist sells to the generalist
        if ha != hb:
            return (deal_type, b, a) if ha else (deal_type, a, b)
    return None


def settle_type(trig: cues.Trigger, payer: str, payee: str, near: set[str], roles_of) -> str | None:
    """The deal type of a directed statement: the row's type, made concrete ("money", "compute") or corrected
    by the type cues ``near`` it and the payee's roles; None when no deal type fits the payee."""
    roles = roles_of.get(payee, frozenset())
    known = bool(roles)
    deal_type = trig.deal_type
    if deal_type == "money":
        if (roles_of.get(payer) or organisation_roles_of_words(payer)) == {"investor"}:
            deal_type = "investment"  # "took $400m from the X Investment Authority": an investor's money buys shares
        elif "cloud_contract" in near and "cloud_provider" in roles:
            deal_type = "cloud_contract"
        elif "chip_supply" in near and roles & PAYEE_ROLES["chip_supply"] and "investment" not in near:
            deal_type = "chip_supply"
        else:
            deal_type = "investment"
    if deal_type == "compute":
        deal_type = "chip_supply" if (roles & PAYEE_ROLES["chip_supply"]) and "cloud_provider" not in roles else "cloud_contract"
    if deal_type == "chip_supply" and known and not roles & PAYEE_ROLES["chip_supply"]:
        deal_type = "cloud_contract" if "cloud_provider" in roles else None
    elif deal_type == "cloud_contract" and known and "cloud_provider" not in roles:
        deal_type = "chip_supply" if roles & PAYEE_ROLES["chip_supply"] else None
    if deal_type == "investment" and "government" in roles:
        return None
    return deal_type
