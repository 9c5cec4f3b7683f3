"""Organisation names in news text, folded to one canonical name each.

Three sources, in order of trust:
1. the curated table ``data/companies.json`` (names, aliases, product lines, descriptive aliases such as
   "the ChatGPT maker", roles such as chip_maker or cloud_provider);
2. patterns that introduce organisations never seen before ("the startup Xyz", "Xyz Inc.",
   "Xyz, a chipmaker based in ...");
3. references that point back at an organisation named elsewhere ("the company", "the chipmaker",
   "la startup", "it", "which"): :func:`find_references` returns them unresolved; resolving them needs the
   discourse, which is the deal extractor's job.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CompanyMatch:
    name: str  # canonical name ("Amazon" for "AWS", "Amazon Web Services")
    start: int
    end: int
    surface: str
    roles: frozenset[str]  # e.g. {"chip_maker"}, {"cloud_provider"}, {"ai_lab"}, {"investor"}, {"government"}


@dataclass(frozen=True)
class Reference:
    """A phrase that points at an organisation named elsewhere in the article."""

    start: int
    end: int
    surface: str
    kind: str  # "definite", "subject", "plural", "possessive", "relative", "object_relative"
    role: str | None = None  # role the phrase implies ("the chipmaker" -> "chip_maker")
    descriptors: tuple[str, ...] = ()  # other words of the phrase ("Abu Dhabi" in "the Abu Dhabi company")


def _load(name: str) -> dict:
    return json.loads(resources.files("extractors.data").joinpath(name).read_text("utf-8"))


def _alternation(words) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


_SPACES = re.compile(r"\s+")


def _norm(s: str) -> str:
    return _SPACES.sub(" ", s).strip()


@dataclass(frozen=True)
class _Table:
    roles: dict[str, frozenset[str]]  # canonical -> roles
    descriptors: dict[str, tuple[str, ...]]
    by_alias: dict[str, str]  # exact alias -> canonical
    by_folded_alias: dict[str, str]  # lower-cased alias -> canonical (for canonical_name and descriptive aliases)
    ambiguous: frozenset[str]
    names: re.Pattern[str]
    descriptive: re.Pattern[str]
    products: re.Pattern[str]
    product_owner: dict[str, str]
    epithets: dict[str, tuple[str, ...]]
    refs: dict


@lru_cache(maxsize=1)
def _table() -> _Table:
    data = _load("companies.json")
    refs = _load("references.json")
    roles, descriptors, by_alias, folded, product_owner = {}, {}, {}, {}, {}
    ambiguous: set[str] = set()
    descriptive_aliases = []
    for c in data["companies"]:
        name = c["name"]
        roles[name] = frozenset(c.get("roles", ()))
        descriptors[name] = tuple(c.get("descriptors", ()))
        for alias in [name, *c.get("aliases", ()), *c.get("ambiguous_aliases", ())]:
            by_alias[alias] = name
            folded[alias.lower()] = name
        ambiguous.update(c.get("ambiguous_aliases", ()))
        for alias in c.get("descriptive_aliases", ()):
            folded[alias.lower()] = name
            bare = re.sub(r"^(?:the|el|la|los|las)\s+", "", alias, flags=re.I)
            folded[bare.lower()] = name
            descriptive_aliases.append(bare)
        for product in c.get("products", ()):
            product_owner[product] = name
    names = re.compile(rf"(?<![\w@/.-])(?:{_alternation(by_alias)})(?![\w]|-(?:based|area)\b|\.\w)")
    descriptive = re.compile(rf"(?<![\w])(?:(?:the|el|la)\s+)?(?:{_alternation(descriptive_aliases)})(?![\w])", re.I)
    products = re.compile(rf"(?<![\w])(?:{_alternation(product_owner)})(?=\d*(?![\w]))\d*")
    epithets = {c["name"]: tuple(c["epithets"]) for c in data["companies"] if c.get("epithets")}
    return _Table(
        roles, descriptors, by_alias, folded, frozenset(ambiguous), names, descriptive, products, product_owner, epithets, refs
    )


_NOT_MODIFIERS = frozenset(
    "a an one other another two both three several many some any all this that these those the "
    "un una uno otra otro otros otras dos ambas ambos varias varios muchas muchos algunas algunos esta este estas estos "
    "la el los las lo y and or o de del of que in en con with por para to a al its their su sus his her".split()
)
_COPULAS = frozenset("is was are were be been becomes became remains remained es era fue será sería son eran sigue".split())
_PREPOSITIONS = frozenset(
    "in of from to at for with on into across throughout by en de del desde a al con para por hacia entre sobre".split()
)
_AMBIGUOUS_TAIL = re.compile(r"^(?:\s+(?:state|State|Post|University|D\.?C\.?|Street)\b|'s\s+(?:state|University))")


def _previous_word(text: str, start: int) -> str:
    m = re.search(r"([\w.]+)\W*$", text[max(0, start - 30) : start])
    return m.group(1).lower() if m else ""


def organisation_nouns() -> tuple[str, ...]:
    """Nouns that introduce an organisation's name ("the startup", "la firma", "AI firm")."""
    return tuple(_table().refs["organisation_nouns_before_name"])


