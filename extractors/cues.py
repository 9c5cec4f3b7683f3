"""Deal vocabulary read from data tables, and the small text cues built on it.

``data/deal_triggers.tsv`` holds one row per way of stating a deal (language, deal type, which party pays,
status hint, pattern); ``data/cues.json`` holds status, negation, money-context and deal-type cue words.
The code only compiles and applies them, so a new language or deal type is mostly new rows.

Where each part lives: the cue table, sentence splitting, deal-type cues and name-context word lists
[cue_table]; the trigger table [deal_triggers]; status, negation and press attribution [status_cues];
what a figure or a percentage is [money_cues]. This module is the public face: it re-exports them.
"""

from __future__ import annotations

import logging

from extractors.cue_table import (
    cue_table,
    names_a_facility,
    not_the_entity_before,
    split_sentences,
    type_cues_near,
    without_own_facilities,
    word_lists,
)
from extractors.deal_triggers import ENTITY_TOKEN, Trigger, triggers
from extractors.money_cues import (
    figure_kind,
    is_round_figure,
    max_deal_amount,
    money_context,
    percent_is_not_stake,
    undisclosed_shares,
    without_non_stake_percents,
)
from extractors.status_cues import attributed_to_media, is_negated, status_of

logger = logging.getLogger(__name__)

__all__ = [
    "ENTITY_TOKEN",
    "Trigger",
    "attributed_to_media",
    "cue_table",
    "figure_kind",
    "is_negated",
    "is_round_figure",
    "max_deal_amount",
    "money_context",
    "names_a_facility",
    "not_the_entity_before",
    "percent_is_not_stake",
    "split_sentences",
    "status_of",
    "triggers",
    "type_cues_near",
    "without_non_stake_percents",
    "without_own_facilities",
    "undisclosed_shares",
    "word_lists",
]
