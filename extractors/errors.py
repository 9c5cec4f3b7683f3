"""The small family of named exceptions dealwatch raises.

Library code raises these; only the CLI turns them into one-line messages.
``warehouse`` and ``flows`` subclass :class:`DealwatchError` for their own.
"""


class DealwatchError(Exception):
    """Base class of every error dealwatch reports to a user."""


class UsageError(DealwatchError):
    """The user asked for something impossible: a bad config, option or query."""


class FetchError(DealwatchError):
    """A URL could not be fetched (network error, bad status, too large, refused)."""

    def __init__(self, url: str, reason: str, status: int | None = None):
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.status = status


class ResponseTooLarge(FetchError):
    """The body went past the configured size cap while streaming."""


class FeedError(DealwatchError):
    """Bytes that were promised to be a feed could not be parsed as one."""

    def __init__(self, url: str, reason: str):
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


class ArticleError(DealwatchError):
    """An article page held no extractable text."""

    def __init__(self, url: str, reason: str):
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


class FetchSkipped(FetchError):
    """dealwatch chose not to fetch, or not to keep, a URL. Asking again gives the same answer,
    so a skip is not a failure to retry: a refused address, robots.txt, an unwanted content type."""


class UrlRefused(FetchSkipped):
    """The URL (or a redirect hop) is not one to fetch: not http(s), or an address dealwatch must not reach."""


class RobotsDisallowed(FetchSkipped):
    """The site's robots.txt does not let dealwatch fetch this URL."""


class UnwantedContentType(FetchSkipped):
    """The server answered with a media type that is neither a page nor a feed."""


class RobotsUnreachable(FetchError):
    """The site's robots.txt could not be read (5xx, 429, no answer), so RFC 9309 has every page
    treated as disallowed for now. Unlike a skip, the next run may get an answer."""