def companies_described_by(words: list[str]) -> list[str]:
    """The one company an epithet names ("Redmond" -> Microsoft, "Mountain View" -> Google), else nothing."""
    words = {w.lower() for w in words}
    found = [
        name
        for name, epithets in _table().epithets.items()
        if any({w.lower() for w in re.findall(r"\w+", e)} <= words for e in epithets)
    ]
    return found if len(found) == 1 else []


def company_roles(name: str) -> frozenset[str]:
    """Roles of a canonical name from the curated table (empty for organisations it does not know)."""
    return _table().roles.get(name, frozenset())


def company_descriptors(name: str) -> tuple[str, ...]:
    return _table().descriptors.get(name, ())


def is_product(surface: str) -> bool:
    """True for a product line ("Azure", "Trainium3") rather than the company's own name."""
    owner = _table().product_owner
    return surface in owner or re.sub(r"\d+$", "", surface) in owner


@lru_cache(maxsize=1)
def _legal_suffix_pattern() -> re.Pattern[str]:
    return re.compile(rf"(?:,?\s+(?:{_alternation(_table().refs['legal_suffixes'])}))+$")


def _strip_legal_suffixes(name: str) -> str:
    stripped = _legal_suffix_pattern().sub("", name).strip(" ,")
    return stripped or name


def canonical_name(name: str) -> str:
    """Fold an alias to its canonical name; unknown names come back cleaned (legal suffixes stripped)."""
    table = _table()
    cleaned = _norm(name).strip(" ,;:'\"“”‘’")
    cleaned = re.sub(r"(?:'s|’s)$", "", cleaned)
    for candidate in (cleaned, _strip_legal_suffixes(cleaned)):
        if candidate in table.by_alias:
            return table.by_alias[candidate]
        if candidate.lower() in table.by_folded_alias:
            return table.by_folded_alias[candidate.lower()]
        if candidate in table.product_owner:
            return table.product_owner[candidate]
    for prefix in ("the ", "The ", "la ", "La ", "el ", "El "):
        if cleaned.startswith(prefix) and cleaned[len(prefix) :].lower() in table.by_folded_alias:
            return table.by_folded_alias[cleaned[len(prefix) :].lower()]
    return _strip_legal_suffixes(cleaned)


# -- unknown organisations -------------------------------------------------------------------------

_NAME = r"[A-ZÁÉÍÓÚÑ][\w&\-]*(?:\.[A-Za-z]{1,3})?(?:\s+[A-ZÁÉÍÓÚÑ][\w&\-]*){0,2}"  # accented letters too: "Vértice"


