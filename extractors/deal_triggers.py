"""The trigger table ``data/deal_triggers.tsv``: one row per way of stating a deal (language, deal type, which
party pays, status hint, pattern over the masked sentence), compiled with the macros of ``data/cues.json``."""

from __future__ import annotations

import csv
import logging
import re
from dataclasses import dataclass
from functools import lru_cache

from extractors.cue_table import cue_table, read_data
from extractors.regex_prefilter import Screen, ScreenedPattern

logger = logging.getLogger(__name__)

# Tokens of the masked sentence the trigger patterns run over.
ENTITY_TOKEN = r"<[ERQ]\d+>"  # E: named organisation or "the company"; R: pronoun; Q: product line
# (C: a Spanish clitic, K: "esa capacidad"; only rows written for them take them as parties)
_BUILTIN_MACROS = {
    # "the U.S. government", "la Administración": an article before a name belongs to the party
    "S": rf"(?:(?:the|el|la|los|las)\s+)?(?P<S>{ENTITY_TOKEN})",
    "O": rf"(?:(?:the|el|la|los|las)\s+)?(?P<O>{ENTITY_TOKEN})",
    # a Spanish clitic ("comprarle", "le vendió"), a party only for the rows written for it
    "CL": r"(?P<O><C\d+>)",
    # compute told before by a demonstrative ("esa capacidad"), a party only for the rows written for it
    "CAP": r"(?P<O><K\d+>)",
    # chips told before ("another 50,000 of the chips"), a party (their maker) only for the rows written for it
    "CHIPREF": r"(?P<O><H\d+>)",
    "M": r"(?P<M><M\d+>)",
    "P": r"(?P<P><P\d+>)",
    # Gaps of up to 4 / 10 words that name no organisation; they take their own spaces, so "{_} in" and
    # " {_}backers" both work.
    "_": r"(?:\s*(?<!\S)(?!<E)\S+){0,4}?\s*?",
    "__": r"(?:\s*(?<!\S)(?!<E)\S+){0,10}?\s*?",
    # A gap of up to 10 words that opens no relative clause: "destinará X a Y", not "destinará X a los chips que compra a Y".
    "__c": r"(?:\s*(?<!\S)(?!<E|(?:que|that|which)\b)\S+){0,10}?\s*?",
    # A gap of up to 10 words that stays in one clause: "buy the chips, and has urged them to favor processors
    # from Huawei" buys nothing from Huawei.
    "__k": r"(?:\s*(?<!\S)(?!<E|\S*[,;]\s+(?:and|y|e|but|pero|while|mientras)\b)\S+){0,10}?\s*?",
    # A gap inside one noun phrase: "Google's {_np} cloud" but not "Google for its data centers".
    "_np": r"(?:\s*(?<!\S)(?!<E|(?:for|to|in|into|at|on|with|from|by|para|por|en|a|al|con)\b)\S+){0,4}?\s*?",
}


@dataclass(frozen=True)
class Trigger:
    lang: str
    deal_type: str  # investment, chip_supply, cloud_contract, compute, money, sym
    payer: str  # "S" or "O" ("?" for sym: decided by roles)
    payee: str
    status: str | None
    pattern: ScreenedPattern  # a compiled pattern whose finditer skips sentences it cannot match
    source: str


@lru_cache(maxsize=1)
def triggers() -> tuple[Trigger, ...]:
    macros = {k: v for k, v in cue_table()["trigger_macros"].items() if not k.startswith("_")}
    macros.update(_BUILTIN_MACROS)
    rows = [line for line in read_data("deal_triggers.tsv").splitlines() if line.strip() and not line.startswith("#")]
    compiled = []
    screens: dict[str, Screen] = {}  # one per language: a sentence is read by one language's rows
    for row in csv.DictReader(rows, delimiter="\t", quoting=csv.QUOTE_NONE):
        source = row["pattern"]
        expanded = re.sub(r"\{(\w+)\}", lambda m: macros[m.group(1)], source)
        pattern = screens.setdefault(row["lang"], Screen()).add(re.compile(rf"(?<![\w<]){expanded}", re.I))
        compiled.append(
            Trigger(row["lang"], row["type"], row["payer"], row["payee"], row["status"] or None, pattern, source)
        )
    return tuple(compiled)
