"""robots.txt as RFC 9309 reads it: which pages of a site dealwatch may fetch.

Written here rather than taken from ``urllib.robotparser``, which falls short of the RFC: it
matches the first rule instead of the longest, knows neither ``*`` nor ``$``, reads only the
first group naming a crawler, and fetches robots.txt itself with no timeout or address guard.

The fetching is the caller's (``extractors.http`` passes a function that goes through the same
guarded ``Fetcher``); this module turns an answer into rules and keeps one answer per site.
What an answer means (RFC 9309 section 2.3.1):

- 2xx: the file's rules;
- 4xx ("unavailable"): no rules, everything allowed; 429 is read as "unreachable" instead, since
  a site asking us to slow down should not be crawled harder;
- 5xx, a network error or a refused address ("unreachable"): everything disallowed.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import quote, urlsplit

from extractors.records import FetchLogEntry
from extractors.urls import origin

logger = logging.getLogger(__name__)

# The RFC asks crawlers to read at least the first 500 KiB of a robots.txt.
ROBOTS_MAX_BYTES = 512 * 1024

_LINE = re.compile(r"^\s*([A-Za-z-]+)\s*:\s*(.*?)\s*$")
_PRODUCT_TOKEN = re.compile(r"[A-Za-z_-]+")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_PERCENT = re.compile(r"%([0-9A-Fa-f]{2})")


@dataclass(frozen=True)
class RobotsAnswer:
    """What came back for one robots.txt: status None when no HTTP answer arrived."""

    url: str
    status: int | None
    body: bytes = b""
    ms: int | None = None
    error: str | None = None


class Verdict(NamedTuple):
    allowed: bool
    why: str
    temporary: bool = False  # robots.txt was unreachable: the next run may be allowed


@dataclass(frozen=True)
class Rule:
    pattern: str  # normalised path pattern, may hold * and a final $
    allow: bool

    def matches(self, path: str) -> bool:
        return _compile(self.pattern).match(path) is not None


@dataclass(frozen=True)
class RobotsRules:
    """The rules of one site that apply to one crawler, or a blanket answer."""

    rules: tuple[Rule, ...] = ()
    blanket: bool | None = None  # True: allow all; False: disallow all; None: use the rules
    source: str = ""  # how the answer came about, for the log and the skip reason

    def allows(self, url: str) -> Verdict:
        """Whether (and why) an absolute URL of this site may be fetched."""
        parts = urlsplit(url)
        if parts.path == "/robots.txt":
            return Verdict(True, "robots.txt itself is always allowed")
        if self.blanket is not None:
            return Verdict(self.blanket, self.source, temporary=not self.blanket)
        path = _normalise((parts.path or "/") + (f"?{parts.query}" if parts.query else ""))
        best: Rule | None = None
        for rule in self.rules:
            if not rule.matches(path):
                continue
            # The longest pattern wins; on a tie, allow wins (RFC 9309 section 2.2.2).
            if best is None or len(rule.pattern) > len(best.pattern) or (
                    len(rule.pattern) == len(best.pattern) and rule.allow and not best.allow):
                best = rule
        if best is None:
            return Verdict(True, f"{self.source}: no rule matches")
        return Verdict(best.allow, f"{self.source}: {'Allow' if best.allow else 'Disallow'}: {best.pattern}")


def product_token(user_agent: str) -> str:
    """The crawler's name robots.txt groups are matched against: "dealwatch/0.1 (+url)" -> "dealwatch"."""
    match = _PRODUCT_TOKEN.match(user_agent.strip())
    return match.group(0).lower() if match else ""


def robots_url(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}/robots.txt"


