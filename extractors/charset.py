"""Page bytes to text: BOM, the Content-Type charset, ``<meta charset>``, then detection.

Bytes go to the decoder, never a guess: a plain static server sends no charset,
and requests would then assume ISO-8859-1 for every page.

Two lies are common enough to undo: a single-byte label (ISO-8859-1, windows-1252) on bytes
that are valid UTF-8 with non-ASCII characters (text in a legacy encoding is almost never valid
UTF-8, so the bytes win), and a UTF-8 label on windows-1252 bytes (the label fails to decode and
detection decides).
"""

from __future__ import annotations

import codecs
import logging
import re

from charset_normalizer import from_bytes

logger = logging.getLogger(__name__)


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


# Codecs (as codecs.lookup names them) that map every byte to one character: a label naming
# one of these can be wrong without any decoding error to tell.
_SINGLE_BYTE = re.compile(r"^(?:cp12[5-9]\d|cp874|cp437|cp850|iso8859-\d+|latin-1|mac-[\w-]+|koi8-\w+)$")


def _utf8_in_disguise(content: bytes) -> bool:
    """Valid UTF-8 with at least one multi-byte character."""
    if content.isascii():
        return False
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _detect(content: bytes) -> str | None:
    """charset_normalizer's best reading; among equally clean readings windows-1252 wins, the
    WHATWG default for unlabelled Western pages (else ñ can come out as ń under cp1250)."""
    matches = list(from_bytes(content))
    if not matches:
        return None
    cleanest = min(match.chaos for match in matches)
    tied = [match for match in matches if match.chaos <= cleanest + 1e-9]
    for match in tied:
        if match.encoding == "cp1252":
            return str(match)
    return str(tied[0])


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
        if _SINGLE_BYTE.match(codec) and _utf8_in_disguise(content):
            logger.debug("page declares %s in its %s but its bytes are UTF-8", codec, source)
            return content.decode("utf-8")
        try:
            return content.decode(codec)
        except UnicodeDecodeError:
            logger.debug("page declares %s in its %s but does not decode as it", codec, source)
    detected = _detect(content)
    if detected is not None:
        return detected
    return content.decode("utf-8", errors="replace")