@lru_cache(maxsize=1)
def _org_patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], frozenset[str]]:
    refs = _table().refs
    before = _alternation(refs["organisation_nouns_before_name"])
    after = _alternation(refs["organisation_nouns_after_name"])
    suffixes = _alternation(refs["organisation_suffixes"])
    function_words = "by|of|in|for|with|to|from|and|that|led|run|por|de|del|en|con|para|y|que|dirigida|dirigido|liderada|liderado"
    noun_then_name = re.compile(
        rf"(?<![\w])(?P<noun>{before})\s+(?:(?!(?:{function_words})\b)(?:[a-záéíóúñ][\w\-]*|AI|IA)\s+){{0,2}}?(?P<name>{_NAME})(?![\w])"
    )
    name_then_noun = re.compile(
        rf"(?P<name>{_NAME}),\s+(?:a|an|una|un|the|la|el)\s+(?:[\w\-]+\s+){{0,4}}?(?P<noun>{after})(?![\w])"
    )
    name_with_suffix = re.compile(rf"(?<![\w])(?P<name>{_NAME})\s+(?P<noun>{suffixes})(?![\w])")
    stop = frozenset(refs["not_names"]) | frozenset(refs["places"])
    return noun_then_name, name_then_noun, name_with_suffix, stop


_ROLE_OF_NOUN = (
    ("chip", "chip_maker"),
    ("semiconductor", "chip_maker"),
    ("cloud", "cloud_provider"),
    ("neocloud", "cloud_provider"),
    ("neonube", "cloud_provider"),
    ("proveedor", "cloud_provider"),
    ("fund", "investor"),
    ("fondo", "investor"),
    ("gestora", "investor"),
    ("investor", "investor"),
    ("capital", "investor"),
    ("ventures", "investor"),
    ("partners", "investor"),
    ("startup", "startup"),
    ("start-up", "startup"),
    ("emergente", "startup"),
    ("lab", "ai_lab"),
    ("laboratorio", "ai_lab"),
    ("developer", "ai_lab"),
    ("desarrolladora", "ai_lab"),
    ("ai", "ai_lab"),
)


def _roles_for_noun(noun: str) -> frozenset[str]:
    noun = noun.lower()
    return frozenset(role for key, role in _ROLE_OF_NOUN if key in noun.split() or noun == key or noun.startswith(key))


def _clean_unknown(name: str, stop: frozenset[str]) -> str | None:
    words = name.split()
    while words and words[0] in stop:
        words = words[1:]
    while words and words[-1] in stop:
        words = words[:-1]
    if not words:
        return None
    name = " ".join(words)
    if name in stop or len(name) < 2:
        return None
    return name


def _unknown_organisations(text: str) -> list[CompanyMatch]:
    noun_then_name, name_then_noun, name_with_suffix, stop = _org_patterns()
    found: list[CompanyMatch] = []
    for pattern in (name_with_suffix, noun_then_name, name_then_noun):
        for m in pattern.finditer(text):
            raw = m.group("name")
            surface = raw
            start = m.start("name")
            if pattern is name_with_suffix:
                surface = text[m.start("name") : m.end("noun")]
            name = _clean_unknown(raw, stop)
            if name is None:
                continue
            if pattern is not name_with_suffix:
                offset = raw.find(name)
                start, surface = m.start("name") + offset, name
            else:
                offset = surface.find(name)
                start, surface = m.start("name") + offset, surface[offset:]
            found.append(CompanyMatch(canonical_name(surface), start, start + len(surface), surface, _roles_for_noun(m.group("noun"))))
    return found


# -- public finders ----------------------------------------------------------------------------------


def _known(text: str) -> list[CompanyMatch]:
    table = _table()
    found: list[CompanyMatch] = []
    for m in table.names.finditer(text):
        surface = m.group(0)
        name = table.by_alias[surface]
        if surface in table.ambiguous:
            if _previous_word(text, m.start()) in _PREPOSITIONS or _AMBIGUOUS_TAIL.match(text[m.end() :]):
                continue
        found.append(CompanyMatch(name, m.start(), m.end(), surface, table.roles[name]))
    for m in table.descriptive.finditer(text):
        name = table.by_folded_alias[m.group(0).lower()]
        found.append(CompanyMatch(name, m.start(), m.end(), m.group(0), table.roles[name]))
    for m in table.products.finditer(text):
        base = re.sub(r"\d+$", "", m.group(0))
        name = table.product_owner.get(base) or table.product_owner.get(m.group(0))
        if name:
            found.append(CompanyMatch(name, m.start(), m.end(), m.group(0), table.roles[name]))
    return found


