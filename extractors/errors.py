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
