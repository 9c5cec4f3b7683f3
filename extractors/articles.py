"""Article page bytes -> :class:`ArticleContent`: main text, title, date, language, outlet.

Steps, in order:
1. ``charset.decode_html``: bytes to text (BOM, Content-Type charset, ``<meta charset>``, detection);
   ``page_tree.parse_html``: text to the one lxml tree every later step reads.
2. ``metadata``: JSON-LD, ``og:``/``article:`` meta tags, ``<html lang>``, ``<link rel=canonical>``.
3. ``boilerplate.Cleaner``: drop what is never the story (navigation, asides, footers, forms,
   cookie banners, share bars, ad slots, newsletter/paywall boxes, related lists).
4. trafilatura on the cleaned page for the main text; paragraphs joined by blank lines.
The text is what deal extraction reads: a headline in a sidebar is not part of the story.
"""

from __future__ import annotations

import logging
import re

import trafilatura
from lxml import etree
from lxml.etree import _Element as Element
from trafilatura.deduplication import LRUCache

from extractors.boilerplate import Cleaner
from extractors.charset import decode_html
from extractors.errors import ArticleError
from extractors.feeds import normalize_language
from extractors.language import detect_language
from extractors.metadata import (
    DATE_META,
    canonical_link,
    clean_text,
    first_time_element,
    json_ld_article,
    meta_content,
    meta_tags,
    parse_datetime,
    title_from_title_tag,
)
from extractors.page_tree import parse_html, text_of, to_html
from extractors.records import ArticleContent, FeedEntry

logger = logging.getLogger(__name__)


_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_FURNITURE_LINE = re.compile(
    r"^(?:advertisement|publicidad|anuncio|sponsored|story continues below(?: advertisement)?|"
    r"continue reading|sigue leyendo|contin[uú]a leyendo|comments are closed|"
    r"los comentarios est[aá]n cerrados)\W*$",
    re.IGNORECASE,
)


def _paragraphs(text: str | None) -> list[str]:
    if not text:
        return []
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return [line for line in lines if line and not _FURNITURE_LINE.match(line)]


def _trafilatura(page: str, url: str, *, precision: bool) -> list[str]:
    text = trafilatura.extract(
        page,
        url=url,
        favor_precision=precision,
        favor_recall=not precision,
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_links=False,
        # A cache per call: trafilatura's default one is process-wide, so a paragraph seen in
        # earlier pages (or the same page parsed again) would silently vanish.
        deduplicate=LRUCache(maxsize=512),
        output_format="txt",
    )
    return _paragraphs(text)


def _densest_block(root: Element) -> list[str]:
    """Last resort: the direct <p> children of the element that has the most of them."""
    best: list[str] = []
    best_chars = 0
    for box in root.iter(etree.Element):
        texts = [text_of(p, " ", strip=True) for p in box.iterchildren("p")]
        chars = sum(len(t) for t in texts)
        if chars > best_chars:
            best, best_chars = [t for t in texts if t], chars
    return _paragraphs("\n".join(best))


def _main_text(root: Element, source: str, url: str, title: str) -> str:
    page = to_html(root, source)
    paragraphs = _trafilatura(page, url, precision=True) or _trafilatura(page, url, precision=False)
    if not paragraphs:
        paragraphs = _densest_block(root)
    if paragraphs and title and paragraphs[0].strip().lower() == title.strip().lower():
        paragraphs = paragraphs[1:]  # the headline is the title, not the first paragraph
    return "\n\n".join(paragraphs)


def _guess_language(text: str) -> str | None:
    try:
        return normalize_language(detect_language(text))
    except Exception:  # a guess is optional; never lose the article over it
        logger.exception("language detection failed")
        return None


# --- the public function -------------------------------------------------------------------

def parse_article(
    content: bytes, url: str, content_type: str | None = None, entry: FeedEntry | None = None
) -> ArticleContent:
    """Parse an article page fetched from ``url``. Raises ArticleError when it holds no text.

    ``entry`` (the feed item that linked here) fills in what the page does not say.
    """
    source = decode_html(content, content_type)
    root = parse_html(source)
    ld = json_ld_article(root)
    metas = meta_tags(root)
    outlet = ld.get("publisher") or meta_content(metas, "og:site_name") or meta_content(metas, "application-name") or None
    description = meta_content(metas, "og:description") or meta_content(metas, "description") or ld.get("description", "")
    html_tag = next(root.iter("html"), None)
    page_language = (
        normalize_language(ld.get("language"))
        or normalize_language(meta_content(metas, "og:locale"))
        or normalize_language(html_tag.get("lang") if html_tag is not None else None)
        or normalize_language(meta_content(metas, "content-language", "language", "dc.language"))
    )
    published_at = parse_datetime(ld.get("date")) or next(
        filter(None, (parse_datetime(meta_content(metas, key)) for key in DATE_META)), None
    )
    page_url = canonical_link(root, metas, url)
    title_tag_title = title_from_title_tag(root, outlet)

    cleaner = Cleaner(root)
    cleaner.run()
    h1 = next(root.iter("h1"), None)
    # og:title as the cleaned page has it: a meta inside a dropped box is gone with it
    title = (ld.get("headline") or meta_content(meta_tags(root), "og:title")
             or (clean_text(text_of(h1, " ")) if h1 is not None else "")
             or title_tag_title or (entry.title if entry else ""))
    published_at = published_at or first_time_element(root) or (entry.published_at if entry else None)
    cleaner.drop_bylines()

    text = _main_text(root, source, url, title)
    if not text:
        raise ArticleError(url, "no article text found on the page")
    language = page_language or (entry.language if entry else None) or _guess_language(text)
    logger.debug("article %s: %d chars, lang=%s, date=%s", url, len(text), language, published_at)
    return ArticleContent(
        url=page_url,
        title=title,
        text=text,
        published_at=published_at,
        language=language,
        outlet=outlet,
        description=description,
    )
