"""Raw rows for the ``--models-only`` bench, made by DuckDB itself (``range``), so a
million deal mentions take a second or two to load rather than minutes.

The rows have the shape the flow writes: articles over 8 outlets and 40
feeds in English and Spanish, several mentions per article, deals that recur
across many articles (120 payers, 150 payees, three deal types: about 54,000 deals; and one
mention in 50 between 12 "core" companies that all deal with each other, as the few giants of the
news do, which makes tens of thousands of loops for circular_deals),
amounts on three mentions in four, a stake on one in ten, all three statuses.
"""

from __future__ import annotations

import duckdb

from warehouse.db import scalar

_ARTICLES = """
insert into raw_articles
select md5('article-' || i::varchar)                              as article_id,
       'https://outlet' || (i % 8) || '.example/news/' || i || '.html' as url,
       'https://outlet' || (i % 8) || '.example/feeds/' || (i % 40) || '.xml' as feed_url,
       'guid-' || i                                                as feed_guid,
       'Outlet ' || (i % 8)                                        as outlet,
       'Headline of article ' || i                                 as title,
       timestamptz '2024-01-01 00:00:00+00' + to_minutes(i * 3)    as published_at,
       case when i % 3 = 0 then 'es' else 'en' end                 as language,
       'Body of article ' || i || '. ' || repeat('Filler sentence about data centers. ', 20) as text,
       md5('text-' || i::varchar)                                  as content_hash,
       timestamptz '2024-01-01 00:00:00+00' + to_minutes(i * 3 + 5) as fetched_at,
       'bench-run-' || (i // 5000)                                 as run_id
from range($first, $last) t(i)
"""

_MENTIONS = """
insert into raw_deal_mentions
select md5('mention-' || i::varchar)                                  as mention_id,
       md5('article-' || (i // $per)::bigint::varchar)                as article_id,
       (['investment', 'chip_supply', 'cloud_contract'])[i % 3 + 1]   as deal_type,
       case when i % 50 = 0 then 'Core ' || (hash(i) % 12)
            else 'Payer ' || (hash(i) % 120) end                    as payer,
       case when i % 50 = 0 then 'Core ' || (hash(i + 7919) % 12)
            else 'Payee ' || (hash(i + 7919) % 150) end             as payee,
       case when i % 4 = 0 then null else ((i % 997) + 1) * 1e7 end    as amount,
       case when i % 4 = 0 then null when i % 5 = 0 then 'EUR' else 'USD' end as currency,
       case when i % 4 = 0 then null else ((i % 997) + 1) * 1e7 * (case when i % 5 = 0 then 1.08 else 1 end) end as amount_usd,
       case when i % 10 = 0 then (i % 49) + 1 else null end            as stake_pct,
       (['rumored', 'announced', 'completed'])[(i // 7) % 3 + 1]       as status,
       'Payer ' || (hash(i) % 120) || ' agreed a deal with Payee ' || (hash(i + 7919) % 150)
           || ', the companies said in a statement on the matter.'     as evidence,
       0.5 + (i % 50) / 100.0                                          as confidence,
       timestamptz '2024-01-01 00:00:00+00' + to_minutes((i // $per)::bigint * 3 + 5) as extracted_at,
       'bench-run-' || ((i // $per)::bigint // 5000)                   as run_id
from range($first, $last) t(i)
"""


def _articles_for(mentions: int, per_article: float) -> int:
    return int(mentions / per_article) + 1


def fill_raw_tables(con: duckdb.DuckDBPyConnection, mentions: int, per_article: float = 2.5) -> int:
    """``mentions`` deal mentions over ``mentions / per_article`` articles; returns the article count."""
    articles = _articles_for(mentions, per_article)
    con.execute(_ARTICLES, {"first": 0, "last": articles})
    con.execute(_MENTIONS, {"first": 0, "last": mentions, "per": per_article})
    return scalar(con, "select count(*) from raw_articles")


def add_mentions(con: duckdb.DuckDBPyConnection, existing: int, extra: int, per_article: float = 2.5) -> None:
    """What one more run adds: ``extra`` mentions (and their new articles) after the first ``existing``."""
    first_article = _articles_for(existing, per_article)
    con.execute(_ARTICLES, {"first": first_article, "last": _articles_for(existing + extra, per_article)})
    con.execute(_MENTIONS, {"first": existing, "last": existing + extra, "per": per_article})