def _normalise(path: str) -> str:
    """One spelling of a path or pattern for comparison: non-ASCII percent-encoded, %XX of an
    unreserved character decoded, other %XX upper-cased (RFC 9309 section 2.2.2)."""

    def decode_unreserved(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        return char if char in _UNRESERVED else "%" + match.group(1).upper()

    encoded = quote(path, safe="/?=&;:@!$'()*+,%~-._")
    return _PERCENT.sub(decode_unreserved, encoded)


_compiled: dict[str, re.Pattern[str]] = {}


def _compile(pattern: str) -> re.Pattern[str]:
    """``*`` is any run of characters, a final ``$`` anchors the end; the rest is literal."""
    regex = _compiled.get(pattern)
    if regex is None:
        anchored = pattern.endswith("$")
        body = pattern[:-1] if anchored else pattern
        regex = re.compile(".*".join(re.escape(part) for part in body.split("*")) + (r"\Z" if anchored else ""))
        _compiled[pattern] = regex
    return regex


def parse_robots(text: str, token: str) -> tuple[Rule, ...]:
    """The rules of ``text`` for the crawler named ``token``: every group naming it, else every
    ``*`` group, merged (RFC 9309 section 2.2.1). Lines it does not know are skipped."""
    groups: list[tuple[list[str], list[Rule]]] = []
    agents: list[str] = []
    rules: list[Rule] = []
    for raw in text.splitlines():
        match = _LINE.match(raw.split("#", 1)[0])
        if not match:
            continue
        key, value = match.group(1).lower(), match.group(2)
        if key == "user-agent":
            if rules:  # a user-agent line after rules starts the next group
                groups.append((agents, rules))
                agents, rules = [], []
            agents.append("*" if value == "*" else product_token(value))
        elif key in ("allow", "disallow") and agents and value:
            rules.append(Rule(_normalise(value), allow=key == "allow"))
    if agents:
        groups.append((agents, rules))
    named = [group for names, group in groups if token and token in names]
    if not named:
        named = [group for names, group in groups if "*" in names]
    return tuple(rule for group in named for rule in group)


def rules_from_answer(answer: RobotsAnswer, token: str) -> RobotsRules:
    """What a robots.txt answer means for the crawler ``token`` (see the module docstring)."""
    status = answer.status
    if status is not None and 200 <= status < 300:
        text = answer.body.decode("utf-8", errors="replace").lstrip("\ufeff")
        rules = parse_robots(text, token)
        return RobotsRules(rules=rules, source=f"{answer.url}")
    if status is not None and 300 <= status < 500 and status != 429:
        return RobotsRules(blanket=True, source=f"{answer.url} answered HTTP {status}, so every page is allowed")
    cause = f"HTTP {status}" if status is not None else (answer.error or "no answer")
    return RobotsRules(blanket=False, source=f"{answer.url} is unreachable ({cause}), so every page is "
                                             "disallowed for this run")


class RobotsCache:
    """One robots.txt answer per site for the life of the cache (one run), shared by threads.

    ``fetch`` gets a robots.txt URL and returns a :class:`RobotsAnswer`; it is called once per
    site even when many threads ask at the same moment.
    """

    def __init__(self, user_agent: str, fetch: Callable[[str], RobotsAnswer]):
        self.token = product_token(user_agent)
        self._fetch = fetch
        self._lock = threading.Lock()
        self._sites: dict[str, RobotsRules] = {}
        self._site_locks: dict[str, threading.Lock] = {}
        self._log: list[FetchLogEntry] = []

    def allows(self, url: str) -> Verdict:
        """Whether (and why) ``url`` may be fetched, reading its site's robots.txt the first time."""
        return self._rules(origin(url), url).allows(url)

    def log(self) -> list[FetchLogEntry]:
        """One fetch-log line per robots.txt fetched so far."""
        with self._lock:
            return list(self._log)

    def _rules(self, site: str, url: str) -> RobotsRules:
        with self._lock:
            site_lock = self._site_locks.setdefault(site, threading.Lock())
        with site_lock:
            if site not in self._sites:
                answer = self._fetch(robots_url(url))
                rules = rules_from_answer(answer, self.token)
                logger.info("robots.txt of %s: %s", site, _describe(rules))
                with self._lock:
                    self._sites[site] = rules
                    self._log.append(FetchLogEntry(
                        answer.url, "robots", answer.status, len(answer.body) if answer.status else None,
                        answer.ms, None if rules.blanket is not False else rules.source))
            return self._sites[site]


def _describe(rules: RobotsRules) -> str:
    if rules.blanket is not None:
        return rules.source
    return f"{len(rules.rules)} rule(s) apply to us"
