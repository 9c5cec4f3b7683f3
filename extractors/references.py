"""Coreference: what "the company", "the ChatGPT maker", "it", "which" or "su" stands for.

Antecedents are ranked per kind of reference: a relative pronoun takes the organisation just named, a
subject pronoun the sentence's subject or the previous sentences' subjects, a definite description
("the Redmond giant") the earlier organisations whose role and descriptors fit it, most salient first.
"""

from __future__ import annotations

import logging
import re
import unicodedata

from extractors.companies import Reference, companies_described_by, company_descriptors
from extractors.deal_records import Mention
from extractors.positions import classify, previous_word

logger = logging.getLogger(__name__)


_RELATIVE_WORDS = frozenset({"which", "that", "whom", "que", "cual", "cuales"})


_JUST_BEFORE = re.compile(r"\b(?:la|el|los|las|the)\s+[a-záéíóúñ-]+\s+$")


def context_words(doc: str, names: list, sentences: list[tuple[int, int]], refs: list[Reference] = ()) -> dict[str, set[str]]:
    """Words near each named organisation in its sentence: "G42, an AI company based in Abu Dhabi" -> abu, dhabi.
    The words of a description (``refs``) are left out: "Intel ..., leaving the graphics chip leader" does not
    make Intel a graphics company."""
    bag: dict[str, set[str]] = {}
    for r in refs:
        if r.kind == "definite":
            doc = doc[: r.start] + " " * (r.end - r.start) + doc[r.end :]
    # "Arandu AI firma con la chilena Nimbo": the words right before a name describe that name, not its neighbours
    own = [(c.name, c.start - len(m.group(0)), c.start) for c in names if (m := _JUST_BEFORE.search(doc, max(0, c.start - 40), c.start))]
    for c in names:
        s, e = next(((s, e) for s, e in sentences if s <= c.start < e), (0, len(doc)))
        lo, hi = max(s, c.start - 60), min(e, c.end + 80)
        text = doc
        for name, a, b in own:
            if name != c.name and lo <= a < hi:
                text = text[:a] + " " * (b - a) + text[b:]
        window = text[lo:hi]
        bag.setdefault(c.name, set()).update(w.lower() for w in re.findall(r"[\w]+", window))
    for name in bag:
        bag[name].update(w.lower() for d in company_descriptors(name) for w in re.findall(r"[\w]+", d))
    return bag


def _table_words(name: str) -> set[str]:
    return {w.lower() for d in company_descriptors(name) for w in re.findall(r"\w+", d)}


# roles the curated table does not give ("the operator", "la fintech"): any organisation may play them but
# one the table knows as something else (a chipmaker, a cloud provider, a lab, a government)
_OUTSIDE_TABLE_ROLES = frozenset({"telecom", "bank"})
_OTHER_TRADES = frozenset({"chip_maker", "cloud_provider", "ai_lab", "government", "system_vendor"})


def _role_fits(name: str, role: str | None, roles_of: dict[str, frozenset[str]]) -> bool:
    if role is None:
        return True
    roles = roles_of.get(name, frozenset())
    if role == "startup":
        return bool(roles & {"startup", "ai_lab"}) or not roles
    if role in _OUTSIDE_TABLE_ROLES:
        return role in roles or not roles & _OTHER_TRADES
    return role in roles


def _fold(word: str) -> str:
    """"británica" and "británico", "francesa" and "francés" are one descriptor: accents and the gender and
    number endings of Spanish adjectives go."""
    word = unicodedata.normalize("NFKD", word.lower())
    word = "".join(ch for ch in word if not unicodedata.combining(ch))
    return re.sub(r"(?<=\w\w\w)(?:as|os|a|o)$", "", word)


def _described(words: list[str], bag_words) -> bool:
    folded = {_fold(w) for w in bag_words}
    return all(_fold(w) in folded for w in words)


def salience_order(memory: list[Mention], headline: set[str]) -> list[str]:
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
        described = [n for n in fitting if _described(descriptors, bag.get(n, ()))]
        # "la compañía saudí" after "chips de Nvidia en Arabia Saudí": the company the table itself describes
        # so comes before one that merely stood near the word
        described.sort(key=lambda n: not _described(descriptors, _table_words(n)))
        if not described:
            # "el gigante de Redmond" before any name: the table's descriptors may single one company out
            described = [n for n in companies_described_by(descriptors) if _role_fits(n, ref.role, roles_of)][:1]
        if not described:
            # "la aplicación colombiana de entregas": the companies some of the words describe, most words first
            score = {n: sum(_described([w], bag.get(n, ())) for w in descriptors) for n in fitting}
            described = sorted((n for n in fitting if score[n]), key=lambda n: -score[n])
        return described + [n for n in fitting if n not in described]
    return fitting


