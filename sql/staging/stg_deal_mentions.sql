-- materialized: view
-- key: mention_id
-- One row per deal an article states: rename and cast only.
with source as (
    select * from raw_deal_mentions
),

renamed as (
    select
        mention_id,
        article_id,
        deal_type,
        payer,
        payee,
        cast(amount as double)      as amount,
        upper(currency)             as currency,
        cast(amount_usd as double)  as amount_usd,
        cast(stake_pct as double)   as stake_pct,
        status,
        evidence,
        cast(confidence as double)  as confidence,
        cast(extracted_at as timestamptz) as extracted_at,
        run_id
    from source
)

select * from renamed
