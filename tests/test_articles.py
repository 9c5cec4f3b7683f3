"""parse_article over tests/fixtures/pages/<case>/{page.html,expected.json}, plus decode_html.

expected.json: the URL and Content-Type the page was "served" with, an optional feed ``entry``,
the ``expected`` metadata, the exact ``paragraphs`` of the text, and ``absent`` strings
(boilerplate traps: sidebar headlines, ads, newsletter pitches) that must not be in the text.
Or ``error``: a substring of the ArticleError.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from extractors.articles import parse_article
from extractors.charset import decode_html
from extractors.metadata import parse_datetime
from extractors.errors import ArticleError
from extractors.records import FeedEntry

CASES = sorted(p for p in (Path(__file__).parent / "fixtures" / "pages").iterdir() if p.is_dir())


def _entry(spec: dict | None, url: str) -> FeedEntry | None:
    if spec is None:
        return None
    published = spec.get("published_at")
    return FeedEntry(
        feed_url="https://feeds.example/f.xml",
        link=url,
        guid=url,
        title=spec.get("title", ""),
        published_at=datetime.fromisoformat(published) if published else None,
        language=spec.get("language"),
    )


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_page_fixture(case: Path) -> None:
    spec = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    content = (case / "page.html").read_bytes()
    entry = _entry(spec.get("entry"), spec["url"])
    if "error" in spec:
        with pytest.raises(ArticleError) as caught:
            parse_article(content, spec["url"], spec["content_type"], entry)
        assert spec["error"] in caught.value.reason
        return
    article = parse_article(content, spec["url"], spec["content_type"], entry)
    expected = spec["expected"]
    assert article.url == expected["url"]
    assert article.title == expected["title"]
    assert article.published_at == datetime.fromisoformat(expected["published_at"])
    assert article.published_at.tzinfo == timezone.utc
    assert article.language == expected["language"]
    assert article.outlet == expected["outlet"]
    assert article.description == expected["description"]
    assert article.text.split("\n\n") == spec["paragraphs"]
    for trap in spec["absent"]:
        assert trap not in article.text, f"boilerplate leaked into the text: {trap!r}"


def test_fixture_folders_cover_every_kind() -> None:
    assert {"en-story-body", "es-windows-1252", "wp-json-ld-graph", "no-metadata"} <= {c.name for c in CASES}


def test_feed_entry_fills_what_the_page_lacks() -> None:
    page = b"<html><body><div><p>" + b"Plain words about a supply agreement between two firms. " * 6 + b"</p></div></body></html>"
    entry = FeedEntry(
        feed_url="https://f.example/rss", link="https://f.example/a", guid="g1", title="From the feed",
        published_at=datetime(2025, 5, 1, 12, 0, tzinfo=timezone.utc), language="en",
    )
    article = parse_article(page, "https://f.example/a", "text/html", entry)
    assert (article.title, article.published_at, article.language) == ("From the feed", entry.published_at, "en")
    bare = parse_article(page, "https://f.example/a", "text/html")
    assert bare.title == "" and bare.published_at is None
    assert "supply agreement" in bare.text


def test_parsing_twice_gives_the_same_text() -> None:
    # trafilatura's default dedup cache is process-wide; a repeated page must not lose paragraphs.
    case = next(c for c in CASES if c.name == "en-story-body")
    spec = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    content = (case / "page.html").read_bytes()
    texts = {parse_article(content, spec["url"], spec["content_type"]).text for _ in range(4)}
    assert len(texts) == 1


CURLY = "Dijo “sí” — con ‘comillas’ y 5 €"


@pytest.mark.parametrize(
    "content, content_type, expected",
    [
        # <meta charset> is read when the header has none (a plain static server).
        (f'<meta charset="windows-1252"><p>{CURLY}</p>'.encode("cp1252"), "text/html", CURLY),
        # http-equiv spelling of the same declaration.
        (f'<meta http-equiv="Content-Type" content="text/html; charset=windows-1252"><p>{CURLY}</p>'.encode("cp1252"), None, CURLY),
        # A header charset wins over the meta tag.
        (f'<meta charset="utf-8"><p>{CURLY}</p>'.encode("cp1252"), "text/html; charset=windows-1252", CURLY),
        # latin-1 labels mean windows-1252, as in browsers.
        (f'<meta charset="iso-8859-1"><p>{CURLY}</p>'.encode("cp1252"), None, CURLY),
        # A UTF-8 BOM beats a wrong header.
        (b"\xef\xbb\xbf" + f"<p>{CURLY}</p>".encode("utf-8"), "text/html; charset=iso-8859-1", CURLY),
        # A label the bytes do not decode under is skipped: detection finds UTF-8.
        (f'<meta charset="utf-8"><p>{CURLY}</p>'.encode("utf-8"), "text/html; charset=us-ascii", CURLY),
        # No declaration at all: detection.
        (f"<html><body><p>{CURLY}. Más texto en español para el detector, con acentos: camión, árbol, acción.</p></body></html>".encode("utf-8"), None, CURLY),
    ],
    ids=["meta", "http-equiv", "header-wins", "latin1-label", "bom", "wrong-label", "undeclared"],
)
def test_decode_html(content: bytes, content_type: str | None, expected: str) -> None:
    assert expected in decode_html(content, content_type)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2025-12-17T10:32:00+01:00", datetime(2025, 12, 17, 9, 32, tzinfo=timezone.utc)),
        ("2025-11-03T08:45:00Z", datetime(2025, 11, 3, 8, 45, tzinfo=timezone.utc)),
        ("2025-09-22", datetime(2025, 9, 22, tzinfo=timezone.utc)),
        ("Wed, 17 Dec 2025 10:32:00 +0100", datetime(2025, 12, 17, 9, 32, tzinfo=timezone.utc)),
        ("2025-04-08T07:15:00", datetime(2025, 4, 8, 7, 15, tzinfo=timezone.utc)),
        ("17/12/2025 - 10:32 CET", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_datetime(value: str | None, expected: datetime | None) -> None:
    assert parse_datetime(value) == expected


_STORY = [
    "Orbit Capital will invest $400 million in Helix Cloud, the companies said on Wednesday, in a deal that gives the investor a seat on the board.",
    "Helix Cloud plans to spend the money on new data centers in Ohio and Texas over the next two years, its chief executive said in an interview.",
    "The company competes with much larger cloud providers for contracts from developers of artificial intelligence models and from banks.",
]


def _page(extra_in_body: str) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in _STORY[:2]) + extra_in_body + f"<p>{_STORY[2]}</p>"
    return f'<html lang="en"><body><div><div>{body}</div></div></body></html>'.encode("utf-8")


@pytest.mark.parametrize("shape", ["links", "teasers"])
@pytest.mark.parametrize(
    "heading",
    ["Related coverage", "Read more:", "Trending", "Most read", "More from Cloud Weekly", "Sign up for our newsletter",
     "Lee también:", "Lo más leído", "Te puede interesar", "Noticias relacionadas", "Más noticias", "Suscríbete"],
)
def test_boxes_are_dropped_by_their_heading(heading: str, shape: str) -> None:
    trap = "Quarry Ventures buys 30% of Lattice Labs for $9 billion"
    if shape == "links":
        items = f'<ul><li><a href="/x">{trap}</a></li><li><a href="/y">Otro titular de 5.000 millones</a></li></ul>'
    else:  # teaser paragraphs without links: link density alone would not catch them
        items = f"<p>{trap}, the investor said in a filing on Monday.</p><p>Otro titular de 5.000 millones.</p>"
    box = f"<div><h3>{heading}</h3>{items}</div>"
    article = parse_article(_page(box), "https://site.example/story")
    assert trap not in article.text and "5.000 millones" not in article.text
    assert article.text.split("\n\n") == _STORY


@pytest.mark.parametrize(
    "sentence",
    ["Boletín Oficial del Estado publicó la ley el martes.", "Sign up for the beta is open until March.",
     "Related party transactions rose sharply.", "Subscribers grew 20% to 5 million.",
     "Read more about the terms in the filing, which runs to 40 pages."],
)
def test_short_real_paragraphs_are_kept(sentence: str) -> None:
    article = parse_article(_page(f"<p>{sentence}</p>"), "https://site.example/story")
    assert sentence in article.text.split("\n\n")


def test_fetch_and_parse_a_static_site_over_loopback(tmp_path: Path) -> None:
    """A plain static server sends no charset: the windows-1252 page must still read right,
    and ``__BASE__`` links rewritten by the server come back as the canonical URL."""
    source = (Path(__file__).parent / "fixtures" / "pages" / "es-windows-1252" / "page.html").read_bytes()
    page = source.replace(b"<head>", b'<head><link rel="canonical" href="__BASE__/es/nota.html">')
    (tmp_path / "es").mkdir()
    (tmp_path / "es" / "nota.html").write_bytes(page)
    from extractors.http import Fetcher, FetchSettings
    from tests.loopback import serve

    with serve(directory=tmp_path, replace={b"__BASE__": None}) as server, \
            Fetcher(FetchSettings(allow_private_networks=True)) as fetcher:
        result = fetcher.fetch(server.url("/es/nota.html?utm_medium=rss"))
    assert result.content_type == "text/html"
    article = parse_article(result.content, result.final_url, result.content_type)
    assert article.url == server.url("/es/nota.html")
    assert "de “estratégica” y aseguró que el fabricante —con sede en Zaragoza—" in article.text
    assert article.language == "es"
