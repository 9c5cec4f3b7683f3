"""Organisation names in news text, folded to one canonical name each.

Three sources, in order of trust (the module that does each in brackets):
1. the curated table ``data/companies.json`` (names, aliases, product lines, descriptive aliases such as
   "the ChatGPT maker", roles such as chip_maker or cloud_provider) [company_table];
2. patterns that introduce organisations never seen before ("the startup Xyz", "Xyz Inc.",
   "Xyz, a chipmaker based in ...") [organisations]; bare capitalised names that may or may not be
   organisations [name_candidates];
3. references that point back at an organisation named elsewhere ("the company", "the chipmaker",
   "la startup", "it", "which"): :func:`find_references` returns them unresolved; resolving them needs the
   discourse, which is the deal extractor's job [reference_phrases].

This module is the public face: it re-exports the names callers use.
"""

from __future__ import annotations

import logging

from extractors.company_table import (
    CompanyMatch,
    canonical_name,
    companies_described_by,
    company_descriptors,
    company_roles,
    is_product,
    organisation_nouns,
)
from extractors.name_candidates import find_name_candidates
from extractors.organisations import find_companies
from extractors.reference_phrases import Reference, find_references

logger = logging.getLogger(__name__)

__all__ = [
    "CompanyMatch",
    "Reference",
    "canonical_name",
    "companies_described_by",
    "company_descriptors",
    "company_roles",
    "find_companies",
    "find_name_candidates",
    "find_references",
    "is_product",
    "organisation_nouns",
]
