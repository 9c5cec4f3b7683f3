"""Tell English from Spanish by counting their most common function words."""

from __future__ import annotations

import logging
import re

logger = logging.getLogger(__name__)

_STOPWORDS = {
    "en": frozenset(
        "the of and to in is that for it with as was on are be by this have from or an which has its will were "
        "said but not they their been would could also more than after about".split()
    ),
    "es": frozenset(
        "el la de que y en los las del se por un una con para es al lo como más pero sus su ha han fue "
        "según este esta también entre sobre desde hasta sin ya muy".split()
    ),
}
_WORD = re.compile(r"[a-záéíóúñü]+")


def detect_language(text: str) -> str | None:
    """"en", "es", or None when the text has too few function words to tell."""
    counts = {lang: 0 for lang in _STOPWORDS}
    for word in _WORD.findall(text.lower()):
        for lang, words in _STOPWORDS.items():
            if word in words:
                counts[lang] += 1
    best = max(counts, key=counts.get)
    other = min(counts, key=counts.get)
    if counts[best] < 2 or counts[best] == counts[other]:
        return None
    return best