def _drop_overlaps(matches: list[CompanyMatch]) -> list[CompanyMatch]:
    """Earlier lists win over later ones; within a list the longer match wins."""
    kept: list[CompanyMatch] = []
    for m in matches:
        if any(m.start < k.end and k.start < m.end for k in kept):
            continue
        kept.append(m)
    return sorted(kept, key=lambda m: m.start)


def find_companies(text: str, language: str | None = None) -> list[CompanyMatch]:
    """Organisations mentioned in ``text``, in order, without overlaps."""
    known = sorted(_known(text), key=lambda m: (-(m.end - m.start), m.start))
    unknown = sorted(_unknown_organisations(text), key=lambda m: (-(m.end - m.start), m.start))
    return _drop_overlaps(known + unknown)


_CAPITALISED = re.compile(
    r"(?<![\w'’.-])(?:[A-ZÁÉÍÓÚÑ][\w&-]*[\w&]|[A-Z])(?:\.[A-Za-z]{1,3})?(?:\s+(?:[A-ZÁÉÍÓÚÑ][\w&-]*[\w&]|AI|IA))*"
)
_PERSON_CONTEXT = re.compile(
    r"(?:chief executive|chief financial officer|CEO|CFO|founder|co-founder|president|chairman|analyst|consejero delegado|"
    r"director(?:a)? (?:ejecutiv[oa]|financier[oa])|fundador(?:a)?|presidente|presidenta|analista|Mr\.|Ms\.|Dr\.)\s*,?\s*$",
    re.I,
)


# "fundada en 2023 por A, B y C", "co-founded by A and B": the names that follow are people
_FOUNDED_BY = re.compile(
    r"(?:\b(?:founded|co-founded|cofounded)(?:\s+in\s+\d{4})?\s+by|\b(?:fundad[oa]s?|cofundad[oa]s?)(?:\s+en\s+\d{4})?\s+por)\s*$",
    re.I,
)
_LIST_GAP = re.compile(r"\s*(?:,\s*(?:(?:and|y|e)\s+)?|\s+(?:and|y|e)\s+)")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|\n\s*)[\"“«¿¡(]?\s*$")


@lru_cache(maxsize=1)
def _function_words() -> frozenset[str]:
    table = _table().refs["sentence_initial_function_words"]
    return frozenset(w for lang, words in table.items() if not lang.startswith("_") for w in words)


@lru_cache(maxsize=1)
def _first_names() -> frozenset[str]:
    return frozenset(_table().refs["first_names"]["names"])


def _is_person(text: str, start: int, name: str, previous_person_end: int | None) -> bool:
    """A person's name, from the words around it: "CEO Sam Altman", "fundada por A, B y C", a given name."""
    if _PERSON_CONTEXT.search(text[max(0, start - 40) : start]) or _FOUNDED_BY.search(text[max(0, start - 40) : start]):
        return True
    if re.match(
        r"\s*,\s*(?:the |el |la )?(?:chief|CEO|president|founder|consejer|director|fundador|presidente)", text[start + len(name) :]
    ):
        return True
    if previous_person_end is not None and _LIST_GAP.fullmatch(text[previous_person_end:start]):
        return True  # the next item of a list of people
    words = name.split()
    return len(words) >= 2 and words[0] in _first_names()


