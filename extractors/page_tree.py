"""One lxml tree per article page, read the way BeautifulSoup (over lxml) read it.

The page used to be parsed twice, by BeautifulSoup for metadata and cleaning and by
trafilatura for the text, and BeautifulSoup's tree costs ten times lxml's. The same
libxml2 parser, fed the same way, builds the same tree; what BeautifulSoup added on top
is kept here so every rule reads what it read:

* text: strings inside script/style/template/rt/rp belong to those tags only, comments
  are no text, and each string is stripped on its own (``text_of``);
* removal leaves the strings before and after the removed tag apart (the emptied tag holds
  the place until the page is written out, so "foo" and "bar" around a dropped box stay two
  strings, not "foobar");
* the page handed to trafilatura is serialized as BeautifulSoup did it: whitespace-only
  strings folded to one space or newline, multi-valued attributes single-spaced, what came
  before ``<html>`` in its order. (Attribute order and the escaping of URL attributes
  differ; trafilatura's text never reads them.)
"""

from __future__ import annotations

import logging
import re

from lxml import etree
from lxml.etree import _Element as Element

logger = logging.getLogger(__name__)

# BeautifulSoup's string containers: their strings are their own, not their ancestors' text.
_STRING_CONTAINERS = ("script", "style", "template", "rt", "rp")
_CONTAINER_SET = frozenset(_STRING_CONTAINERS)
_WHITESPACE_KEPT_IN = ("pre", "textarea")
_ASCII_SPACES = "\x20\x0a\x09\x0c\x0d"
# What a removed tag becomes: no HTML parser makes an element of that name.
REMOVED = "removed-by-dealwatch"
# Characters lxml refuses in a string it is given, and trafilatura strips from a page before parsing it.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_DOCTYPE = re.compile(r"<!doctype", re.IGNORECASE)
_NODE_OPENING = re.compile(r"<!--|<\?")  # a comment, or what the parser makes one of ("<?xml ...?>")
# Attributes BeautifulSoup splits into word lists (and writes back single-spaced), by tag.
_LIST_ATTRIBUTES = {"*": ("class", "accesskey", "dropzone"), "a": ("rel", "rev"), "link": ("rel", "rev"),
                    "td": ("headers",), "th": ("headers",), "form": ("accept-charset",), "object": ("archive",),
                    "area": ("rel",), "icon": ("sizes",), "iframe": ("sandbox",), "output": ("for",)}


def parse_html(text: str) -> Element:
    """The page's root element, parsed as BeautifulSoup's lxml builder parses it (the whole
    string fed to libxml2's HTML parser, no doctype invented, comments kept)."""
    if text.startswith("\ufeff"):
        text = text[1:]  # as BeautifulSoup does (lxml bug 1948551)
    # etree.HTMLParser, not lxml.html's: its element class lookup runs Python code for every element touched
    parser = etree.HTMLParser(recover=True, strip_cdata=False, default_doctype=False)
    parser.feed(text)
    return parser.close()


def is_element(node) -> bool:
    """An element, not a comment or processing instruction (whose ``tag`` is a function)."""
    return isinstance(node.tag, str)


def _container_around(el: Element) -> str | None:
    """The name of the innermost string container holding ``el``'s own strings, if any."""
    if el.tag in _CONTAINER_SET:
        return el.tag
    holder = next(el.iterancestors(*_STRING_CONTAINERS), None)
    return holder.tag if holder is not None else None


def _strings(el: Element, as_parsed: bool = False) -> list[str]:
    """``el``'s strings in document order, as ``Tag.get_text`` picks them. ``as_parsed``: each
    whitespace-only string folded as BeautifulSoup folded it while parsing (see :func:`_folded`)."""
    plain = el.tag not in _CONTAINER_SET and next(el.iterdescendants(*_STRING_CONTAINERS), None) is None
    if plain and next(el.iterancestors(*_STRING_CONTAINERS), None) is not None:
        return []  # inside a container: a container's strings are its own
    if plain and (not as_parsed or _in_pre(el)):
        return list(el.itertext())  # no container in sight: every string counts (comments never do)
    if plain and next(el.iterdescendants(*_WHITESPACE_KEPT_IN), None) is None:
        return [_folded(s) or s for s in el.itertext()]
    wanted = el.tag if el.tag in _CONTAINER_SET else None
    found: list[str] = []

    def add(text: str, keep_spaces: bool) -> None:
        found.append(text if keep_spaces or not as_parsed else _folded(text) or text)

    def walk(node: Element, context: str | None, keep_spaces: bool) -> None:
        if node.text and context == wanted:
            add(node.text, keep_spaces)
        for child in node:
            if is_element(child):
                walk(child, child.tag if child.tag in _CONTAINER_SET else context,
                     keep_spaces or child.tag in _WHITESPACE_KEPT_IN)
            if child.tail and context == wanted:
                add(child.tail, keep_spaces)

    walk(el, _container_around(el), _in_pre(el))
    return found


