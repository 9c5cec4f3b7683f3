"""The curated organisation table (``data/companies.json``): alias folding, roles, known names in text.

The table lists names, aliases, product lines, descriptive aliases such as "the ChatGPT maker", roles such as
chip_maker or cloud_provider, and epithets ("Redmond"). ``data/references.json`` holds the word lists the
organisation and reference patterns are built from; it is loaded here too so every pattern sees one copy.
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


def _load(name: str) -> dict:
    return json.loads(resources.files("extractors.data").joinpath(name).read_text("utf-8"))


def alternation(words) -> str:
    """A regex alternative of the literal words, longest first so the longest name wins."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


def by_first_character(alternatives: list[tuple[str, str]]) -> str:
    """``(first character, rest of the regex)`` pairs, in their order, as one case-sensitive alternation
    grouped by first character: "M(?:icrosoft|eta)|N(?:vidia)". It matches what their plain alternation
    matches (two alternatives with different first characters never both match at one place, and each
    group keeps its order); the regex engine tries a few dozen first characters at each position of a
    text instead of hundreds of names."""
    groups: dict[str, list[str]] = {}
    for first, rest in alternatives:
        groups.setdefault(first, []).append(rest)
    return "|".join(re.escape(first) + "(?:" + "|".join(rests) + ")" for first, rests in groups.items())


def grouped_alternation(words) -> str:
    """:func:`alternation` of case-sensitive literal words, grouped by first character (see :func:`by_first_character`)."""
    ordered = sorted(set(words), key=len, reverse=True)
    return by_first_character([(w[0], re.escape(w[1:])) for w in ordered if w]) + ("|" if "" in words else "")


_SPACES = re.compile(r"\s+")


def _norm(s: str) -> str:
    return _SPACES.sub(" ", s).strip()


@dataclass(frozen=True)
class CompanyTable:
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
    variants: re.Pattern[str] | None  # spacing and case variants of names of several parts ("Mercadolibre", "Softbank")
    by_squashed: dict[str, str]  # squashed alias ("mercadolibre") -> canonical


@lru_cache(maxsize=1)
def company_table() -> CompanyTable:
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
    names = re.compile(rf"(?<![\w@/.-])(?:{grouped_alternation(by_alias)})(?![\w]|-(?:based|area)\b|\.\w)")
    descriptive = re.compile(rf"(?<![\w])(?:(?:the|el|la)\s+)?(?:{alternation(descriptive_aliases)})(?![\w])", re.I)
    products = re.compile(rf"(?<![\w])(?:{grouped_alternation(product_owner)})(?=\d*(?![\w]))\d*")
    epithets = {c["name"]: tuple(c["epithets"]) for c in data["companies"] if c.get("epithets")}
    variants, by_squashed = _variant_pattern({a: n for a, n in by_alias.items() if a not in ambiguous})
    return CompanyTable(
        roles, descriptors, by_alias, folded, frozenset(ambiguous), names, descriptive, products, product_owner, epithets, refs,
        variants, by_squashed,
    )


def squash(name: str) -> str:
    """"Mercado Libre", "MercadoLibre" and "mercado-libre" squash alike."""
    return re.sub(r"[\s\-.’']+", "", name).casefold()


def _variant_pattern(by_alias: dict[str, str]) -> tuple[re.Pattern[str] | None, dict[str, str]]:
    """Names of several parts ("Mercado Libre", "SoftBank", "OpenAI") as outlets also spell them: parts joined or
    spaced, any case after a capital first letter ("MercadoLibre", "Softbank", "Open AI")."""
    alternatives, by_squashed = [], {}
    for alias, name in by_alias.items():
        parts = re.sub(r"(?<=[a-záéíóúñ])(?=[A-ZÁÉÍÓÚÑ])", " ", alias).replace("-", " ").split()
        if len(parts) < 2 or not alias[0].isupper() or len(squash(alias)) < 6 or not all(p.isalnum() for p in parts):
            continue
        by_squashed.setdefault(squash(alias), name)
        alternatives.append((parts[0][0], "(?i:" + r"[^\S\n-]?-?".join(re.escape(p) for p in parts)[1:] + ")"))
    if not alternatives:
        return None, by_squashed
    alternatives.sort(key=lambda a: len(re.escape(a[0]) + a[1]), reverse=True)  # longest regex first, as it was
    return re.compile(rf"(?<![\w@/.-])(?:{by_first_character(alternatives)})(?![\w])"), by_squashed


