"""Article page bytes -> :class:`ArticleContent`: main text, title, date, language, outlet.

Steps, in order:
1. ``decode_html``: bytes to text (BOM, Content-Type charset, ``<meta charset>``, detection).
2. Metadata from JSON-LD, ``og:``/``article:`` meta tags, ``<html lang>``, ``<link rel=canonical>``.
3. Pre-cleaning: drop what is never the story (navigation, asides, footers, forms, cookie
   banners, share bars, ad slots, newsletter/paywall boxes, related/trending/"Lee también"
   lists), judged by tag, ARIA role, class/id words and box headings -- generic rules that hold
   across outlets and in English and Spanish, never per-site selectors.
4. trafilatura on the cleaned page for the main text; paragraphs joined by blank lines.
The text is what deal extraction reads: a headline in a sidebar is not part of the story.
"""

from __future__ import annotations

import codecs
import html
import json
import logging
import re
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import trafilatura
from bs4 import BeautifulSoup, Tag
from charset_normalizer import from_bytes
from trafilatura.deduplication import LRUCache

from extractors.errors import ArticleError
from extractors.feeds import normalize_language
from extractors.records import ArticleContent, FeedEntry
from extractors.urls import canonical_url

logger = logging.getLogger(__name__)

# --- 1. decoding ---------------------------------------------------------------------------

_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)
# Matches <meta charset="x"> and <meta http-equiv="Content-Type" content="text/html; charset=x">.
_META_CHARSET = re.compile(rb"<meta[^>]*?charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)
# Labels browsers read differently from Python (WHATWG Encoding Standard): pages declaring
# latin-1 or ASCII are written in windows-1252 in practice; an ASCII-compatible page cannot
# really be UTF-16.
_WHATWG_LABELS = {
    "iso-8859-1": "cp1252", "iso8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252",
    "l1": "cp1252", "ascii": "cp1252", "us-ascii": "cp1252", "iso-8859-9": "cp1254",
    "gb2312": "gb18030", "gbk": "gb18030", "tis-620": "cp874",
    "utf-16": "utf-8", "utf-16le": "utf-8", "utf-16be": "utf-8",
}


def _codec(label: str | bytes | None) -> str | None:
    """A Python codec name for a declared charset label, or None if unknown."""
    if not label:
        return None
    if isinstance(label, bytes):
        label = label.decode("ascii", "ignore")
    label = label.strip().lower()
    label = _WHATWG_LABELS.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def decode_html(content: bytes, content_type: str | None = None) -> str:
    """Decode page bytes: BOM, then the Content-Type charset, then ``<meta charset>`` /
    http-equiv, then charset detection. A declared charset the bytes do not decode under is
    skipped (a mislabelled page), so the result is never mojibake from a wrong label."""
    for bom, codec in _BOMS:
        if content.startswith(bom):
            return content[len(bom):].decode(codec, errors="replace")
    candidates: list[tuple[str, str | None]] = []
    if content_type:
        match = _HEADER_CHARSET.search(content_type)
        candidates.append(("header", _codec(match.group(1)) if match else None))
    head = content[:16384]
    head = head[: head.lower().find(b"</head>")] if b"</head>" in head.lower() else head
    meta = _META_CHARSET.search(head)
    candidates.append(("meta", _codec(meta.group(1)) if meta else None))
    for source, codec in candidates:
        if not codec:
            continue
        try:
            return content.decode(codec)
        except UnicodeDecodeError:
            logger.debug("page declares %s in its %s but does not decode as it", codec, source)
    best = from_bytes(content).best()
    if best is not None and best.encoding:
        return str(best)
    return content.decode("utf-8", errors="replace")


# --- 2. metadata ---------------------------------------------------------------------------

_ARTICLE_TYPES = frozenset(
    {
        "Article", "NewsArticle", "ReportageNewsArticle", "AnalysisNewsArticle", "OpinionNewsArticle",
        "BackgroundNewsArticle", "ReviewNewsArticle", "AskPublicNewsArticle", "BlogPosting",
        "LiveBlogPosting", "TechArticle", "Report", "SatiricalArticle",
    }
)
_DATE_META = (
    "article:published_time", "og:article:published_time", "datepublished", "pubdate", "publishdate",
    "publish-date", "publish_date", "dc.date.issued", "dcterms.issued", "dcterms.created", "dc.date",
    "parsely-pub-date", "sailthru.date", "date",
)


def _clean(text: Any) -> str:
    return " ".join(html.unescape(text).split()) if isinstance(text, str) else ""


def _json_ld_nodes(soup: BeautifulSoup) -> list[dict[str, Any]]:
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

    for script in soup.find_all("script", type=re.compile(r"ld\+json", re.IGNORECASE)):
        raw = script.get_text().strip()
        raw = re.sub(r"^\s*(?://\s*)?<!\[CDATA\[|(?://\s*)?\]\]>\s*$|^\s*<!--|-->\s*$", "", raw)
        try:
            walk(json.loads(raw, strict=False))  # strict=False: raw newlines inside strings
        except ValueError:
            logger.debug("skipping a JSON-LD block that is not valid JSON")
    return nodes


def _types(node: dict[str, Any]) -> set[str]:
    declared = node.get("@type")
    names = declared if isinstance(declared, list) else [declared]
    return {name.rsplit("/", 1)[-1] for name in names if isinstance(name, str)}


def _json_ld_article(soup: BeautifulSoup) -> dict[str, Any]:
    """headline/datePublished/inLanguage/publisher/description of the page's article node."""
    nodes = _json_ld_nodes(soup)
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
        "headline": _clean(article.get("headline") or article.get("name")),
        "date": article.get("datePublished") or article.get("dateCreated"),
        "language": language if isinstance(language, str) else None,
        "publisher": _clean(publisher.get("name")) if isinstance(publisher, dict) else "",
        "description": _clean(article.get("description")),
    }


