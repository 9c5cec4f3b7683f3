"""Deal figures stated in a sentence of their own, apart from the sentence that states the deal.

Two shapes, both over a masked sentence (``<E..>``/``<R..>`` parties, ``<M..>`` money; see masking.py):

* the figure of the deal just told: "Those purchases total roughly $5.8bn.", "El acuerdo asciende a 2.000
  millones.", "Su valor total podría alcanzar los US$6,200 millones." -- a deal noun with a determiner (or a
  value noun under a possessive), a valuing verb and the figure, and no party named;
* one investor's own part of a round told before: "The Japanese group will contribute up to $30bn",
  "El conglomerado que dirige X aportará hasta 30.000 millones" -- a party, a contributing verb and the
  figure, with no recipient (a recipient would make it an ordinary deal statement);
* what a buyer pays under a compute deal told before: "Meta will pay about $3bn over five years", "<E0>
  pagará unos 3.000 millones a lo largo de cinco años" -- a party, a paying verb, the figure, no payee.
"""

from __future__ import annotations

import logging
import re

logger = logging.getLogger(__name__)

_DETERMINER = r"(?:the|this|that|these|those|el|la|los|las|este|esta|estos|estas|ese|esa|esos|esas|dicho|dicha|dichos|dichas)"
_DEAL_NOUN = (
    r"(?:deal|deals|agreement|agreements|contract|contracts|purchase|purchases|order|orders|investment|commitment|transaction|"
    r"acuerdo|acuerdos|contrato|contratos|compra|compras|pedido|pedidos|inversión|compromiso|operación|transacción)"
)
_VALUES = (
    r"(?:(?:is|was|are|were|would be|will be|could be|may be|might be)\s+)?(?:worth|valued at|totals?|totaled|totalled|totaling|"
    r"amounts? to|amounted to|comes? to|came to)"
    r"|(?:could|may|might|would|will|is expected to|is set to)\s+(?:reach|total|top|exceed|amount to|come to)"
    r"|(?:(?:asciende|ascienden|ascendió|ascenderá|ascendería)\s+a|suma|suman|sumará|sumaría|alcanza|alcanzará|alcanzaría|supone|"
    r"supondrá|tiene un valor de|tendrá un valor de|está valorad[oa] en|(?:es|será|sería) de|"
    r"(?:podría|puede|podrá|debería)\s+(?:alcanzar|superar|sumar|ascender a|rondar))"
)
# "Its total value could reach $6.2bn", "Su valor total podría alcanzar los US$6,200 millones": the value of the
# deal just told, under a possessive ("<R..>") that points at it
_VALUE_NOUN = r"(?:(?:total |overall |combined |full )?value|valor(?: total| global| conjunto)?)"
_QUANTIFIER = r"(?:about |roughly |around |some |up to |nearly |almost |more than |unos |unas |cerca de |alrededor de |hasta |más de )?"

_FIGURE_OF_DEAL = re.compile(
    rf"^\W*{_DETERMINER}\s+(?:[\w-]+\s+){{0,2}}?{_DEAL_NOUN}\s+(?:[\w-]+\s+){{0,2}}?(?:{_VALUES})\s+{_QUANTIFIER}(?P<M><M\d+>)",
    re.I,
)

_VALUE_OF_DEAL = re.compile(
    rf"^\W*(?:<R\d+>|{_DETERMINER})\s+{_VALUE_NOUN}(?:\s+(?:of the|del|de la|de los)\s+{_DEAL_NOUN})?\s+(?:{_VALUES})\s+"
    rf"(?:the |los |las |el |la )?{_QUANTIFIER}(?P<M><M\d+>)",
    re.I,
)

_CONTRIBUTES = (
    r"(?:will contribute|would contribute|contributes|contributed|is contributing|will provide|would provide|provides|provided|"
    r"will put in|would put in|puts in|put in|is putting in|will supply|supplies|supplied|"
    r"aportará|aportaría|aporta|aportó|aportan|aportarán|pondrá|pondría|pone|puso|contribuirá|contribuiría|contribuye|"
    r"contribuyó|desembolsará|desembolsaría|desembolsa|desembolsó)"
)
_CONTRIBUTION = re.compile(
    # (the apposition may be cut by the name's own span: "el <E2> de desarrollo de Brasil, aportó")
    rf"(?P<S><[ER]\d+>)(?:,[^,;]{{0,80}},|\s+(?:de|of)\s[^,;<]{{0,60}},|\s+(?:que|which|that|who)(?:\s+\S+){{1,8}}?)?\s+(?:[\w-]+\s+){{0,2}}?{_CONTRIBUTES}\s+"
    # "aportó los 100 millones restantes", "put in the remaining $1bn"
    rf"(?:(?:the|los|las)\s+(?:remaining\s+|other\s+|rest of the\s+)?)?{_QUANTIFIER}(?P<M><M\d+>)(?!\s+(?:in|into|to|for|en|a|al|para)\s+(?:\S+\s+){{0,2}}?<[ER]\d+>)",
    re.I,
)


def figure_of_previous_deal(masked: str) -> str | None:
    """The money token of "The agreement is worth about <M3>." when the sentence names no party."""
    m = _VALUE_OF_DEAL.search(masked)
    if m and not re.search(r"<[EQ]\d+>", masked) and len(re.findall(r"<R\d+>", masked)) <= 1:
        return m.group("M")  # the one possessive points at the deal; no party is named
    if re.search(r"<[ERQ]\d+>", masked):
        return None
    m = _FIGURE_OF_DEAL.search(masked)
    return m.group("M") if m else None


def contributions(masked: str) -> list[tuple[str, str]]:
    """(party token, money token) for each "<E0> will contribute up to <M1>" without a recipient."""
    return [(m.group("S"), m.group("M")) for m in _CONTRIBUTION.finditer(masked)]


_PAYS = (
    r"(?:will pay|would pay|is paying|pays|paid|will spend|would spend|is to pay|agreed to pay|"
    r"pagará|pagaría|paga|pagó|pagan|pagarán|abonará|abonaría|desembolsará|desembolsaría)"
)
_PAYMENT = re.compile(
    rf"(?P<S><[ER]\d+>)(?:,[^,;]{{0,80}},)?\s+(?:[\w-]+\s+){{0,1}}?{_PAYS}\s+{_QUANTIFIER}(?P<M><M\d+>)"
    rf"(?![^;.]{{0,40}}?\b(?:to|a|al)\s+(?:\S+\s+){{0,2}}?<[ER]\d+>)(?![^;.]{{0,20}}?\b(?:for|por)\s+(?:a\s+|una\s+)?(?:stake|participación|shares|acciones))",
    re.I,
)


def payments(masked: str) -> list[tuple[str, str]]:
    """(party token, money token) for each "<E0> will pay about <M1> over five years" without a payee."""
    return [(m.group("S"), m.group("M")) for m in _PAYMENT.finditer(masked)]
