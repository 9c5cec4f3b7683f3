"""What the speed work must not change: the lxml page tree reads pages as BeautifulSoup did
(extractors.page_tree), and the regex screen never hides a match (extractors.regex_prefilter).

BeautifulSoup stays installed (feeds use it), so the page tree is checked against it directly.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from trafilatura.utils import load_html

from extractors import regex_prefilter
from extractors.articles import parse_article
from extractors.deals import extract_deals
from extractors.page_tree import parse_html, remove, text_of, to_html
from extractors.regex_prefilter import Screen, fold, may_match, needs

HERE = Path(__file__).parent

# Fragments where a careless reading of the tree parts from BeautifulSoup's get_text.
FRAGMENTS = {
    "comment between words": "<p>one<!-- no -->two</p>",
    "script in a paragraph": "<p>Text <script>var x = '<b>no</b>';</script>more text</p>",
    "style and noscript": "<div><style>.a{}</style>kept<noscript>also kept</noscript></div>",
    "template content": "<div>before<template><p>inside template</p></template>after</div>",
    "ruby annotation": "<p>漢<ruby>字<rt>ji</rt><rp>(</rp></ruby>end</p>",
    "whitespace strings": "<div>\n   <span> a </span>\n\n   <b>b</b>   </div>",
    "nested inline": "<h2>Related <em>stories</em><span></span>:</h2>",
    "entities": "<p>AT&amp;T &nbsp; caf&eacute; &lt;tag&gt;</p>",
}


@pytest.mark.parametrize("fragment", FRAGMENTS.values(), ids=FRAGMENTS.keys())
@pytest.mark.parametrize("separator,strip", [("", False), (" ", True), ("", True)])
def test_text_of_reads_like_get_text(fragment, separator, strip):
    page = f"<html><body>{fragment}</body></html>"
    soup, root = BeautifulSoup(page, "lxml"), parse_html(page)
    for tag in ("body", "p", "div", "h2", "script", "template", "rt"):
        theirs, ours = soup.find(tag), next(root.iter(tag), None)
        assert (theirs is None) == (ours is None), tag
        if ours is not None:
            assert text_of(ours, separator, strip) == theirs.get_text(separator, strip=strip), tag


@pytest.mark.parametrize("fragment", [
    "<h2>Related<span class='x'>drop</span>stories</h2>",
    "<p>foo<b>drop</b>bar <i>keep</i>\x0b tail</p>",
])
def test_removal_keeps_the_strings_around_it_apart(fragment):
    page = f"<html><body><div>{fragment}</div></body></html>"
    soup, root = BeautifulSoup(page, "lxml"), parse_html(page)
    for tag in ("span", "b"):
        if soup.find(tag):
            soup.find(tag).decompose()
            remove(next(root.iter(tag)))
    for separator, strip in (("", False), (" ", True)):
        assert text_of(next(root.iter("div")), separator, strip) == soup.find("div").get_text(separator, strip=strip)


def _tree_for_trafilatura(page: str) -> str | None:
    """The tree trafilatura builds from a page string, attributes sorted (BeautifulSoup sorts them)."""
    tree = load_html(page)
    if tree is None:
        return None
    return "\n".join(f"{el.tag} {sorted(el.attrib.items())} {el.text!r} {el.tail!r}" for el in tree.iter()
                     if isinstance(el.tag, str))


@pytest.mark.parametrize("page", [
    "<!DOCTYPE html>\n<html><head><title>t</title></head><body>\n  <div class=' a  b '>\n\n <p>x</p>  </div>"
    "<pre>  keep   it  </pre></body></html>",
    "<!-- a comment before the doctype, long enough to push html past fifty characters -->"
    "<!DOCTYPE html><html><body><p>one</p></body></html>",
    "<?xml version='1.0' encoding='utf-8'?>\n<!DOCTYPE html PUBLIC '-//W3C//DTD XHTML 1.0 Strict//EN' "
    "'http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd'>\n<html><head><title>t</title></head><body><p>x</p></body></html>",
    "<p>a bare fragment</p><p>of two paragraphs</p>",
    "<html><body><p>control \x01 characters\x0b here</p></body></html>",
])
def test_to_html_gives_trafilatura_the_tree_beautifulsoup_gave_it(page):
    assert _tree_for_trafilatura(to_html(parse_html(page), page)) == _tree_for_trafilatura(str(BeautifulSoup(page, "lxml")))


# --- the regex screen -------------------------------------------------------------------------

def test_folding_covers_every_character_ignorecase_takes_for_a_word_letter():
    every = "".join(chr(u) for u in range(0x110000) if not 0xD800 <= u <= 0xDFFF)
    for letter in regex_prefilter.WORD_CHARS:
        for written in {letter, letter.upper()}:
            if len(written) != 1:
                continue
            for m in re.finditer(re.escape(written), every, re.IGNORECASE):
                assert fold(m.group(0)) == letter, (written, m.group(0))


@pytest.mark.parametrize("pattern,text,expected", [
    (r"invest(?:s|ed)?\s+in", "Nvidia invests in Intel", True),
    (r"invest(?:s|ed)?\s+in", "Nvidia buys Intel", False),
    (r"(?:acquire|buy|purchase)s?\s+chips", "it BUYS chips", True),
    (r"(?:acquire|buy|purchase)s?\s+chips", "it sells chips", False),
    (r"(?:foo)?bar\w*", "a barn", True),
    (r"(?<=also )joined", "they joined", True),  # lookbehinds need nothing
    (r"invertir[áa]", "İNVERTIRÁ", True),  # "İ" is "i" to IGNORECASE
])
def test_may_match(pattern, text, expected):
    compiled = re.compile(pattern, re.IGNORECASE)
    assert may_match(compiled, fold(text)) is expected
    if compiled.search(text):
        assert expected


def test_needs_are_read_from_the_pattern():
    assert needs(re.compile(r"(?<![\w<])invest(?:s|ed)?\b.{0,40} in(?:to)? <E\d+>", re.I))[0] == frozenset({"invest"})
    assert needs(re.compile(r"(?:maybe)?\s*x")) == ()
    assert frozenset({"receive", "get", "got"}) in needs(re.compile(r"(?:receive|receives|get|got) money"))


def _sentences() -> list[tuple[str, str]]:
    with open(HERE / "deal_sentences.tsv", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle, delimiter="\t") if r["id"] and not r["id"].startswith("#")]
    return [(r["text"], r["lang"]) for r in rows]


def test_the_screen_never_hides_a_trigger_match(monkeypatch):
    """Every trigger row on every masked sentence of the labeled sentences and one own corpus: when the
    screen rules a row out, the row's regex finds nothing there."""
    checked, ruled_out = set(), []
    original = regex_prefilter.ScreenedPattern.finditer

    def checking(self, text, *args):
        found = original(self, text, *args)
        if not self._screen.verdicts(text)[self._number]:
            assert self._pattern.search(text) is None, (self._pattern.pattern[:80], text)
            ruled_out.append(text)
        checked.add(text)
        return found

    monkeypatch.setattr(regex_prefilter.ScreenedPattern, "finditer", checking)
    for text, language in _sentences():
        extract_deals(text, language=language)
    for path in sorted((HERE / "corpus_own").glob("batch1/articles/*.html"))[:8]:
        article = parse_article(path.read_bytes(), "http://corpus.test/a")
        extract_deals(article.text, title=article.title, language=article.language)
    assert len(checked) > 100
    assert len(ruled_out) > 10 * len(checked)  # most rows are ruled out of most sentences: the speed-up


def test_a_screened_pattern_is_its_pattern():
    screen = Screen()
    pattern = re.compile(r"invest(?:s)? in (\w+)", re.I)
    screened = screen.add(pattern)
    assert screened == pattern and hash(screened) == hash(pattern)
    assert screened.pattern == pattern.pattern and screened.search("He invests in X").group(1) == "X"
    assert [m.group(1) for m in screened.finditer("invests in A; invest in B")] == ["A", "B"]
    assert list(screened.finditer("nothing to see")) == []


# --- the profile script -----------------------------------------------------------------------

def test_profile_pages_prints_every_stage(capsys):
    from bench import profile_pages

    assert profile_pages.main(["--pages", "6", "--no-baseline"]) == 0
    out = capsys.readouterr().out
    for stage in list(profile_pages.STAGES) + ["other", "total"]:
        line = next(line for line in out.splitlines() if line.startswith(stage))
        assert float(line.split()[-1]) >= 0 or stage == "other"
    assert "6 pages" in out
