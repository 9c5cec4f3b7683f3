"""The pure per-article pipeline: page bytes -> article -> deal mentions."""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime

from extractors.articles import parse_article
from extractors.deals import extract_deals
from extractors.records import ExtractedArticle, FeedEntry
from extractors.urls import canonical_url

logger = logging.getLogger(__name__)


def extract_article(content: bytes, entry: FeedEntry, fetched_at: datetime,
                    content_type: str | None = None) -> ExtractedArticle:
    """Parse one fetched page and find its deals. Raises ArticleError when the page has no text.

    The article is stored under the canonical form of the feed's link, the
    key the next run checks before fetching, so a page is fetched once even
    when its own <link rel=canonical> says otherwise.
    """
    url = canonical_url(entry.link)
    page = parse_article(content, url, content_type=content_type, entry=entry)
    page = dataclasses.replace(page, url=url)
    mentions = extract_deals(page.text, title=page.title, language=page.language,
                             published_at=page.published_at)
    return ExtractedArticle(article=page, feed_url=entry.feed_url, feed_guid=entry.guid,
                            fetched_at=fetched_at, mentions=tuple(mentions))
