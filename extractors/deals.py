"""Deal mentions from an article's headline and main text.

How it reads an article (the modules that do each step in brackets):
1. Split headline and text into sentences; find organisations (names, aliases, "the ChatGPT maker",
   "la empresa que dirige Jensen Huang", leaders the article itself introduces [leaders]),
   references ("the company", "la británica", "it", "which", "su", the clitic of "comprarle") [mentions, references,
   positions], partners named by their relation to another ("from its new shareholder": whoever the deals told
   so far make its shareholder [relations]), money and percentages; one name per organisation in the article
   ("MercadoLibre" / "Mercado Libre", "SETT" for its long name, "Greenoaks" for "Greenoaks Capital") [name_folding].
2. Mask each sentence: organisations become <E..> (<R..> for pronouns, <Q..> for product lines, <C..> for a Spanish
   clitic, which only the rows written for it take as a party), amounts
   <M..>, percentages <P..> [masking]. The trigger rows of ``data/deal_triggers.tsv`` run over the masked
   sentence; a row captures the object party and, when the subject is not captured, the nearest organisation
   in subject position to the left stands for it (or the previous sentence's subject) [statements, subjects].
3. Roles of the parties settle the deal type and direction where the wording does not (a "deal with" a
   cloud provider is a cloud contract and the provider is paid) [deal_types].
4. Amount (cue-checked: valuations, revenue, capex, per-share prices are never deal amounts), stake and
   status (rumored / announced / completed) come from the same sentence [figures, stakes, cues]. A stake goes
   to its nearest owner: one with another organisation in subject position between it and the deal is not
   this deal's.
5. Figures told in a sentence of their own (``separate_figures``): "The order is worth $1.2bn" / "Su valor
   total podría alcanzar ..." goes to the one deal told last (sentences naming no organisation keep talking
   about it); "SoftBank will contribute $30bn" is that investor's part of a round [figures]. A stake told
   without its company ("days later the government took a 9.9% stake") is in the company of the investment
   told just before [implied_stakes].
6. Mentions of one (deal_type, payer, payee) are merged: an investor's own figure beats a round's, then the
   figure stated as a total ("its $4 billion investment") wins, then one the trigger captured, then the
   headline's, then the first [merge].

The working records (a mention, a masked figure, a masked sentence, a frame) are in ``deal_records``.
This module walks the sentences in order and keeps what carries from one to the next: the organisations
named so far (antecedents for references), the last subjects, and the frames of the last deal statement.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime

from extractors import cues, separate_figures
from extractors.deal_records import Frame, Mention, Sentence
from extractors.figures import (
    figure_for_previous,
    headline_figure,
    names_no_organisation,
    own_parts,
    own_payments,
)
from extractors.implied_stakes import objectless_stakes
from extractors.language import detect_language
from extractors.masking import mask, money_items, percent_items
from extractors.mentions import article_mentions, sentence_mentions
from extractors.merge import merge_frames
from extractors.money import find_money
from extractors.records import DealMention
from extractors.references import context_words, spends_raised_money
from extractors.relations import capacity_mentions, chips_mentions, relational_mentions
from extractors.rounds import Rounds
from extractors.statements import sentence_frames

logger = logging.getLogger(__name__)

__all__ = ["extract_deals"]

# an adverbial opening ("Con el dinero de X prevé ...", "Tras la ronda, planea ..."): the verb's subject may be left out
_OPENS_WITHOUT_SUBJECT = re.compile(r"\W*(?:con|para|tras|según|además|luego|después|asimismo)\b", re.I)

# "Para Cúmulo es el mayor contrato ...", "For Rivos, the order means ...": the organisation a sentence opens
# with after "para/for" is what the sentence is about, though not its grammatical subject; "La empresa" next goes on with it
_FRONTED = re.compile(r"\W*(?:para|for)\s+(?:la\s+|el\s+|the\s+)?$", re.I)


def _fronted_topic(doc: str, start: int, mentions: list[Mention]) -> str | None:
    first = min((m for m in mentions if m.kind == "E" and m.name and not m.weak), key=lambda m: m.start, default=None)
    return first.name if first and _FRONTED.fullmatch(doc, start, first.start) else None


def extract_deals(
    text: str, title: str = "", language: str | None = None, published_at: datetime | None = None
) -> list[DealMention]:
    """Deals the article states, at most one per (deal_type, payer, payee)."""
    title = " ".join(title.split())
    doc = f"{title}\n\n{text}" if title else text
    language = language or detect_language(doc)
    rows = cues.triggers()
    triggers = [t for t in rows if t.lang == language] or list(rows)  # unknown language: every row
    names, weak, refs, roles_of = article_mentions(doc, language)
    sentences = cues.split_sentences(doc)
    bag = context_words(doc, names, sentences, refs)
    monies = find_money(doc, language)
    memory: list[Mention] = []
    prev_subjects: list[str] = []
    topic: str | None = None  # the subject of the sentence before, if it had one
    headline = {c.name for c in names if c.end <= len(title)}
    frames: list[Frame] = []
    last_frames: list[Frame] = []
    contributed: list[tuple[object, object, int]] = []
    paid: list[tuple[object, object, int]] = []
    rounds = Rounds()  # the article's funding round: investors listed without naming its company again
    headlines: list[Sentence] = []
    for order, (s, e) in enumerate(sentences):
        raiser = next((f.payee for f in reversed(frames) if f.deal_type == "investment"), None)
        if raiser and spends_raised_money(doc[s:e]):
            topic = raiser  # "La empresa destinará el dinero a ...": the company that raised it, not its last-named investor
        mentions = sentence_mentions(doc, s, e, names, weak, refs, memory, prev_subjects, roles_of, bag, headline, topic)
        mentions = relational_mentions(doc, mentions, frames)  # "from its new shareholder": the deals told so far
        mentions = capacity_mentions(doc, s, e, mentions, frames)  # "para utilizar esa capacidad"
        mentions = chips_mentions(doc, s, e, mentions, frames)  # "another 50,000 of the chips"
        items: list[tuple[int, int, object]] = [(m.start, m.end, m) for m in mentions]
        items += money_items(doc, s, e, monies, [(m.start, m.end) for m in mentions if m.name])
        items += percent_items(doc, s, e)
        sent = mask(doc, s, e, items, in_headline=bool(title) and s < len(title))
        if sent.in_headline:
            headlines.append(sent)
        found = sentence_frames(sent, doc, triggers, roles_of, prev_subjects, order)
        frames += objectless_stakes(sent, doc, found, last_frames, order)
        if not found:
            figure_for_previous(sent, last_frames)
            if names_no_organisation(sent):
                found = last_frames  # "The contract runs five years." keeps talking about the deal before
        contributed += [(sent.tokens[t], sent.tokens[m], order) for t, m in separate_figures.contributions(sent.masked)]
        paid += [(sent.tokens[t], sent.tokens[m], order) for t, m in separate_figures.payments(sent.masked)]
        frames += [f for f in found if f not in last_frames]
        frames += rounds.read(sent, doc, order)
        last_frames = found
        # an unvouched name that a deal statement took as a party is an organisation: later "the company" may
        # stand for it ("invertirá en Nokia ... del capital de la compañía finlandesa")
        parties = {f.payer for f in found} | {f.payee for f in found}
        # an unvouched name the article keeps using, described in apposition, is an organisation too ("Meseta, con
        # sede en Zaragoza, alquila ..."): a subject, and an antecedent for "la firma" later
        described = {m.resolve() for m in mentions if m.weak and m.recurring and m.subject_ok and doc.startswith(",", m.end)}
        for m in mentions:
            name = m.resolve()
            if name and m.referring and (not m.weak or name in parties or name in described):
                memory.append(Mention(m.start, m.end, m.kind, name, [], m.subject_ok, True))
        subject = _fronted_topic(doc, s, mentions) or next(
            (m.resolve() for m in mentions if m.kind != "Q" and m.subject_ok and m.referring and m.resolve()
             and (not m.weak or m.resolve() in described)),
            None,
        )
        if subject:
            prev_subjects = [subject] + [n for n in prev_subjects if n != subject]
        # a sentence whose subject is left out ("Con el dinero de X prevé llegar a ...") keeps the topic before
        dropped = _OPENS_WITHOUT_SUBJECT.match(doc, s, e) and not any(m.subject_ok and m.name for m in mentions)
        topic = subject or (topic if dropped else None)
    frames += own_parts(contributed, frames)
    own_payments(paid, frames)
    frames += headline_figure(headlines, frames)
    deals = merge_frames(frames, cues.undisclosed_shares(doc))
    logger.debug("%d deal mentions from %d frames", len(deals), len(frames))
    return deals
