-- materialized: view
-- key: article_id
-- The articles users query.
with articles as (
    select * from stg_articles
)

select
    article_id,
    url,
    feed_url,
    outlet,
    title,
    published_at,
    language,
    text,
    content_hash,
    fetched_at
from articles
