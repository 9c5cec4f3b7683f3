"""A Spanish description after the noun ("el grupo japonés") is a whole word, never the start of the next word."""

import pytest

from extractors.companies import find_references

CASES = [
    # (text, the reference's surface, its descriptors)
    ("Nubelia cerró la ronda. La compañía desarrolla modelos de lenguaje.", "La compañía", ()),
    ("Nubelia cerró la ronda. La compañía señaló que seguirá creciendo.", "La compañía", ()),
    ("Chipsa subió un 4 %. El fabricante de chips había superado las previsiones.", "El fabricante de chips", ()),
    ("Nubelia cerró la ronda. La empresa francesa desarrolla modelos.", "La empresa francesa", ("francesa",)),
    ("Nubelia cerró la ronda. El grupo japonés invertirá más.", "El grupo japonés", ("japonés",)),
    # a nationality alone after the determiner stands for the company ("la [empresa] británica")
    ("Nubelia abrió un centro. Orbitel alquilará capacidad a la británica durante cinco años.", "la británica", ("británica",)),
    ("Nubelia abrió un centro. La estadounidense desarrolla chips.", "La estadounidense", ("estadounidense",)),
]


@pytest.mark.parametrize("text,surface,descriptors", CASES)
def test_description_after_the_noun_is_whole_words(text: str, surface: str, descriptors: tuple[str, ...]) -> None:
    definite = [r for r in find_references(text, "es", names=[]) if r.kind == "definite"]
    assert [r.surface for r in definite] == [surface]
    assert definite[0].descriptors == descriptors
    end = definite[0].end
    assert end == len(text) or not text[end].isalnum()  # the mask never cuts a word: no "<E0>rrolla"
