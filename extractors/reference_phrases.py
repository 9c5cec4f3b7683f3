"""Phrases that point back at an organisation named elsewhere: "the company", "the chipmaker", "la startup",
"it", "which", "su". They are found here unresolved; resolving them needs the discourse, which is the deal
extractor's job (``references``).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache

from extractors.company_table import CompanyMatch, alternation, is_product, reference_words, word_before
from extractors.organisations import find_companies

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reference:
    """A phrase that points at an organisation named elsewhere in the article."""

    start: int
    end: int
    surface: str
    kind: str  # "definite", "subject", "plural", "possessive", "relative", "object_relative", "clitic"
    role: str | None = None  # role the phrase implies ("the chipmaker" -> "chip_maker")
    descriptors: tuple[str, ...] = ()  # other words of the phrase ("Abu Dhabi" in "the Abu Dhabi company")


_NOT_MODIFIERS = frozenset(
    "a an one other another two both three several many some any all this that these those the "
    "un una uno otra otro otros otras dos ambas ambos varias varios muchas muchos algunas algunos esta este estas estos "
    "la el los las lo y and or o de del of que in en con with por para to a al its their su sus his her".split()
)
# Spanish contracts "a el" and "de el": "al fabricante", "del grupo" are "a"/"de" + a definite reference
_CONTRACTED = frozenset({"al", "del"})
# "la firma de un contrato", "la firma del acuerdo": "firma" as the act of signing (a firm takes no article after "de")
_SIGNING_OF = re.compile(r"\s+(?:del|de\s+(?:un|una|el|la|los|las|su|sus|este|esta|ese|esa|dicho|dicha))\s", re.I)
_COPULAS = frozenset("is was are were be been becomes became remains remained es era fue será sería son eran sigue".split())


# the second word of "la empresa de comercio electrónico" is an adjective, not the verb that follows the
# description ("el gigante del e-commerce invertirá", "ya invirtió")
_NOT_VERB = r"(?!(?:ya|también|además|no|se|lo|le|les|ha|han|había|fue|es|era|será|sigue)\b)"


@lru_cache(maxsize=1)
def _reference_patterns() -> tuple[re.Pattern[str], re.Pattern[str], dict[str, str | None], dict[str, str], re.Pattern[str]]:
    refs = reference_words()
    heads: dict[str, str | None] = refs["reference_heads"]
    n = refs["reference_modifier_max_words"]
    definite = re.compile(
        rf"(?<![\w])(?P<det>{alternation(refs['definite_determiners'])})\s+"
        # a modifier is never a determiner: "The deal gives the chip leader" starts again at the second "the"
        rf"(?P<mods>(?:(?!(?:{alternation(refs['definite_determiners'])})\s)[\w\-’']+\s+){{0,{n}}}?)(?P<head>{alternation(heads)})(?![\w\-])"
        # Spanish puts the description after the noun: "la empresa de comercio electrónico", "el grupo japonés",
        # "el fabricante de Santa Clara" (a place of several words), "el gigante del e-commerce"
        rf"(?P<post>(?:\s+(?:de|del)\s+(?:[A-ZÁÉÍÓÚÑ][\w-]+(?:\s+[A-ZÁÉÍÓÚÑ][\w-]+){{0,2}}|[a-záéíóúñ][a-záéíóúñ-]*(?:\s+{_NOT_VERB}[a-záéíóúñ]+(?<![áó]))?))"
        rf"|(?:\s+[a-záéíóúñ]+(?:és|esa|ense|eses|ano|ana|í|ico|ica|ino|ina|eño|eña|án|ana))?)"
        # whole words only: "La compañía desarrolla" has no adjective "desa"
        rf"(?![\w\-])"
    )
    # "a la británica", "la estadounidense": a nationality right after the determiner stands for a company
    nationality = re.compile(
        rf"(?<![\w])(?:la|La|el|El)\s+(?P<head>{alternation(refs['nationality_nouns']['words'])})(?![\w\-])"
    )
    kinds: dict[str, str] = {}
    for kind, words in refs["pronouns"].items():
        for w in words:
            kinds[w] = kind
    pronouns = re.compile(rf"(?<![\w])(?:{alternation(kinds)})(?![\w])")
    return definite, pronouns, heads, kinds, nationality


# Spanish "le"/"les" before a verb or joined to an infinitive or gerund ("le compró", "comprarle",
# "vendiéndoles"): the party the verb does something to or for, named before ("se comprometió a comprarle chips")
_CLITIC = re.compile(
    r"(?<![\w])(?P<pro>les?)(?=\s+[a-záéíóúñ]{2,})|(?<=[a-záéíóúñ]{2})(?:ar|er|ir|ándo|iéndo)(?P<en>les?)(?![\w])"
)


def find_references(text: str, language: str | None = None, names: list[CompanyMatch] | None = None) -> list[Reference]:
    """Phrases that refer to an organisation named elsewhere, unresolved, in order.

    ``names`` are the organisations already found in ``text`` (found again when not given)."""
    definite, pronouns, heads, kinds, nationality = _reference_patterns()
    names = find_companies(text, language) if names is None else names
    refs: list[Reference] = []

    def overlaps_name(start: int, end: int) -> bool:
        return any(start < c.end and c.start < end for c in names)

    for m in definite.finditer(text):
        start, end = m.start(), m.end("head")
        if m.group("det").lower() in _CONTRACTED:
            # "al fabricante de chips", "del grupo": the preposition stays outside the mention, as it does before
            # "la empresa" ("a la empresa"), so the rows read "a <E1>" / "de <E1>" alike
            start = m.start("mods")
        after = text[m.end() :]
        if overlaps_name(start, m.end()):
            continue
        if any(
            c.start >= m.end() and re.fullmatch(r"\s+(?:[a-záéíóúñ-]+\s+){0,2}", text[m.end() : c.start]) and not is_product(c.surface)
            for c in names
        ):
            continue  # "the startup Xyz", "la startup sueca Lovable": an apposition, the name itself is the mention
        if re.match(r"\s+(?:of|de|del)\s+", after) and any(c.start - m.end() < 8 and c.start >= m.end() for c in names):
            continue  # "the cloud unit of Amazon": named right after
        if word_before(text, start) in _COPULAS:
            continue  # "Amazon es el mayor inversor de ...": a predicate, not a reference
        if m.group("head").lower() == "firma" and _SIGNING_OF.match(text, m.end("head")):
            continue  # "ultima la firma de un contrato", "tras la firma del acuerdo": the signing, not a firm
        mods = m.group("mods").split()
        if any(w.lower() in _NOT_MODIFIERS for w in mods):
            continue  # "el viernes la compañía", "the other company": not one noun phrase about one firm
        post = [w for w in m.group("post").split() if w not in ("de", "del")]
        head = m.group("head")
        end = m.end() if post else end
        descriptors = tuple(w.strip("’'") for w in mods + post if w.lower() not in {"of", "de", "del"})
        refs.append(Reference(start, end, text[start:end], "definite", heads[head], descriptors))
    for m in nationality.finditer(text):
        if overlaps_name(m.start(), m.end()) or word_before(text, m.start()) in _COPULAS:
            continue
        if re.match(r"\s+(?:[a-záéíóúñ-]+\s+){0,2}[A-ZÁÉÍÓÚÑ]", text[m.end() :]):
            continue  # "la británica Arm", "la emiratí Khazna": an apposition, the name itself is the mention
        refs.append(Reference(m.start(), m.end(), m.group(0), "definite", None, (m.group("head"),)))
    if language != "en":
        for m in _CLITIC.finditer(text):
            group = "pro" if m.group("pro") else "en"
            refs.append(Reference(m.start(group), m.end(group), m.group(group), "clitic"))
    for m in pronouns.finditer(text):
        kind = kinds[m.group(0)]
        if kind == "relative" and not re.search(r",\s*$", text[max(0, m.start() - 3) : m.start()]):
            continue  # only ", which" / ", que" open a relative clause about the name before the comma
        start = m.start()
        if kind == "object_relative":  # keep "in"/"en" as text: the pronoun alone is the party
            start = m.start() + len(m.group(0).split()[0]) + 1
        refs.append(Reference(start, m.end(), text[start : m.end()], kind))
    refs.sort(key=lambda r: (r.start, -(r.end - r.start)))
    kept: list[Reference] = []
    for r in refs:
        if kept and r.start < kept[-1].end:
            continue
        kept.append(r)
    return kept
