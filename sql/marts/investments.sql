-- materialized: view
-- key: deal_id
-- Deals of type investment, with payer and payee named for what they are.
with typed_deals as (
    select * from deals where deal_type = 'investment'
)

select
    deal_id,
    payer  as investor,
    payee  as investee,
    amount,
    currency,
    amount_usd,
    stake_pct,
    status,
    first_seen_at,
    last_seen_at,
    source_count,
    source_urls,
    amount_article_id,
    stake_article_id,
    status_article_id
from typed_deals