def _meta(soup: BeautifulSoup, *keys: str) -> str:
    """Content of the first ``<meta>`` whose property/name/itemprop is one of ``keys``."""
    wanted = {key.lower() for key in keys}
    found: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        content = tag.get("content")
        if not content or not content.strip():
            continue
        for attr in ("property", "name", "itemprop", "http-equiv"):
            key = (tag.get(attr) or "").strip().lower()
            if key in wanted and key not in found:
                found[key] = content.strip()
    for key in keys:
        if key.lower() in found:
            return _clean(found[key.lower()])
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


def _first_time_element(soup: BeautifulSoup) -> datetime | None:
    """The page's own ``<time datetime>`` (run on the cleaned page: sidebars are gone)."""
    times = soup.find_all("time", attrs={"datetime": True})
    marked = [t for t in times if t.get("itemprop") == "datePublished" or t.has_attr("pubdate")
              or "publish" in " ".join(t.get("class") or []).lower()]
    for tag in marked + times:
        parsed = parse_datetime(tag["datetime"])
        if parsed:
            return parsed
    return None


def _canonical(soup: BeautifulSoup, url: str) -> str:
    """``<link rel=canonical>`` (or og:url) made absolute, else the fetched URL; canonicalised."""
    page_path = urlsplit(url).path or "/"
    links = soup.find_all("link", href=True)
    canonical = next((link["href"] for link in links if "canonical" in [r.lower() for r in link.get("rel") or []]), "")
    for candidate in (canonical, _meta(soup, "og:url")):
        absolute = urljoin(url, candidate.strip()) if candidate else ""
        parts = urlsplit(absolute)
        # A canonical pointing at the home page from an article is a CMS mistake, not an alias.
        if parts.scheme in ("http", "https") and parts.netloc and not (parts.path in ("", "/") and page_path != "/"):
            return canonical_url(absolute)
    return canonical_url(url)


def _title_from_title_tag(soup: BeautifulSoup, outlet: str | None) -> str:
    title = _clean(soup.title.get_text()) if soup.title else ""
    for separator in (" | ", " - ", " – ", " — ", " · ", " :: "):
        head, sep, tail = title.rpartition(separator)
        if sep and head and (not outlet or tail.strip().lower() == outlet.lower() or len(tail.split()) <= 4):
            return head.strip()
    return title


