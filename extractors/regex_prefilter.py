"""A cheap test that a regex cannot match a text, so the regex need not run.

Most of the deal patterns (the trigger rows, the round lists) find nothing in most sentences,
and Python's regex engine tries such a pattern at every position of the sentence: with a
hundred patterns that is most of the time deal extraction takes. Each pattern needs some
words to be there ("invest", " from ", "ronda"); ``str.__contains__`` looks for a word in a
few dozen nanoseconds. The words come from the pattern itself (its parse tree), never from a
hand-kept list, so the test stays right when a pattern changes.

The test is a necessary condition only: when it passes, the regex runs as before; when it
fails, the regex could not have matched. Case: the text and the words are folded alike, and
every character that ``re.IGNORECASE`` matches to a letter a word may hold folds to that letter
(checked over all of Unicode by the tests: only "İ", "ı" and "ſ" need help beyond ``lower()``).
"""

from __future__ import annotations

import logging
import re
import re._constants as sre  # the parse tree's opcodes (3.11+; sre_constants before)
import re._parser as sre_parse
from functools import lru_cache

logger = logging.getLogger(__name__)

# Characters a word may hold: what folding is proven for (see the module docstring).
WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789 áéíóúñüàèìòùçâêîôûäëïö-'’,.:;/&+%$€<>()\"!?=_#@")
# A pattern's literal character joins a word if it is one of those or its upper case.
_WORD_LITERALS = WORD_CHARS | {c.upper() for c in WORD_CHARS if len(c.upper()) == 1}
_FOLD = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s"})
_MIN_WORD = 3  # shorter words are in almost every sentence: no use as a test

Clause = frozenset[str]  # at least one of these words is in the text


def fold(text: str) -> str:
    """``text`` as the words are kept: lower case, and the letters IGNORECASE takes for others."""
    return text.translate(_FOLD).lower()


def _clauses(seq) -> list[Clause]:
    """What a match of the parsed sequence ``seq`` needs: every clause holds in the text."""
    clauses: list[Clause] = []
    run: list[str] = []

    def end_run() -> None:
        if len(run) >= _MIN_WORD:
            clauses.append(frozenset({"".join(run)}))
        run.clear()

    for op, av in seq:
        if op is sre.LITERAL and chr(av) in _WORD_LITERALS:
            run.append(chr(av).lower())
            continue
        end_run()
        if op is sre.SUBPATTERN:
            clauses += _clauses(av[3])
        elif op is sre.ATOMIC_GROUP:
            clauses += _clauses(av)
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT) and av[0] >= 1:
            clauses += _clauses(av[2])
        elif op is sre.BRANCH:
            # whichever alternative matched, one of its needs holds: their union is a need of the branch
            alternatives = [_clauses(alternative) for alternative in av[1]]
            if alternatives and all(alternatives):
                words = frozenset().union(*(min(a, key=_weakness) for a in alternatives))
                clauses.append(frozenset(w for w in words if not any(o != w and o in w for o in words)))
        # anything else (classes, any-character, lookarounds, anchors, optional parts) needs no word
    end_run()
    return clauses


def _weakness(clause: Clause) -> tuple[int, int]:
    """Longer words, then fewer: the clause least likely to hold by chance (" to ", "con" are in
    most sentences, "invest" in few)."""
    return -min(len(w.strip()) for w in clause), len(clause)


@lru_cache(maxsize=None)
def needs(pattern: re.Pattern[str]) -> tuple[Clause, ...]:
    """The clauses a match of ``pattern`` needs, most selective first; () when it needs no word."""
    try:
        parsed = sre_parse.parse(pattern.pattern, pattern.flags)
    except Exception:  # noqa: BLE001 - a pattern this cannot read is simply always run
        logger.debug("no prefilter for %r", pattern.pattern[:80])
        return ()
    found = set(_clauses(parsed))
    return tuple(sorted(found, key=lambda c: (_weakness(c), sorted(c))))


def may_match(pattern: re.Pattern[str], folded: str) -> bool:
    """False only when ``pattern`` cannot match the text whose :func:`fold` is ``folded``."""
    for clause in needs(pattern):
        if not any(word in folded for word in clause):
            return False
    return True


