-- Alerts a run may raise: one deal_changed per changed field of a deal, as
-- deal_changes records it (a rumor confirmed, an amount raised, a stake
-- disclosed). The alert_id is the deal, the version and the field, so a
-- re-run raises nothing and re-reporting the same values makes no version.
with changes as (
    select * from deal_changes
),

deals_now as (
    select deal_id, amount, currency, amount_usd, stake_pct, status, source_urls from deals
),

described as (
    select
        c.*,
        d.amount, d.currency, d.amount_usd, d.stake_pct, d.status, d.source_urls,
        case c.field when 'amount' then 'amount' when 'stake_pct' then 'stake' else 'status' end as field_label,
        -- a value as the summary shows it: an amount with its currency, a stake with "%"
        case c.field
            when 'amount' then c.old_value || coalesce(' ' || c.old_currency, '')
            when 'stake_pct' then c.old_value || '%'
            else c.old_value
        end as old_text,
        case c.field
            when 'amount' then c.new_value || coalesce(' ' || c.new_currency, '')
            when 'stake_pct' then c.new_value || '%'
            else c.new_value
        end as new_text
    from changes as c
    join deals_now as d using (deal_id)
)

select
    md5('deal_changed|' || deal_id || '|' || version || '|' || field) as alert_id,
    'deal_changed'              as alert_type,
    deal_id,
    field,
    old_value,
    new_value,
    'Changed ' || replace(deal_type, '_', ' ') || ': ' || payer || ' -> ' || payee || ' '
        || field_label || ' ' || coalesce(old_text, 'unknown') || ' -> ' || coalesce(new_text, 'unknown')
                                as summary,
    to_json(struct_pack(
        deal_id := deal_id, deal_type := deal_type, payer := payer, payee := payee,
        amount := amount, currency := currency, amount_usd := amount_usd,
        stake_pct := stake_pct, status := status, source_urls := source_urls,
        change := struct_pack(field := field, old_value := old_value, new_value := new_value,
                              old_currency := old_currency, new_currency := new_currency,
                              article_url := article_url)
    ))                          as payload
from described