def text_of(el: Element, separator: str = "", strip: bool = False) -> str:
    """``Tag.get_text(separator, strip)`` of BeautifulSoup: each string stripped on its own, or,
    unstripped, whitespace-only strings as BeautifulSoup kept them (one space or newline)."""
    if strip:
        return separator.join(s for s in (s.strip() for s in _strings(el)) if s)
    return separator.join(_strings(el, as_parsed=True))


def class_string(el: Element) -> str:
    """The class attribute as BeautifulSoup gave it back: its words joined by single spaces."""
    value = el.get("class")
    return " ".join(value.split()) if value else ""


def is_gone(el: Element, root: Element) -> bool:
    """Whether ``el`` was removed, itself or with a box around it."""
    if el.tag == REMOVED:
        return True
    top = el
    parent = el.getparent()
    while parent is not None:
        top, parent = parent, parent.getparent()
    return top is not root


def remove(el: Element) -> None:
    """Take ``el`` and everything in it out of the page. The tag itself stays, emptied and renamed,
    until :func:`to_html`: its tail stays a string of its own (a string cannot be moved: lxml
    refuses control characters that pages do hold)."""
    if el.getparent() is None:
        return
    el.clear(keep_tail=True)
    el.tag = REMOVED


def live_siblings_after(el: Element) -> list[Element]:
    """The elements after ``el`` under its parent, as ``find_next_siblings()`` gave them."""
    return [s for s in el.itersiblings() if is_element(s) and s.tag != REMOVED]


def _in_pre(el: Element) -> bool:
    return el.tag in _WHITESPACE_KEPT_IN or next(el.iterancestors(*_WHITESPACE_KEPT_IN), None) is not None


def _folded(text: str) -> str | None:
    """What BeautifulSoup made of a whitespace-only string (one newline or one space), or None
    when it left the string as it was."""
    if text.strip(_ASCII_SPACES) or text in ("\n", " "):
        return None
    return "\n" if "\n" in text else " "


def _set_list_attribute(el: Element, name: str, value: str) -> None:
    words = " ".join(value.split())
    if words != value:
        # trafilatura would strip the characters lxml refuses from the written page anyway
        el.set(name, _NOT_XML.sub("", words))


def _prologue(root: Element, source: str) -> str:
    """What comes before ``<html>`` as BeautifulSoup wrote it: the comments before the doctype in
    the source, the doctype, the rest (lxml writes the doctype first). trafilatura reads the first
    characters of the page to decide how to parse it."""
    nodes = [etree.tostring(n, encoding="unicode", method="html", with_tail=False)
             for n in reversed(list(root.itersiblings(preceding=True)))]
    doctype = root.getroottree().docinfo.doctype
    if not doctype:
        return "".join(nodes)
    found = _DOCTYPE.search(source)
    first = min(len(_NODE_OPENING.findall(source, 0, found.start())), len(nodes)) if found else 0
    return "".join(nodes[:first]) + doctype + "\n" + "".join(nodes[first:])


def to_html(root: Element, source: str) -> str:
    """The page as ``str(soup)`` wrote it, for trafilatura: whitespace-only strings folded as
    BeautifulSoup folded them while parsing, list attributes single-spaced, removed tags gone
    (their tails joined to the text before them). ``source``: the text the page was parsed from.
    Changes the tree."""
    for el in root.iter():
        if is_element(el):
            if el.text and (folded := _folded(el.text)) is not None and not _in_pre(el):
                el.text = folded
            for name in _LIST_ATTRIBUTES["*"] + _LIST_ATTRIBUTES.get(el.tag, ()):
                value = el.get(name)
                if value:
                    _set_list_attribute(el, name, value)
        if el.tail and (folded := _folded(el.tail)) is not None:
            parent = el.getparent()
            if parent is not None and not _in_pre(parent):
                el.tail = folded
    etree.strip_elements(root, REMOVED, with_tail=False)
    return _prologue(root, source) + etree.tostring(root, encoding="unicode", method="html", with_tail=False)