class Screen:
    """The patterns of one family (a language's trigger rows): which of them may match a text.

    A text is judged for the whole family at once, when its first pattern asks: one regex scan
    finds which of the words in the patterns' most selective clauses the text holds, and only
    the patterns with one of them there are asked about their other clauses.
    """

    def __init__(self) -> None:
        self._patterns: list[re.Pattern[str]] = []
        self._index: _WordIndex | None = None  # built on first use, after the family is complete
        self._last: tuple[str | None, list[bool]] = (None, [])

    def add(self, pattern: re.Pattern[str]) -> ScreenedPattern:
        """``pattern``, screened with this family."""
        self._patterns.append(pattern)
        self._index, self._last = None, (None, [])
        return ScreenedPattern(pattern, self, len(self._patterns) - 1)

    def verdicts(self, text: str) -> list[bool]:
        """For each pattern of the family, by number: False only when it cannot match ``text``."""
        last = self._last  # one tuple, replaced whole: safe when threads share the screen
        if last[0] is text:
            return last[1]
        index = self._index or self._build()
        folded = fold(text)
        verdicts = list(index.open)
        asked: set[int] = set()
        for found in index.finder.findall(folded):
            for word in index.prefixes[found]:
                asked.update(index.patterns_of[word])
        for number in asked:
            verdicts[number] = all(any(w in folded for w in clause) for clause in needs(self._patterns[number])[1:])
        self._last = (text, verdicts)
        return verdicts

    def _build(self) -> _WordIndex:
        self._index = _WordIndex(self._patterns)
        return self._index


class _WordIndex:
    """The words of a family's first clauses, and one regex that finds them all in a folded text."""

    def __init__(self, patterns: list[re.Pattern[str]]):
        self.patterns_of: dict[str, list[int]] = {}  # word -> the patterns whose first clause holds it
        for number, pattern in enumerate(patterns):
            for word in needs(pattern)[0] if needs(pattern) else ():
                self.patterns_of.setdefault(word, []).append(number)
        self.open = [not needs(p) for p in patterns]  # a pattern that needs no word always runs
        words = sorted(self.patterns_of, key=len, reverse=True)
        # At each position the scan reports the longest word starting there; the shorter words that
        # start there too are its prefixes.
        self.prefixes = {w: [v for v in words if w.startswith(v)] for w in words}
        groups: dict[str, list[str]] = {}
        for word in words:
            groups.setdefault(word[0], []).append(re.escape(word[1:]))
        alternation = "|".join(re.escape(first) + "(?:" + "|".join(rests) + ")" for first, rests in groups.items())
        self.finder = re.compile(f"(?=({alternation}))") if words else re.compile(r"(?!)")


class ScreenedPattern:
    """A compiled pattern whose ``finditer`` skips the text outright when its screen rules a match
    out. Everything else is the pattern's own."""

    __slots__ = ("_pattern", "_screen", "_number")

    def __init__(self, pattern: re.Pattern[str], screen: Screen, number: int):
        self._pattern, self._screen, self._number = pattern, screen, number

    def finditer(self, text: str, *args):
        last = self._screen._last  # the text judged last, asked by every pattern of the family in turn
        verdicts = last[1] if last[0] is text else self._screen.verdicts(text)
        if not verdicts[self._number]:
            return iter(())
        return self._pattern.finditer(text, *args)

    def __getattr__(self, name: str):
        if name.startswith("__") or name in self.__slots__:
            raise AttributeError(name)  # not delegated: copy and pickle probe these before _pattern exists
        return getattr(self._pattern, name)

    def __copy__(self) -> ScreenedPattern:
        return self  # immutable, like the pattern itself

    def __deepcopy__(self, memo: dict) -> ScreenedPattern:
        return self

    def __reduce__(self):
        return re.compile, (self._pattern.pattern, self._pattern.flags)  # unpickles as the bare pattern: same matches

    def __eq__(self, other: object) -> bool:
        inner = other._pattern if isinstance(other, ScreenedPattern) else other
        return self._pattern == inner

    def __hash__(self) -> int:
        return hash(self._pattern)

    def __repr__(self) -> str:
        return f"ScreenedPattern({self._pattern!r})"
