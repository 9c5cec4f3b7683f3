-- materialized: table
-- key: deal_id
-- One row per deal, keyed by (deal_type, payer, payee), merging all its
-- mentions across articles and languages.
--
-- Rules for a deal's current values (the README documents them):
-- * amount (with its currency) and stake_pct: the latest non-null value by the
--   article's publication date (fetch time when the page gives no date), so a
--   later report of a new total replaces the old one, and an old article
--   fetched late does not.
-- * status: the most advanced status any article reports
--   (rumored < announced < completed); it never moves backwards.
with mentions as (
    select
        *,
        coalesce(published_at, extracted_at) as reported_at
    from deal_mentions
),

latest_amount as (
    select
        deal_id,
        arg_max(amount, (reported_at, confidence, mention_id)) as amount,
        arg_max(currency, (reported_at, confidence, mention_id)) as currency,
        arg_max(amount_usd, (reported_at, confidence, mention_id)) as amount_usd
    from mentions
    where amount is not null
    group by deal_id
),

latest_stake as (
    select
        deal_id,
        arg_max(stake_pct, (reported_at, confidence, mention_id)) as stake_pct
    from mentions
    where stake_pct is not null
    group by deal_id
),

furthest_status as (
    select
        deal_id,
        max(case status when 'rumored' then 1 when 'announced' then 2 when 'completed' then 3 end) as status_rank
    from mentions
    group by deal_id
),

sources as (
    select
        deal_id,
        any_value(deal_type)              as deal_type,
        any_value(payer)                  as payer,
        any_value(payee)                  as payee,
        min(extracted_at)                 as first_seen_at,
        max(extracted_at)                 as last_seen_at,
        count(distinct article_id)        as source_count,
        list(distinct article_url order by article_url) as source_urls
    from mentions
    group by deal_id
)

select
    sources.deal_id,
    sources.deal_type,
    sources.payer,
    sources.payee,
    latest_amount.amount,
    latest_amount.currency,
    latest_amount.amount_usd,
    latest_stake.stake_pct,
    case furthest_status.status_rank
        when 1 then 'rumored' when 2 then 'announced' else 'completed'
    end                                   as status,
    sources.first_seen_at,
    sources.last_seen_at,
    sources.source_count,
    sources.source_urls
from sources
join furthest_status using (deal_id)
left join latest_amount using (deal_id)
left join latest_stake using (deal_id)
order by sources.deal_type, sources.payer, sources.payee
