-- materialized: view
-- key: article_id
-- One row per stored article page: rename and cast only.
with source as (
    select * from raw_articles
),

renamed as (
    select
        article_id,
        url,
        feed_url,
        feed_guid,
        outlet,
        title,
        cast(published_at as timestamptz) as published_at,
        lower(language)                   as language,
        text,
        content_hash,
        cast(fetched_at as timestamptz)   as fetched_at,
        run_id
    from source
)

select * from renamed
