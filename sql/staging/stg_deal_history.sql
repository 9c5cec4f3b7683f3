-- materialized: view
-- key: deal_id, version
-- Every recorded version of every deal (the SCD2 table deal_history): rename and cast only.
with source as (
    select * from deal_history
),

renamed as (
    select
        deal_id,
        version,
        deal_type,
        payer,
        payee,
        cast(amount as double)      as amount,
        currency,
        cast(amount_usd as double)  as amount_usd,
        cast(stake_pct as double)   as stake_pct,
        status,
        changed_fields,
        amount_article_id,
        stake_article_id,
        status_article_id,
        cast(valid_from as timestamptz) as valid_from,
        cast(valid_to as timestamptz)   as valid_to,
        run_id
    from source
)

select * from renamed
