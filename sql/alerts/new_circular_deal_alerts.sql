-- Alerts a run may raise: one new_circular_deal the first time a loop of
-- money appears in circular_deals. The alert_id is the cycle's, which is
-- stable across runs and rotations, so a loop is announced once.
with cycles as (
    select * from circular_deals
)

select
    md5('new_circular_deal|' || cycle_id) as alert_id,
    'new_circular_deal'         as alert_type,
    cast(null as varchar)       as deal_id,
    cast(null as varchar)       as field,
    cast(null as varchar)       as old_value,
    cast(null as varchar)       as new_value,
    'New circular deal: ' || path || ' (' || len(deal_ids) || ' deals'
        || case when total_amount_usd is not null
                then ', $' || format('{:g}', round(total_amount_usd / 1e9, 2)) || 'B known'
                else '' end
        || ')'                  as summary,
    to_json(struct_pack(
        cycle_id := cycle_id, companies := companies, deal_ids := deal_ids,
        length := length, total_amount_usd := total_amount_usd, path := path
    ))                          as payload
from cycles
