"""Removing page furniture before the main-text extractor runs.

Navigation, asides, footers, forms, cookie banners, share bars, ad slots,
newsletter and paywall boxes, related/trending/"Lee también" lists: judged by
tag, ARIA role, class/id words and box headings -- generic rules that hold
across outlets in English and Spanish, never per-site selectors.
"""

from __future__ import annotations

import re
from functools import lru_cache

from lxml import etree
from lxml.etree import _Element as Element

from extractors.page_tree import is_gone, live_siblings_after, remove, text_of


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


_CAMEL_CASE = re.compile(r"([a-z])([A-Z])")
_WORD = re.compile(r"[a-z0-9]+")
_EMAIL = re.compile("^email$", re.I)
# Only a tag with one of these attributes can be furniture by its attributes (a list, in document
# order, taken before anything is dropped).
_FURNITURE_CANDIDATES = etree.XPath("//*[@role or @style or @hidden or @aria-hidden or @class or @id]")
_NAMED_TAGS = etree.XPath("//*[@class or @id]")


@lru_cache(maxsize=4096)
def _words(classes: str | None, ident: str | None) -> frozenset[str]:
    raw = (" ".join(classes.split()) if classes else "") + " " + (ident or "")
    raw = _CAMEL_CASE.sub(r"\1 \2", raw)  # camelCase -> camel Case
    tokens = _WORD.findall(raw.lower())
    return frozenset(tokens) | {a + b for a, b in zip(tokens, tokens[1:])}


def _class_words(tag: Element) -> frozenset[str]:
    """The words of a tag's class and id (pages repeat the same few: read each pair once)."""
    classes, ident = tag.get("class"), tag.get("id")
    if not classes and not ident:
        return frozenset()
    return _words(classes, ident)


def _paragraph_chars(tag: Element) -> int:
    return sum(len(text_of(p, strip=True)) for p in tag.iterdescendants("p"))


class Cleaner:
    """Removes page furniture from a page's tree in place, never the box that holds most of the story.

    ``root`` is the page's root element (``page_tree.parse_html``); a removed tag leaves the tree.
    """

    def __init__(self, root: Element):
        self.root = root
        self.total = max(_paragraph_chars(root), 1)

    def is_protected(self, tag: Element) -> bool:
        # A box holding half the page's paragraph text is the story (or wraps it), whatever
        # its class says ("single-post has-share-bar"); a page with almost no text has no story
        # to protect (a cookie notice is not one).
        if tag.tag in _PROTECTED_TAGS or tag.get("itemprop") == "articleBody":
            return True
        chars = _paragraph_chars(tag)
        return chars >= _MIN_STORY_CHARS and chars * 2 >= self.total

    def gone(self, tag: Element) -> bool:
        return is_gone(tag, self.root)

    def drop(self, tag: Element) -> None:
        if self.gone(tag) or self.is_protected(tag):
            return
        remove(tag)

    def run(self) -> None:
        for tag in list(self.root.iter("script", "style", "noscript", "template")):
            remove(tag)
        self.drop_signup_boxes()
        for tag in list(self.root.iter(*_DROP_TAGS)):
            self.drop(tag)
        for tag in _FURNITURE_CANDIDATES(self.root):
            # The cheap tests first: drop() itself skips a tag that went with a box before it.
            role = (tag.get("role") or "").lower()
            style = (tag.get("style") or "").replace(" ", "").lower()
            hidden = tag.get("hidden") is not None or tag.get("aria-hidden") == "true" or "display:none" in style
            if role in _DROP_ROLES or hidden or (tag.tag not in _INLINE_TAGS and _class_words(tag) & _BOILERPLATE_WORDS):
                self.drop(tag)
        self.drop_boxes_by_heading()

    def drop_bylines(self) -> None:
        for tag in _NAMED_TAGS(self.root):
            if tag.tag not in _INLINE_TAGS and _class_words(tag) & _BYLINE_WORDS:
                self.drop(tag)

    def drop_signup_boxes(self) -> None:
        """A form asking for an e-mail address sits in a newsletter or paywall box: drop the box
        (its pitch text too), unless the box is the story itself."""
        for form in list(self.root.iter("form")):
            if self.gone(form) or not any(_EMAIL.search(i.get("type") or "") for i in form.iterdescendants("input")
                                          if i.get("type") is not None):
                continue
            box = form.getparent()
            pitch = len(text_of(box, " ", strip=True)) - len(text_of(form, " ", strip=True)) if box is not None else 0
            if box is not None and pitch < 400 and not self.is_protected(box):
                remove(box)

    def drop_boxes_by_heading(self) -> None:
        for heading in list(self.root.iter(*_HEADING_TAGS, "p", "div", "span")):
            if self.gone(heading):
                continue
            text = text_of(heading, " ", strip=True)
            limit = _MAX_HEADING_CHARS if heading.tag in _HEADING_TAGS else _MAX_LABEL_CHARS
            if not text or len(text) > limit or not _BOILERPLATE_HEADING.match(text):
                continue
            box = heading.getparent()
            # A wrapper holding nothing but the heading (<header><h2>Related</h2></header>):
            # the box is the wrapper's parent.
            while (box is not None and box.getparent() is not None and box.tag not in _PROTECTED_TAGS
                   and text_of(box, " ", strip=True) == text and not self.is_protected(box.getparent())):
                box = box.getparent()
            if box is None or box.tag in _PROTECTED_TAGS or self.is_protected(box):
                self.drop_heading_and_list(heading)
            elif box.tag in ("p", "li") and not _mostly_links(box, minus=text):
                remove(heading)  # "Read more:" opening a real paragraph: keep the paragraph
            else:
                remove(box)

    def drop_heading_and_list(self, heading: Element) -> None:
        """A heading inside the story box: drop it and the link lists right after it."""
        for sibling in live_siblings_after(heading):
            if sibling.tag in ("ul", "ol") or _mostly_links(sibling):
                remove(sibling)
            else:
                break
        remove(heading)


def _mostly_links(tag: Element, minus: str = "") -> bool:
    text = len(text_of(tag, " ", strip=True)) - len(minus)
    linked = sum(len(text_of(a, " ", strip=True)) for a in tag.iterdescendants("a"))
    return text <= 0 or linked >= 0.6 * text