# "La empresa ... destinará el dinero a", "The company will use the proceeds to": the one that raised the money,
# the organisation the article is about, even when an investor was named last
_SPENDS_RAISED = re.compile(
    r"\b(?:destinar\w*|usar\w*|utilizar\w*|emplear\w*|invertir\w*|dedicar\w*|use|uses|used|spend|spends|spent|"
    r"put|puts|invest|invests|plans to use|plans to spend|intends to use)\s+(?:(?:most|much|part|all|some|the bulk|la mayor parte|parte|buena parte)\s+(?:of|de)\s+)?"
    r"(?:el dinero|los fondos|el capital|lo recaudado|los recursos|el nuevo capital|los nuevos fondos|la financiación|"
    r"the money|the proceeds|the funds|the new money|the cash|the capital|the new funds|the new capital|the funding)\b",
    re.I,
)



def spends_raised_money(sentence: str) -> bool:
    """The sentence tells what money raised will buy ("destinará el dinero a", "will use the proceeds to"): its
    "the company" is the one that raised it."""
    return bool(_SPENDS_RAISED.search(sentence))


_CLAUSE_BREAK = re.compile(r"[;:]|\b(?:which|who|that|but|while|que|quien|pero|mientras)\b", re.I)


def _own_clause_subject(doc: str, r: Reference, before: list[Mention], subject_ok: bool) -> str | None:
    """The organisation a description cannot stand for: its own clause's subject. "ASML tendrá el 11 % del
    capital de la compañía", "X will prepay 20%, which the Sydney-based company will use": after a preposition,
    or opening a relative clause, the clause's subject would be "its own", "which it will use"."""
    subject = next((m for m in before if m.subject_ok and not m.weak), None)
    if subject is None or doc[r.end : r.end + 2] in ("'s", "’s"):
        return None  # "Microsoft raised the company's bet": a possessive description may be the subject's
    if previous_word(doc, r.start) in _RELATIVE_WORDS:
        return subject.resolve()  # the clause the relative hangs on has this subject
    if subject_ok or _CLAUSE_BREAK.search(doc[subject.end : r.start]):
        return None  # "X, que invirtió en la compañía": the relative clause's subject is another one
    return subject.resolve()


def reference_mention(doc, r: Reference, found, prev_subjects, earlier, roles_of, bag, topic: str | None = None) -> Mention | None:
    """The mention a reference makes, its antecedents ranked; None when nothing can be its antecedent.
    ``topic``: the subject of the sentence right before, if it had one."""
    subject_ok, referring = classify(doc, r.start, r.end)
    before = sorted(
        (m for m in found if m.end <= r.start and m.referring and m.ref_kind != "possessive" and m.resolve()),
        key=lambda m: -m.start,
    )
    if r.kind in ("relative", "object_relative", "recipient"):
        candidates = [m.resolve() for m in before]  # the organisation just named ("..., which", "en CoreWeave, lo que utilizó")
        if r.kind == "relative" and not (before and re.fullmatch(r"[\s,)\"”’']*|,\s+[^,;.]{1,60},\s*", doc[before[0].end : r.start])):
            # "Chairman Larry Ellison, who", "Nvidia's systems, which": the clause is about no organisation (an
            # apposition may stand between: "Amazon, su otro gran valedor, que")
            return None
        subject_ok = subject_ok or r.kind == "recipient"
    elif r.kind == "subject":
        candidates = [m.resolve() for m in before if m.subject_ok] + prev_subjects + earlier
    elif r.kind == "clitic":
        # "Humain se comprometió a comprarle chips": not the clause's own subject (the frame leaves it out), but
        # the organisation the sentences before were about
        candidates = prev_subjects + earlier
        subject_ok = False
    elif r.kind == "possessive":  # "its"/"su" mostly points at the clause's subject
        candidates = [m.resolve() for m in before if m.subject_ok] + prev_subjects + [m.resolve() for m in before] + earlier
        subject_ok = True  # "Its contract with Microsoft", "Google's investment in"
    elif r.kind == "definite":
        # "the company" names an organisation: a capitalised word no table vouches for (maybe a person) comes last
        vouched = [m.resolve() for m in before if not m.weak]
        ranked = _rank_antecedents(r, vouched, earlier, roles_of, bag)
        if subject_ok and not before and not r.descriptors and topic in ranked:
            # "La compañía también adquiere ...": a plain description opening the sentence goes on with the
            # subject of the sentence right before
            ranked = [topic] + [c for c in ranked if c != topic]
        candidates = ranked + [m.resolve() for m in before if m.weak]
        own = _own_clause_subject(doc, r, before, subject_ok)
        candidates = [c for c in candidates if c != own]
    else:
        return None
    candidates = list(dict.fromkeys(c for c in candidates if c))
    if not candidates:
        return None
    # a clitic is its own kind of token: only the rows written for it ({CL}) take it as a party
    kind = "E" if r.kind == "definite" else ("C" if r.kind == "clitic" else "R")
    mention = Mention(r.start, r.end, kind, None, candidates, subject_ok, referring, r.kind)
    mention.local = list(dict.fromkeys(m.resolve() for m in before))
    if r.kind == "possessive":
        mention.salient = earlier
    return mention
