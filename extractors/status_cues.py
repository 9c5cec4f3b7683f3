"""Status of a stated deal (rumored / announced / completed), negation, and attribution to the press."""

from __future__ import annotations

import logging
import re
from functools import lru_cache

from extractors.cue_table import cue_table, words_regex

logger = logging.getLogger(__name__)


def _cue_regex(words: list[str]) -> re.Pattern[str]:
    """Cue words match as written and capitalised ("could", "Could"), never "May" for "may"."""
    variants = set(words) | {w[:1].upper() + w[1:] for w in words if w not in {"may"}}
    return re.compile(words_regex(sorted(variants)))


@lru_cache(maxsize=1)
def _status_cues() -> dict[str, re.Pattern[str]]:
    s = cue_table()["status"]
    return {
        "negation": _cue_regex(s["negation_local"]),
        "rumored_local": _cue_regex(s["rumored_local"]),
        "rumored_sentence": re.compile(words_regex(s["rumored_sentence"]), re.I),
        "completed": _cue_regex(s["completed_local"]),
        "conditional": re.compile(s["rumored_local_regex"], re.I),
    }


def _last_words(text: str, n: int) -> str:
    words = re.findall(r"\S+", text)
    return " ".join(words[-n:]) if n else ""


def _first_words(text: str, n: int) -> str:
    words = re.findall(r"\S+", text)
    return " ".join(words[:n])


def is_negated(sentence: str, trigger_start: int) -> bool:
    """A negation right before the deal verb ("did not invest", "no longer ... be its provider")."""
    before = _last_words(sentence[:trigger_start], 4)
    return bool(_status_cues()["negation"].search(before))


def _has_conditional(text: str) -> bool:
    not_conditional = set(cue_table()["status"]["not_conditional_words"])
    return any(m.group(0).lower() not in not_conditional for m in _status_cues()["conditional"].finditer(text))


_REPORTED_SPEECH = re.compile(
    r"\b(?:said|says|announced|told \w+|confirmed|agreed|dijo|anunció|afirmó|confirmó|aseguró|explicó|señaló|informó|comunicó)"
    r"\s+(?:on \w+\s+|el \w+\s+)?(?:that\s+|que\s+)?(?:<[ER]\d+>\s+|it\s+|they\s+)?(?:would|[a-záéíóúñ]+rían?)\b"
)


# "después de que el Gobierno se quedara con el 10%", "tras que Nvidia invirtiera": a past event told as the
# background of the news, so the deal it states is done ("después de que AMD pactara ..." only agreed it)
_PAST_SUBJUNCTIVE = re.compile(
    r"\b(?i:después de que|luego de que|tras que|desde que)\s+(?:\S+\s+){0,5}?(?:se\s+)?(?!(?:acord|pact|firm|anunci|negoci|comprometi|propusi|plane)\w*\b)[a-záéíóúñ]{2,}(?:ara|aran|iera|ieran)\b"
)


# where one clause ends and a coordinated one begins
_CLAUSE_JOINT = re.compile(r";|,\s+(?:and|but|while|whereas|y|e|pero|mientras|aunque)\s")


def status_of(sentence: str, span_start: int, span_end: int, hint: str | None) -> str:
    """rumored / announced / completed for the deal stated at sentence[span_start:span_end].

    ``hint`` "held": the row states a holding in apposition ("Google, one of its investors"): done, whatever
    the clause around it says of another deal."""
    if hint == "held":
        return "completed"
    s = cue_table()["status"]
    cues = _status_cues()
    before, after = sentence[:span_start], sentence[span_end:]
    # a cue of the next or the previous clause is that clause's ("X is a big buyer of Y's chips, and it plans
    # to open sites": the plan does not hedge the purchase)
    cut = _CLAUSE_JOINT.search(after)
    after = after[: cut.start()] if cut else after
    joints = list(_CLAUSE_JOINT.finditer(before))
    before = before[joints[-1].end() :] if joints else before
    local = " ".join(
        (
            _last_words(before, s["window_words_before"]),
            sentence[span_start:span_end],
            _first_words(after, s["window_words_after"]),
        )
    )
    local = _REPORTED_SPEECH.sub(" ", local)  # "said it would invest" reports a decision, it does not hedge it
    if cues["rumored_local"].search(local) or _has_conditional(local):
        return "rumored"
    if hint == "completed" or cues["completed"].search(local) or _PAST_SUBJUNCTIVE.search(local):
        return "completed"
    # "X has signed a deal with Y; people familiar with the terms put its value at ...": the sources only tell
    # the clause after the semicolon
    end = sentence.find(";", span_end)
    clause = sentence[sentence.rfind(";", 0, span_start) + 1 : end if end >= 0 else len(sentence)]
    if hint == "rumored" or (cues["rumored_sentence"].search(clause) and not _media_cues()["confirmed"].search(sentence)):
        return "rumored"
    return "announced"


@lru_cache(maxsize=1)
def _media_cues() -> dict[str, re.Pattern[str]]:
    media = cue_table()["media"]
    outlets = "|".join(re.escape(o) for o in sorted(media["outlets"], key=len, reverse=True))
    verbs = "|".join(re.escape(v) for v in sorted(media["attribution_words"], key=len, reverse=True))
    quote = "[\"'‘’“”«»]?"
    return {
        # "according to Bloomberg", "según publicó el miércoles The Wall Street Journal", "WSJ reports"
        "outlet": re.compile(
            rf"(?:\b(?:{verbs})\b(?:\s+\S+){{0,4}}?\s+{quote}(?:the\s+|el\s+|la\s+)?(?:{outlets})\b"
            rf"|\b(?:{outlets}){quote}\s*(?:\([^)]*\)\s*)?(?:reports?|reported|reporting|says|said|informa|informó|publica|publicó|adelanta|adelantó)\b)"
        ),
        "generic": re.compile(words_regex(media["generic_sources"]), re.I),
        "confirmed": re.compile(words_regex(media["confirmed_by_party"]), re.I),
    }


def attributed_to_media(sentence: str) -> bool:
    """A deal told on the word of a newspaper or of unnamed sources, with no party confirming it."""
    c = _media_cues()
    if c["confirmed"].search(sentence):
        return False
    return bool(c["outlet"].search(sentence) or c["generic"].search(sentence))
