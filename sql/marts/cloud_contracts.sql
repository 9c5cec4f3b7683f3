-- materialized: view
-- key: deal_id
-- Deals of type cloud_contract, with payer and payee named for what they are.
with typed_deals as (
    select * from deals where deal_type = 'cloud_contract'
)

select
    deal_id,
    payer  as customer,
    payee  as provider,
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
