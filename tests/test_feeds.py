"""parse_feed over the fixture folders in tests/fixtures/feeds/<case>/{feed.xml,expected.json}.

expected.json holds the URL and Content-Type the bytes were "served" with, and either the
expected feed (title, language, every entry field) or ``error``: a substring of the FeedError.
"""

from __future__ import annotations

import json
from datetime import timezone
from pathlib import Path

import pytest

from extractors.errors import FeedError
from extractors.feeds import html_to_text, normalize_language, parse_feed

CASES = sorted(p for p in (Path(__file__).parent / "fixtures" / "feeds").iterdir() if p.is_dir())


def _entry_dict(entry) -> dict:
    return {
        "guid": entry.guid,
        "link": entry.link,
        "title": entry.title,
        "summary": entry.summary,
        "published_at": entry.published_at.isoformat() if entry.published_at else None,
        "language": entry.language,
    }


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_feed_fixture(case: Path) -> None:
    expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    content = (case / "feed.xml").read_bytes()
    if "error" in expected:
        with pytest.raises(FeedError) as caught:
            parse_feed(content, expected["url"], expected["content_type"])
        assert expected["error"].lower() in caught.value.reason.lower()
        assert caught.value.url == expected["url"]
        return
    feed = parse_feed(content, expected["url"], expected["content_type"])
    assert feed.url == expected["url"]
    assert feed.title == expected["title"]
    assert feed.language == expected["language"]
    assert [_entry_dict(e) for e in feed.entries] == expected["entries"]
    for entry in feed.entries:
        assert entry.feed_url == expected["url"]
        assert entry.published_at is None or entry.published_at.tzinfo == timezone.utc


def test_fixture_folders_cover_every_kind() -> None:
    names = {c.name for c in CASES}
    assert {"rss2-cdata", "atom-tag-ids", "rss1-rdf", "html-served-as-feed", "truncated", "entity-bomb"} <= names


def test_feed_parsing_never_fetches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bytes that happen to look like a URL are parsed as bytes, not fetched."""
    import urllib.request

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("feedparser tried to open a URL")

    monkeypatch.setattr(urllib.request, "urlopen", forbidden)
    monkeypatch.setattr(urllib.request.OpenerDirector, "open", forbidden)
    with pytest.raises(FeedError):
        parse_feed(b"http://127.0.0.1:9/feed.xml", "http://127.0.0.1:9/feed.xml")


@pytest.mark.parametrize("content", [b"", b"   \n", b"\xef\xbb\xbf"])
def test_empty_bodies_are_refused(content: bytes) -> None:
    with pytest.raises(FeedError, match="empty|not|no RSS"):
        parse_feed(content, "https://example.com/feed")


def test_xml_feed_served_as_text_html_is_accepted() -> None:
    # Misconfigured servers label feeds text/html; the bytes decide.
    content = (Path(__file__).parent / "fixtures" / "feeds" / "rss091-doctype" / "feed.xml").read_bytes()
    feed = parse_feed(content, "http://oldschool.example/rss.xml", "text/html")
    assert [e.title for e in feed.entries] == ["Board approves $300 million fab upgrade"]


@pytest.mark.parametrize(
    "tag, code",
    [("es-ES", "es"), ("es_ES", "es"), ("en-us", "en"), ("EN", "en"), ("spa", "es"), ("eng", "en"),
     ("", None), (None, None), ("x-klingon", None), ("zz-top-secret", "zz")],
)
def test_normalize_language(tag: str | None, code: str | None) -> None:
    assert normalize_language(tag) == code


@pytest.mark.parametrize(
    "fragment, text",
    [("<p>One</p><p>Two &amp; three</p>", "One Two & three"), ("<p>No <b>gap</b>, here<br>next</p>", "No gap, here next"), ("a &lt; b", "a < b"), ("  plain\n text ", "plain text")],
)
def test_html_to_text(fragment: str, text: str) -> None:
    assert html_to_text(fragment) == text