# --- 3. pre-cleaning -----------------------------------------------------------------------

_DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "svg", "canvas", "object", "embed",
              "form", "button", "input", "select", "textarea", "nav", "aside", "footer", "dialog",
              "figure", "figcaption", "picture", "video", "audio", "menu")
_DROP_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "dialog", "alertdialog",
               "menu", "menubar", "toolbar"}
# Words in class/id that name page furniture, in English and Spanish. Single tokens and
# two-token joins ("most-read" -> "mostread", "lee-tambien" -> "leetambien") are both tried.
_BOILERPLATE_WORDS = frozenset(
    """
    related relatedposts relatedarticles relacionadas relacionados relacionada relacionado
    recommended recommendations recomendados recomendadas trending popular mostread mostpopular
    masleidas masleidos masvistos lomas leetambien tambien readmore readnext readalso morestories
    outbrain taboola newsletter newsletters boletin boletines subscribe subscription suscripcion
    suscribete signup paywall registration share sharing sharebar sharetools social compartir redes
    ad ads adsbygoogle advert adverts advertisement advertising adslot adunit publi publicidad
    anuncio anuncios sponsored sponsor patrocinado promo promoted promotion cookie cookies consent
    gdpr breadcrumb breadcrumbs migas sidebar widget comments comentarios tags etiquetas authorbox
    authorbio bio toolbar modal popup overlay banner skip
    """.split()
)
# Bylines and date lines: dropped from the text only after the page's <time> has been read.
_BYLINE_WORDS = frozenset("byline firma autor author authors dateline entrymeta postmeta articlemeta storymeta".split())
_MIN_STORY_CHARS = 150
_INLINE_TAGS = frozenset({"a", "span", "b", "strong", "em", "i", "u", "time", "abbr", "sup", "sub", "mark",
                          "small", "code", "cite", "q", "label", "br", "img"})
_PROTECTED_TAGS = frozenset({"html", "body", "main", "article"})
# Headings of boxes that list other stories or sell something, matched against the whole
# heading. Kept tight: a short real paragraph ("Boletín Oficial del Estado publicó la ley")
# must not match.
_BOILERPLATE_HEADING = re.compile(
    r"""^(?:
        related(?:\s+(?:coverage|stories|articles|content|news|reading|links|posts))?
      | see\s+also | also\s+read | read\s+(?:more|also|next)
      | more\s+(?:stories|news|coverage|(?:from|on)\s+(?:[\w&'’.-]+\s*){1,4})
      | trending(?:\s+(?:now|stories|news))? | (?:most|top)\s+(?:read|popular|viewed|shared)(?:\s+(?:stories|articles|news))?
      | popular(?:\s+(?:now|stories))? | (?:you|we\s+think\s+you)\s+(?:may|might)\s+(?:also\s+)?like
      | recommended(?:\s+(?:for\s+you|reading|stories))? | editor[’']?s\s+picks | don[’']?t\s+miss
      | (?:sign\s+up|subscribe)(?:\s+(?:now|today|for\s+free|to\s+(?:our|the)\s+(?:\w+\s+){0,2}newsletter|for\s+(?:our|the)\s+(?:\w+\s+){0,2}newsletter))?
      | (?:our|the)\s+(?:\w+\s+){0,2}newsletters? | newsletters?
      | advertisement | sponsored(?:\s+content)? | story\s+continues\s+below(?:\s+advertisement)?
      | lee\s+tambi[eé]n | lea\s+tambi[eé]n | leer\s+m[aá]s | (?:tambi[eé]n\s+)?(?:te|le)\s+puede\s+interesar
      | (?:te|le)\s+recomendamos | noticias\s+relacionadas | relacionad[oa]s | otras\s+noticias
      | m[aá]s\s+noticias | lo\s+m[aá]s\s+(?:le[ií]do|visto|compartido) | m[aá]s\s+(?:le[ií]d[oa]s|vist[oa]s)
      | suscr[ií]bete(?:\s+(?:ahora|gratis|a\s+(?:nuestro|el)\s+bolet[ií]n(?:\s+\w+){0,2}))?
      | (?:(?:nuestro|el)\s+)?bolet[ií]n(?:\s+(?:diario|semanal|de\s+(?:[\w&'’.-]+\s*){1,4}))?
      | publicidad | anuncio | contenido\s+patrocinado
    )\s*[:.»›>\-–—]*$""",
    re.IGNORECASE | re.VERBOSE,
)
_HEADING_TAGS = ("h2", "h3", "h4", "h5", "h6", "strong", "b")
_MAX_HEADING_CHARS = 60  # for h2-h6/strong/b; a bare p/div/span must be a label, not a sentence
_MAX_LABEL_CHARS = 40


