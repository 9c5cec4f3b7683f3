"""Feed bytes -> :class:`Feed` records (RSS 2.0, RSS 1.0, Atom).

feedparser only ever sees bytes we fetched ourselves: given a URL it would fetch it without a
timeout or any of the guards in :mod:`extractors.http`. Before it sees them, defusedxml refuses
entity declarations (billion-laughs bombs, external entities); a plain DOCTYPE passes.
"""

from __future__ import annotations

import calendar
import html
import logging
import re
import time
from datetime import datetime, timezone
from urllib.parse import urljoin, urlsplit
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree as safe_xml
import feedparser
from bs4 import BeautifulSoup
from defusedxml import DefusedXmlException

from extractors.errors import FeedError
from extractors.records import Feed, FeedEntry

logger = logging.getLogger(__name__)

HTML_TYPES = ("text/html", "application/xhtml+xml")
_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>])", re.IGNORECASE | re.DOTALL)
_FEED_ROOT = re.compile(rb"<(?:[\w-]+:)?(?:rss|feed|RDF)[\s>]")
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
# Complaints feedparser raises after reading the whole document anyway: a charset label the
# bytes contradict, or an XML feed served as text/html or text/plain.
_RECOVERED = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)
# ISO 639-2 codes (and English names) some feeds and pages use instead of ISO 639-1.
_THREE_LETTER = {
    "eng": "en", "spa": "es", "fra": "fr", "fre": "fr", "deu": "de", "ger": "de", "por": "pt",
    "ita": "it", "cat": "ca", "nld": "nl", "dut": "nl", "jpn": "ja", "zho": "zh", "chi": "zh",
    "english": "en", "spanish": "es", "español": "es", "espanol": "es",
}


def normalize_language(value: str | None) -> str | None:
    """An ISO 639-1 code from a language tag: "es-ES", "es_ES", "en-us", "spa" -> "es"/"en"."""
    if not value or not isinstance(value, str):
        return None
    primary = re.split(r"[-_\s]", value.strip().lower(), maxsplit=1)[0]
    primary = _THREE_LETTER.get(primary, primary)
    return primary if re.fullmatch(r"[a-z]{2}", primary) else None


_BLOCK_TAGS = ("p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6",
               "blockquote", "tr", "td", "th", "section", "article", "figure", "figcaption", "hr")


def html_to_text(fragment: str) -> str:
    """Visible text of an HTML fragment on one line (entities decoded, whitespace collapsed).

    Blocks are kept apart by a space; inline tags are not, so "<b>sin</b>, valora" stays tight.
    """
    if "<" not in fragment:
        return " ".join(html.unescape(fragment).split())
    soup = BeautifulSoup(fragment, "lxml")
    for tag in soup.find_all(_BLOCK_TAGS):
        tag.insert_before(" ")
        tag.insert_after(" ")
    return " ".join(soup.get_text().split())


def _detail_text(item: feedparser.FeedParserDict, key: str) -> str:
    """``item[key]`` as plain text, parsing it as HTML only when the feed says it is HTML."""
    value = item.get(key) or ""
    detail = item.get(f"{key}_detail") or {}
    if detail.get("type", "text/html") in HTML_TYPES:
        return html_to_text(value)
    return " ".join(value.split())


def _looks_like_html(content: bytes) -> bool:
    head = content[:4096].lstrip(b"\xef\xbb\xbf")
    return bool(_HTML_START.match(head)) and not _FEED_ROOT.search(head)


def _refuse_unsafe_xml(content: bytes, url: str) -> None:
    """Refuse entity declarations before any parser expands them."""
    try:
        safe_xml.fromstring(content, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise FeedError(url, f"refused: the XML declares entities ({type(exc).__name__})") from None
    except ParseError:
        # Broken XML goes on to feedparser's lenient parser, which may still find entries;
        # a declaration anywhere in it is refused all the same.
        if _ENTITY_DECLARATION.search(content):
            raise FeedError(url, "refused: the XML declares entities") from None


def _utc(parsed: time.struct_time | None) -> datetime | None:
    """feedparser's parsed dates are UTC struct_times."""
    if not parsed:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed), tz=timezone.utc)
    except (OverflowError, ValueError, OSError):
        return None


def _absolute_http(base: str, link: str) -> str | None:
    if not link:
        return None
    absolute = urljoin(base, link.strip())
    return absolute if urlsplit(absolute).scheme in ("http", "https") else None


def _entry(raw: feedparser.FeedParserDict, feed_url: str, feed_language: str | None) -> FeedEntry | None:
    guid = (raw.get("id") or "").strip()
    link = _absolute_http(feed_url, raw.get("link") or "")
    if link is None and raw.get("guidislink") is not False and guid:
        link = _absolute_http(feed_url, guid)  # RSS: a permalink guid is the link
    if link is None:
        logger.warning("feed %s: skipping an entry without an http(s) link (guid %r)", feed_url, guid)
        return None
    title_detail = raw.get("title_detail") or {}
    language = normalize_language(title_detail.get("language")) or feed_language
    return FeedEntry(
        feed_url=feed_url,
        link=link,
        guid=guid or link,
        title=_detail_text(raw, "title"),
        summary=_detail_text(raw, "summary"),
        published_at=_utc(raw.get("published_parsed") or raw.get("updated_parsed") or raw.get("created_parsed")),
        language=language,
    )


def parse_feed(content: bytes, url: str, content_type: str | None = None) -> Feed:
    """Parse feed bytes fetched from ``url``. Raises FeedError when they are not a usable feed."""
    if not content or not content.strip():
        raise FeedError(url, "empty response, not a feed")
    if _looks_like_html(content):
        raise FeedError(url, f"an HTML page was served instead of a feed (Content-Type {content_type or 'unknown'})")
    _refuse_unsafe_xml(content, url)

    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(content, response_headers=headers)
    if not parsed.version and not parsed.entries:
        raise FeedError(url, "no RSS or Atom feed found in the response")

    meta = parsed.feed
    language = normalize_language(meta.get("language")) or normalize_language((meta.get("title_detail") or {}).get("language"))
    entries: list[FeedEntry] = []
    seen: set[str] = set()
    for raw in parsed.entries:
        entry = _entry(raw, url, language)
        if entry is None or entry.guid in seen:
            continue
        seen.add(entry.guid)
        entries.append(entry)
    problem = None
    if parsed.bozo and isinstance(parsed.get("bozo_exception"), _RECOVERED):
        logger.debug("feed %s: %s", url, parsed.get("bozo_exception"))
    elif parsed.bozo:
        # A cut-off download still yields the items before the cut; nothing usable is an error.
        if not entries:
            raise FeedError(url, f"not a readable feed ({parsed.get('bozo_exception')})")
        problem = f"malformed feed ({parsed.get('bozo_exception')}); kept its {len(entries)} complete entries"
        logger.warning("feed %s: %s", url, problem)
    logger.debug("feed %s: %d entries (%s)", url, len(entries), parsed.version or "unknown format")
    return Feed(url=url, title=_detail_text(meta, "title"), language=language, entries=tuple(entries),
                problem=problem)
