-- The deal versions to record now: every deal of `deals` that deal_history
-- does not have yet (version 1), and every deal whose amount, stake or status
-- differs from its current version (version + 1, with the fields that changed).
-- warehouse/history.py inserts these rows and closes the versions they replace.
--
-- When an amount counts as changed (so a restated figure is not news):
-- * from unknown to known, or back: changed ("an amount disclosed");
-- * in the same currency: by more than 0.5% ("$11.9 billion" and "$11.88
--   billion" are one figure);
-- * in another currency: by more than 2% in US dollars (a deal told in euros
--   by one outlet and in dollars by another, at a day's exchange rate); when
--   either side has no dollar value, changed.
-- The comparison is with the last recorded version, so small steps that add up
-- to a real change are reported once they do.
with current_deals as (
    select
        deal_id, deal_type, payer, payee, amount, currency, amount_usd, stake_pct, status,
        amount_article_id, stake_article_id, status_article_id
    from deals
),

current_versions as (
    select * from deal_history where valid_to is null
),

compared as (
    select
        d.*,
        v.version as previous_version,
        case
            when v.deal_id is null then false
            when d.amount is null and v.amount is null then false
            when d.amount is null or v.amount is null then true
            when d.currency is not distinct from v.currency
                then abs(d.amount - v.amount) > 0.005 * abs(v.amount)
            when d.amount_usd is not null and v.amount_usd is not null
                then abs(d.amount_usd - v.amount_usd) > 0.02 * abs(v.amount_usd)
            else true
        end as amount_changed,
        v.deal_id is not null and d.stake_pct is distinct from v.stake_pct as stake_changed,
        v.deal_id is not null and d.status is distinct from v.status as status_changed
    from current_deals as d
    left join current_versions as v using (deal_id)
)

select
    deal_id,
    coalesce(previous_version, 0) + 1 as version,
    deal_type,
    payer,
    payee,
    amount,
    currency,
    amount_usd,
    stake_pct,
    status,
    list_filter(
        [case when amount_changed then 'amount' end,
         case when stake_changed then 'stake_pct' end,
         case when status_changed then 'status' end],
        lambda field: field is not null
    ) as changed_fields,
    amount_article_id,
    stake_article_id,
    status_article_id
from compared
where previous_version is null or amount_changed or stake_changed or status_changed