def _class_words(tag: Tag) -> set[str]:
    raw = " ".join(tag.get("class") or []) + " " + (tag.get("id") or "")
    raw = re.sub(r"([a-z])([A-Z])", r"\1 \2", raw)  # camelCase -> camel Case
    tokens = re.findall(r"[a-z0-9]+", raw.lower())
    return set(tokens) | {a + b for a, b in zip(tokens, tokens[1:])}


def _gone(tag: Tag) -> bool:
    """Whether ``tag`` was decomposed. (bs4's ``Tag.decomposed`` falls back to a subtree search
    for a child named "_decomposed" on live tags, which made cleaning quadratic.)"""
    return bool(tag.__dict__.get("_decomposed"))


def _paragraph_chars(tag: Tag) -> int:
    return sum(len(p.get_text(strip=True)) for p in tag.find_all("p"))


class _Cleaner:
    """Removes page furniture from a soup in place, never the box that holds most of the story."""

    def __init__(self, soup: BeautifulSoup):
        self.soup = soup
        self.total = max(_paragraph_chars(soup), 1)

    def is_protected(self, tag: Tag) -> bool:
        # A box holding half the page's paragraph text is the story (or wraps it), whatever
        # its class says ("single-post has-share-bar"); a page with almost no text has no story
        # to protect (a cookie notice is not one).
        if tag.name in _PROTECTED_TAGS or tag.get("itemprop") == "articleBody":
            return True
        chars = _paragraph_chars(tag)
        return chars >= _MIN_STORY_CHARS and chars * 2 >= self.total

    def drop(self, tag: Tag) -> None:
        if _gone(tag) or self.is_protected(tag):
            return
        tag.decompose()

    def run(self) -> None:
        for tag in self.soup.find_all(("script", "style", "noscript", "template")):
            tag.decompose()
        self.drop_signup_boxes()
        for tag in self.soup.find_all(_DROP_TAGS):
            self.drop(tag)
        for tag in self.soup.find_all(True):
            if _gone(tag):
                continue
            role = (tag.get("role") or "").lower()
            style = (tag.get("style") or "").replace(" ", "").lower()
            hidden = tag.has_attr("hidden") or tag.get("aria-hidden") == "true" or "display:none" in style
            boxy = tag.name not in _INLINE_TAGS and _class_words(tag) & _BOILERPLATE_WORDS
            if role in _DROP_ROLES or hidden or boxy:
                self.drop(tag)
        self.drop_boxes_by_heading()

    def drop_bylines(self) -> None:
        for tag in self.soup.find_all(True):
            if not _gone(tag) and tag.name not in _INLINE_TAGS and _class_words(tag) & _BYLINE_WORDS:
                self.drop(tag)

    def drop_signup_boxes(self) -> None:
        """A form asking for an e-mail address sits in a newsletter or paywall box: drop the box
        (its pitch text too), unless the box is the story itself."""
        for form in self.soup.find_all("form"):
            if _gone(form) or not form.find("input", attrs={"type": re.compile("^email$", re.I)}):
                continue
            box = form.parent
            pitch = len(box.get_text(" ", strip=True)) - len(form.get_text(" ", strip=True)) if box else 0
            if box is not None and pitch < 400 and not self.is_protected(box):
                box.decompose()

    def drop_boxes_by_heading(self) -> None:
        for heading in self.soup.find_all(_HEADING_TAGS + ("p", "div", "span")):
            if _gone(heading):
                continue
            text = heading.get_text(" ", strip=True)
            limit = _MAX_HEADING_CHARS if heading.name in _HEADING_TAGS else _MAX_LABEL_CHARS
            if not text or len(text) > limit or not _BOILERPLATE_HEADING.match(text):
                continue
            box = heading.parent
            # A wrapper holding nothing but the heading (<header><h2>Related</h2></header>):
            # the box is the wrapper's parent.
            while (box is not None and box.parent is not None and box.name not in _PROTECTED_TAGS
                   and box.get_text(" ", strip=True) == text and not self.is_protected(box.parent)):
                box = box.parent
            if box is None or box.name in _PROTECTED_TAGS or self.is_protected(box):
                self.drop_heading_and_list(heading)
            elif box.name in ("p", "li") and not _mostly_links(box, minus=text):
                heading.decompose()  # "Read more:" opening a real paragraph: keep the paragraph
            else:
                box.decompose()

    def drop_heading_and_list(self, heading: Tag) -> None:
        """A heading inside the story box: drop it and the link lists right after it."""
        for sibling in list(heading.find_next_siblings()):
            if sibling.name in ("ul", "ol") or _mostly_links(sibling):
                sibling.decompose()
            else:
                break
        heading.decompose()