def reference_words() -> dict:
    """The word lists of ``data/references.json`` (organisation nouns, reference heads, pronouns, ...)."""
    return company_table().refs


_PREPOSITIONS = frozenset(
    "in of from to at for with on into across throughout by en de del desde a al con para por hacia entre sobre".split()
)
_AMBIGUOUS_TAIL = re.compile(r"^(?:\s+(?:state|State|Post|University|D\.?C\.?|Street)\b|'s\s+(?:state|University))")


def word_before(text: str, start: int) -> str:
    """The lower-cased word right before ``start`` (within 30 characters), else ""."""
    m = re.search(r"([\w.]+)\W*$", text[max(0, start - 30) : start])
    return m.group(1).lower() if m else ""


def organisation_nouns() -> tuple[str, ...]:
    """Nouns that introduce an organisation's name ("the startup", "la firma", "AI firm")."""
    return tuple(reference_words()["organisation_nouns_before_name"])


def companies_described_by(words: list[str]) -> list[str]:
    """The one company an epithet names ("Redmond" -> Microsoft, "Mountain View" -> Google), else nothing."""
    words = {w.lower() for w in words}
    found = [
        name
        for name, epithets in company_table().epithets.items()
        if any({w.lower() for w in re.findall(r"\w+", e)} <= words for e in epithets)
    ]
    return found if len(found) == 1 else []


def company_roles(name: str) -> frozenset[str]:
    """Roles of a canonical name from the curated table (empty for organisations it does not know)."""
    return company_table().roles.get(name, frozenset())


def company_descriptors(name: str) -> tuple[str, ...]:
    return company_table().descriptors.get(name, ())


def is_product(surface: str) -> bool:
    """True for a product line ("Azure", "Trainium3") rather than the company's own name."""
    owner = company_table().product_owner
    return surface in owner or re.sub(r"\d+$", "", surface) in owner


@lru_cache(maxsize=1)
def _legal_suffix_pattern() -> re.Pattern[str]:
    return re.compile(rf"(?:,?\s+(?:{alternation(reference_words()['legal_suffixes'])}))+$")


def _strip_legal_suffixes(name: str) -> str:
    stripped = _legal_suffix_pattern().sub("", name).strip(" ,")
    return stripped or name


def canonical_name(name: str) -> str:
    """Fold an alias to its canonical name; unknown names come back cleaned (legal suffixes stripped)."""
    table = company_table()
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


_INVESTMENT_ARM = re.compile(r"[^\S\n]+(?:Ventures|Capital|Investments|Catalyst Fund|Venture Capital)(?![\w])")


def known_companies(text: str) -> list[CompanyMatch]:
    """Every name, descriptive alias and product line of the table in ``text`` (overlaps not yet dropped)."""
    table = company_table()
    found: list[CompanyMatch] = []
    for m in table.names.finditer(text):
        surface = m.group(0)
        name = table.by_alias[surface]
        if surface in table.ambiguous:
            # "in Washington" is a place; "Washington state", "Washington Post" are not the government
            if word_before(text, m.start()) in _PREPOSITIONS or _AMBIGUOUS_TAIL.match(text[m.end() :]):
                continue
        # "AMD Ventures", "Nvidia Capital": the company's investment arm invests the company's money
        arm = _INVESTMENT_ARM.match(text, m.end())
        end = arm.end() if arm and f"{surface}{arm.group(0)}" not in table.by_alias else m.end()
        found.append(CompanyMatch(name, m.start(), end, text[m.start() : end], table.roles[name]))
    if table.variants is not None:
        for m in table.variants.finditer(text):
            name = table.by_squashed.get(squash(m.group(0)))
            if name and m.group(0) not in table.by_alias:
                found.append(CompanyMatch(name, m.start(), m.end(), m.group(0), table.roles[name]))
    for m in table.descriptive.finditer(text):
        name = table.by_folded_alias[m.group(0).lower()]
        found.append(CompanyMatch(name, m.start(), m.end(), m.group(0), table.roles[name]))
    for m in table.products.finditer(text):
        base = re.sub(r"\d+$", "", m.group(0))
        name = table.product_owner.get(base) or table.product_owner.get(m.group(0))
        if name:
            found.append(CompanyMatch(name, m.start(), m.end(), m.group(0), table.roles[name]))
    return found
