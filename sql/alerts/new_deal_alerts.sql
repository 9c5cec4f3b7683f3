-- Alerts a run may raise: one new_deal per deal. The alert_id is derived from
-- the deal key alone, so the loader's insert-if-absent makes a re-run raise
-- nothing; a deal is announced once, the first time it is seen.
with current_deals as (
    select * from deals
),

with_currency as (
    select
        *,
        case when currency = 'USD' then '$' else coalesce(currency || ' ', '') end as currency_prefix
    from current_deals
),

with_amount_text as (
    select
        *,
        case
            when amount is null then null
            when amount >= 1e9 then currency_prefix || format('{:g}', round(amount / 1e9, 2)) || 'B'
            when amount >= 1e6 then currency_prefix || format('{:g}', round(amount / 1e6, 1)) || 'M'
            else currency_prefix || format('{:g}', round(amount))
        end as amount_text
    from with_currency
)

select
    md5('new_deal|' || deal_id) as alert_id,
    'new_deal'                  as alert_type,
    deal_id,
    cast(null as varchar)       as field,
    cast(null as varchar)       as old_value,
    cast(null as varchar)       as new_value,
    concat_ws(' ',
        'New ' || replace(deal_type, '_', ' ') || ':',
        payer || ' -> ' || payee,
        amount_text,
        case when stake_pct is not null then '(' || format('{:g}', stake_pct) || '% stake)' end,
        '[' || status || ']'
    )                           as summary,
    to_json(struct_pack(
        deal_id := deal_id, deal_type := deal_type, payer := payer, payee := payee,
        amount := amount, currency := currency, amount_usd := amount_usd,
        stake_pct := stake_pct, status := status, source_urls := source_urls
    ))                          as payload
from with_amount_text
