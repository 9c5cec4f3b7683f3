-- materialized: view
-- key: deal_id
-- Deals of type chip_supply, with payer and payee named for what they are.
with typed_deals as (
    select * from deals where deal_type = 'chip_supply'
)

select
    deal_id,
    payer  as buyer,
    payee  as supplier,
    amount,
    currency,
    amount_usd,
    status,
    first_seen_at,
    last_seen_at,
    source_count,
    source_urls,
    amount_article_id,
    status_article_id
from typed_deals
