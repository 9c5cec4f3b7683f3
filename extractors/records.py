"""Plain records passed between stages. No database handles, no Prefect."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

DEAL_TYPES = ("investment", "chip_supply", "cloud_contract")
STATUSES = ("rumored", "announced", "completed")


@dataclass(frozen=True)
class FetchResult:
    """What came back for one URL. ``content`` is the raw body bytes."""

    url: str  # the URL asked for
    final_url: str  # after redirects
    status: int
    content: bytes
    headers: dict[str, str] = field(default_factory=dict)
    elapsed_ms: int = 0

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type") or self.headers.get("Content-Type")

    @property
    def not_modified(self) -> bool:
        """The server answered a conditional request with 304: the body we have is current."""
        return self.status == 304

    @property
    def validators(self) -> "CacheValidators":
        """What to send back next time so an unchanged body costs a 304."""
        return CacheValidators(etag=self.headers.get("etag") or None,
                               last_modified=self.headers.get("last-modified") or None)


@dataclass(frozen=True)
class CacheValidators:
    """A server's names for one version of a URL's body (RFC 9110 section 8.8)."""

    etag: str | None = None
    last_modified: str | None = None

    def request_headers(self) -> dict[str, str]:
        """The conditional headers of a GET that only wants a body that changed."""
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


@dataclass(frozen=True)
class FeedEntry:
    """One item of a feed."""

    feed_url: str
    link: str  # absolute URL of the article page
    guid: str  # guid/id, or the link when the feed gives none
    title: str = ""
    summary: str = ""  # plain text
    published_at: datetime | None = None  # timezone-aware UTC
    language: str | None = None  # from the feed, if any


@dataclass(frozen=True)
class Feed:
    url: str
    title: str = ""
    language: str | None = None
    entries: tuple[FeedEntry, ...] = ()
    problem: str | None = None  # set when the feed was malformed and only part of it was usable


@dataclass(frozen=True)
class ArticleContent:
    """What an article page says, boilerplate removed."""

    url: str  # canonical URL of the page
    title: str
    text: str  # main text only: paragraphs separated by blank lines
    published_at: datetime | None  # timezone-aware UTC
    language: str | None  # ISO 639-1 ("en", "es")
    outlet: str | None = None  # site name (og:site_name / publisher)
    description: str = ""


@dataclass(frozen=True)
class DealMention:
    """One deal as one article states it. Money flows payer -> payee."""

    deal_type: str  # one of DEAL_TYPES
    payer: str  # canonical company name
    payee: str  # canonical company name
    status: str  # one of STATUSES
    evidence: str  # the sentence (or headline) that states it
    amount: float | None = None
    currency: str | None = None  # ISO 4217
    amount_usd: float | None = None
    stake_pct: float | None = None
    confidence: float = 1.0


@dataclass(frozen=True)
class ExtractedArticle:
    """One article page after the whole pure pipeline: page -> text -> deals."""

    article: ArticleContent
    feed_url: str
    feed_guid: str
    fetched_at: datetime  # timezone-aware UTC
    mentions: tuple[DealMention, ...] = ()


@dataclass(frozen=True)
class FetchLogEntry:
    """What happened to one URL in a run; kept so a user can see why something was missed."""

    url: str
    kind: str  # "feed" or "article"
    status: int | None
    bytes: int | None
    ms: int | None
    error: str | None = None
