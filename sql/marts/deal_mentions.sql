-- materialized: view
-- key: mention_id
-- Every deal as one article states it, with the article's date and URL.
with mentions as (
    select * from stg_deal_mentions
),

articles as (
    select article_id, url, published_at, language from stg_articles
)

select
    mentions.mention_id,
    mentions.article_id,
    md5(mentions.deal_type || '|' || mentions.payer || '|' || mentions.payee) as deal_id,
    mentions.deal_type,
    mentions.payer,
    mentions.payee,
    mentions.amount,
    mentions.currency,
    mentions.amount_usd,
    mentions.stake_pct,
    mentions.status,
    mentions.evidence,
    mentions.confidence,
    articles.url          as article_url,
    articles.published_at,
    articles.language,
    mentions.extracted_at
from mentions
join articles using (article_id)
