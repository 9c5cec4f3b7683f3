"""Language detection by function-word counts."""

from __future__ import annotations

import pytest

from extractors.language import detect_language


@pytest.mark.parametrize(
    "text,language",
    [
        ("Amazon is in talks to invest in OpenAI, according to people familiar with the matter.", "en"),
        ("Amazon considera invertir en OpenAI y estrecha lazos con la empresa de inteligencia artificial.", "es"),
        ("El Gobierno de Estados Unidos tomará una participación del 9,9 % en Intel.", "es"),
        ("The deal gives Microsoft a stake of roughly 27% in OpenAI.", "en"),
        ("Nvidia", None),
        ("", None),
        ("$10 billion", None),
    ],
)
def test_detect_language(text: str, language: str | None) -> None:
    assert detect_language(text) == language
