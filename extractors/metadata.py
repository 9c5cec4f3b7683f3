"""Article metadata from a parsed page (an lxml tree, see ``page_tree``): JSON-LD,
``og:``/``article:`` meta tags, ``<time>``, ``<link rel=canonical>`` and ``<title>``."""

from __future__ import annotations

import html
import json
import logging
import re
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml.etree import _Element as Element

from extractors.page_tree import class_string, text_of
from extractors.urls import canonical_url

logger = logging.getLogger(__name__)


_ARTICLE_TYPES = frozenset(
    {
        "Article", "NewsArticle", "ReportageNewsArticle", "AnalysisNewsArticle", "OpinionNewsArticle",
        "BackgroundNewsArticle", "ReviewNewsArticle", "AskPublicNewsArticle", "BlogPosting",
        "LiveBlogPosting", "TechArticle", "Report", "SatiricalArticle",
    }
)
DATE_META = (
    "article:published_time", "og:article:published_time", "datepublished", "pubdate", "publishdate",
    "publish-date", "publish_date", "dc.date.issued", "dcterms.issued", "dcterms.created", "dc.date",
    "parsely-pub-date", "sailthru.date", "date",
)


def clean_text(text: Any) -> str:
    return " ".join(html.unescape(text).split()) if isinstance(text, str) else ""


_LD_JSON_TYPE = re.compile(r"ld\+json", re.IGNORECASE)
_LD_WRAPPER = re.compile(r"^\s*(?://\s*)?<!\[CDATA\[|(?://\s*)?\]\]>\s*$|^\s*<!--|-->\s*$")


def _json_ld_nodes(root: Element) -> list[dict[str, Any]]:
    """Every JSON object in the page's JSON-LD blocks, flattening lists and ``@graph``."""
    nodes: list[dict[str, Any]] = []

    def walk(value: Any) -> None:
        if isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            nodes.append(value)
            for key in ("@graph", "mainEntity", "itemListElement"):
                if key in value:
                    walk(value[key])

    for script in root.iter("script"):
        if not _LD_JSON_TYPE.search(script.get("type") or ""):
            continue
        raw = text_of(script).strip()
        raw = _LD_WRAPPER.sub("", raw)
        try:
            walk(json.loads(raw, strict=False))  # strict=False: raw newlines inside strings
        except ValueError:
            logger.debug("skipping a JSON-LD block that is not valid JSON")
    return nodes


def _types(node: dict[str, Any]) -> set[str]:
    declared = node.get("@type")
    names = declared if isinstance(declared, list) else [declared]
    return {name.rsplit("/", 1)[-1] for name in names if isinstance(name, str)}


def json_ld_article(root: Element) -> dict[str, Any]:
    """headline/datePublished/inLanguage/publisher/description of the page's article node."""
    nodes = _json_ld_nodes(root)
    by_id = {node["@id"]: node for node in nodes if isinstance(node.get("@id"), str)}
    article = next((node for node in nodes if _types(node) & _ARTICLE_TYPES), None)
    if article is None:
        return {}
    publisher = article.get("publisher")
    if isinstance(publisher, list):
        publisher = publisher[0] if publisher else None
    if isinstance(publisher, dict) and "name" not in publisher and isinstance(publisher.get("@id"), str):
        publisher = by_id.get(publisher["@id"], publisher)  # Yoast-style reference into @graph
    language = article.get("inLanguage")
    if isinstance(language, dict):
        language = language.get("alternateName") or language.get("name")
    return {
        "headline": clean_text(article.get("headline") or article.get("name")),
        "date": article.get("datePublished") or article.get("dateCreated"),
        "language": language if isinstance(language, str) else None,
        "publisher": clean_text(publisher.get("name")) if isinstance(publisher, dict) else "",
        "description": clean_text(article.get("description")),
    }


def meta_tags(root: Element) -> dict[str, str]:
    """Each property/name/itemprop/http-equiv of the page's ``<meta>`` tags (lowercased) -> the
    content of the first tag that names it with a non-empty content. Read once, asked often."""
    found: dict[str, str] = {}
    for tag in root.iter("meta"):
        content = tag.get("content")
        if not content or not content.strip():
            continue
        for attr in ("property", "name", "itemprop", "http-equiv"):
            key = (tag.get(attr) or "").strip().lower()
            if key and key not in found:
                found[key] = content.strip()
    return found


def meta_content(metas: dict[str, str], *keys: str) -> str:
    """Content of the first ``<meta>`` (see :func:`meta_tags`) named by one of ``keys``, in their order."""
    for key in keys:
        if key.lower() in metas:
            return clean_text(metas[key.lower()])
    return ""


def parse_datetime(value: Any) -> datetime | None:
    """An ISO 8601 or RFC 2822 date/time as timezone-aware UTC (naive values are taken as UTC)."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            try:
                from dateutil.parser import isoparse  # lenient ISO forms, e.g. "20251217T1032+0100"

                parsed = isoparse(text)
            except (ImportError, ValueError, OverflowError):
                return None
    if parsed is None or parsed.year < 1990:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def first_time_element(root: Element) -> datetime | None:
    """The page's own ``<time datetime>`` (run on the cleaned page: sidebars are gone)."""
    times = [t for t in root.iter("time") if t.get("datetime") is not None]
    marked = [t for t in times if t.get("itemprop") == "datePublished" or t.get("pubdate") is not None
              or "publish" in class_string(t).lower()]
    for tag in marked + times:
        parsed = parse_datetime(tag.get("datetime"))
        if parsed:
            return parsed
    return None


def canonical_link(root: Element, metas: dict[str, str], url: str) -> str:
    """``<link rel=canonical>`` (or og:url) made absolute, else the fetched URL; canonicalised."""
    page_path = urlsplit(url).path or "/"
    links = [link for link in root.iter("link") if link.get("href") is not None]
    canonical = next((link.get("href") for link in links
                      if "canonical" in [r.lower() for r in (link.get("rel") or "").split()]), "")
    for candidate in (canonical, meta_content(metas, "og:url")):
        absolute = urljoin(url, candidate.strip()) if candidate else ""
        parts = urlsplit(absolute)
        # A canonical pointing at the home page from an article is a CMS mistake, not an alias.
        if parts.scheme in ("http", "https") and parts.netloc and not (parts.path in ("", "/") and page_path != "/"):
            return canonical_url(absolute)
    return canonical_url(url)


def title_from_title_tag(root: Element, outlet: str | None) -> str:
    tag = next(root.iter("title"), None)
    title = clean_text(text_of(tag)) if tag is not None else ""
    for separator in (" | ", " - ", " – ", " — ", " · ", " :: "):
        head, sep, tail = title.rpartition(separator)
        if sep and head and (not outlet or tail.strip().lower() == outlet.lower() or len(tail.split()) <= 4):
            return head.strip()
    return title