def find_name_candidates(text: str, known: list[CompanyMatch] | None = None) -> list[CompanyMatch]:
    """Capitalised names the table does not know and no pattern introduced: maybe organisations, maybe not.

    They have no roles; the deal extractor lets them fill a party's slot only right next to a deal verb."""
    known = find_companies(text) if known is None else known
    *_, stop = _org_patterns()
    function_words = _function_words()
    found = []
    person_end: int | None = None
    for m in _CAPITALISED.finditer(text):
        if any(m.start() < k.end and k.start < m.end() for k in known):
            continue
        raw, raw_start = m.group(0), m.start()
        if _SENTENCE_START.search(text[max(0, raw_start - 4) : raw_start]) or raw_start == 0:
            # "De cerrarse, ...", "With the deal, ...": capitalised only because the sentence starts there
            first, _, rest = raw.partition(" ")
            if first in function_words:
                raw, raw_start = rest, raw_start + len(first) + 1
        name = _clean_unknown(raw, stop) if raw else None
        if name is None or not re.search(r"[A-Za-z]{2}", name):
            continue
        start = raw_start + raw.find(name)
        if _is_person(text, start, name, person_end):
            person_end = start + len(name)
            continue
        person_end = None
        found.append(CompanyMatch(canonical_name(name), start, start + len(name), name, frozenset()))
    return found


@lru_cache(maxsize=1)
def _reference_patterns() -> tuple[re.Pattern[str], re.Pattern[str], dict[str, str | None], dict[str, str]]:
    refs = _table().refs
    heads: dict[str, str | None] = refs["reference_heads"]
    n = refs["reference_modifier_max_words"]
    definite = re.compile(
        rf"(?<![\w])(?P<det>{_alternation(refs['definite_determiners'])})\s+"
        # a modifier is never a determiner: "The deal gives the chip leader" starts again at the second "the"
        rf"(?P<mods>(?:(?!(?:{_alternation(refs['definite_determiners'])})\s)[\w\-’']+\s+){{0,{n}}}?)(?P<head>{_alternation(heads)})(?![\w\-])"
        # Spanish puts the description after the noun: "la empresa de comercio electrónico", "el grupo japonés",
        # "el fabricante de Santa Clara" (a place of several words)
        rf"(?P<post>(?:\s+(?:de|del)\s+(?:[A-ZÁÉÍÓÚÑ][\w-]+(?:\s+[A-ZÁÉÍÓÚÑ][\w-]+){{0,2}}|[a-záéíóúñ]+(?:\s+[a-záéíóúñ]+)?))"
        rf"|(?:\s+[a-záéíóúñ]+(?:és|esa|ense|eses|ano|ana|í|ico|ica|ino|ina|eño|eña|án|ana))?)"
        # whole words only: "La compañía desarrolla" has no adjective "desa"
        rf"(?![\w\-])"
    )
    kinds: dict[str, str] = {}
    for kind, words in refs["pronouns"].items():
        for w in words:
            kinds[w] = kind
    pronouns = re.compile(rf"(?<![\w])(?:{_alternation(kinds)})(?![\w])")
    return definite, pronouns, heads, kinds


def find_references(text: str, language: str | None = None, names: list[CompanyMatch] | None = None) -> list[Reference]:
    """Phrases that refer to an organisation named elsewhere, unresolved, in order.

    ``names`` are the organisations already found in ``text`` (found again when not given)."""
    definite, pronouns, heads, kinds = _reference_patterns()
    names = find_companies(text, language) if names is None else names
    refs: list[Reference] = []

    def overlaps_name(start: int, end: int) -> bool:
        return any(start < c.end and c.start < end for c in names)

    for m in definite.finditer(text):
        start, end = m.start(), m.end("head")
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
        if _previous_word(text, start) in _COPULAS:
            continue  # "Amazon es el mayor inversor de ...": a predicate, not a reference
        mods = m.group("mods").split()
        if any(w.lower() in _NOT_MODIFIERS for w in mods):
            continue  # "el viernes la compañía", "the other company": not one noun phrase about one firm
        post = [w for w in m.group("post").split() if w not in ("de", "del")]
        head = m.group("head")
        end = m.end() if post else end
        descriptors = tuple(w.strip("’'") for w in mods + post if w.lower() not in {"of", "de", "del"})
        refs.append(Reference(start, end, text[start:end], "definite", heads[head], descriptors))
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
