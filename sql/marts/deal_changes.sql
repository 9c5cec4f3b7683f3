-- materialized: view
-- key: deal_id, version, field
-- One row per changed field of a deal (amount, stake_pct, status): its value
-- before and after, when dealwatch saw the change, and the article that
-- brought the new value. Read from consecutive versions in deal_history, so
-- it is exactly what the snapshot recorded (a deal's first version is its
-- new_deal alert, not a change). Values are text: amounts as whole numbers in
-- the deal's currency (old_currency / new_currency say which), stakes as
-- percentages, statuses as words.
with versions as (
    select
        *,
        lag(amount) over by_deal     as previous_amount,
        lag(currency) over by_deal   as previous_currency,
        lag(stake_pct) over by_deal  as previous_stake_pct,
        lag(status) over by_deal     as previous_status
    from stg_deal_history
    window by_deal as (partition by deal_id order by version)
),

changed_fields as (
    select *, unnest(changed_fields) as field
    from versions
    where version > 1
),

as_text as (
    select
        *,
        case
            when previous_amount is null then null
            when previous_amount = round(previous_amount) then cast(cast(previous_amount as hugeint) as varchar)
            else cast(previous_amount as varchar)
        end as previous_amount_text,
        case
            when amount is null then null
            when amount = round(amount) then cast(cast(amount as hugeint) as varchar)
            else cast(amount as varchar)
        end as amount_text,
        case field
            when 'amount' then amount_article_id
            when 'stake_pct' then stake_article_id
            else status_article_id
        end as field_article_id
    from changed_fields
),

articles as (
    select article_id, url, published_at from stg_articles
)

select
    c.deal_id,
    c.version,
    c.deal_type,
    c.payer,
    c.payee,
    c.valid_from                           as changed_at,
    c.field,
    case c.field
        when 'amount' then c.previous_amount_text
        when 'stake_pct' then format('{:g}', c.previous_stake_pct)
        else c.previous_status
    end                                    as old_value,
    case c.field
        when 'amount' then c.amount_text
        when 'stake_pct' then format('{:g}', c.stake_pct)
        else c.status
    end                                    as new_value,
    case when c.field = 'amount' then c.previous_currency end as old_currency,
    case when c.field = 'amount' then c.currency end          as new_currency,
    c.field_article_id                     as article_id,
    a.url                                  as article_url,
    a.published_at                         as article_published_at,
    c.run_id
from as_text as c
left join articles as a
    on a.article_id = c.field_article_id
