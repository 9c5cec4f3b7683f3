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
-- * amount_article_id, stake_article_id, status_article_id: the article each
--   current value comes from (what deal_changes names as a change's cause).
with mentions as (
    select
        *,
        coalesce(published_at, extracted_at) as reported_at
    from deal_mentions
),

latest_amount as (
    -- One arg_max over a struct: the four values of the same mention, for the price of one.
    select
        deal_id,
        arg_max(struct_pack(amount, currency, amount_usd, article_id),
                (reported_at, confidence, mention_id)) as latest
    from mentions
    where amount is not null
    group by deal_id
),

latest_stake as (
    select
        deal_id,
        arg_max(struct_pack(stake_pct, article_id), (reported_at, confidence, mention_id)) as latest
    from mentions
    where stake_pct is not null
    group by deal_id
),

ranked_status as (
    select
        *,
        case status when 'rumored' then 1 when 'announced' then 2 when 'completed' then 3 end as status_rank
    from mentions
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
        list(distinct article_url order by article_url) as source_urls,
        max(status_rank)                  as status_rank,
        -- the article of the status is the first to report it (earliest date, then first fetched)
        arg_min(article_id, (-status_rank, reported_at, extracted_at, mention_id)) as status_article_id
    from ranked_status
    group by deal_id
)

select
    sources.deal_id,
    sources.deal_type,
    sources.payer,
    sources.payee,
    latest_amount.latest.amount,
    latest_amount.latest.currency,
    latest_amount.latest.amount_usd,
    latest_stake.latest.stake_pct,
    case sources.status_rank
        when 1 then 'rumored' when 2 then 'announced' else 'completed'
    end                                   as status,
    sources.first_seen_at,
    sources.last_seen_at,
    sources.source_count,
    sources.source_urls,
    latest_amount.latest.article_id       as amount_article_id,
    latest_stake.latest.article_id        as stake_article_id,
    sources.status_article_id
from sources
left join latest_amount using (deal_id)
left join latest_stake using (deal_id)
order by sources.deal_type, sources.payer, sources.payee