def _mostly_links(tag: Tag, minus: str = "") -> bool:
    text = len(tag.get_text(" ", strip=True)) - len(minus)
    linked = sum(len(a.get_text(" ", strip=True)) for a in tag.find_all("a"))
    return text <= 0 or linked >= 0.6 * text


# --- 4. main text --------------------------------------------------------------------------

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


def _densest_block(soup: BeautifulSoup) -> list[str]:
    """Last resort: the direct <p> children of the element that has the most of them."""
    best: list[str] = []
    best_chars = 0
    for box in soup.find_all(True):
        texts = [p.get_text(" ", strip=True) for p in box.find_all("p", recursive=False)]
        chars = sum(len(t) for t in texts)
        if chars > best_chars:
            best, best_chars = [t for t in texts if t], chars
    return _paragraphs("\n".join(best))


def _main_text(soup: BeautifulSoup, url: str, title: str) -> str:
    page = str(soup)
    paragraphs = _trafilatura(page, url, precision=True) or _trafilatura(page, url, precision=False)
    if not paragraphs:
        paragraphs = _densest_block(soup)
    if paragraphs and title and paragraphs[0].strip().lower() == title.strip().lower():
        paragraphs = paragraphs[1:]  # the headline is the title, not the first paragraph
    return "\n\n".join(paragraphs)


def _guess_language(text: str) -> str | None:
    try:
        from extractors.language import detect_language  # written by another part of the team
    except ImportError:
        return None
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
    soup = BeautifulSoup(decode_html(content, content_type), "lxml")
    ld = _json_ld_article(soup)
    outlet = ld.get("publisher") or _meta(soup, "og:site_name") or _meta(soup, "application-name") or None
    description = _meta(soup, "og:description") or _meta(soup, "description") or ld.get("description", "")
    html_tag = soup.find("html")
    page_language = (
        normalize_language(ld.get("language"))
        or normalize_language(_meta(soup, "og:locale"))
        or normalize_language(html_tag.get("lang") if html_tag else None)
        or normalize_language(_meta(soup, "content-language", "language", "dc.language"))
    )
    published_at = parse_datetime(ld.get("date")) or next(
        filter(None, (parse_datetime(_meta(soup, key)) for key in _DATE_META)), None
    )
    page_url = _canonical(soup, url)
    title_tag_title = _title_from_title_tag(soup, outlet)

    cleaner = _Cleaner(soup)
    cleaner.run()
    h1 = soup.find("h1")
    title = (ld.get("headline") or _meta(soup, "og:title") or (_clean(h1.get_text(" ")) if h1 else "")
             or title_tag_title or (entry.title if entry else ""))
    published_at = published_at or _first_time_element(soup) or (entry.published_at if entry else None)
    cleaner.drop_bylines()

    text = _main_text(soup, url, title)
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
