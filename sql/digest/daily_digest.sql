-- The daily digest: ONE alert that sums up every alert raised in the 24 hours
-- before $window_end (start inclusive, end exclusive), grouped by alert type.
--
-- * Any alert type is counted (new_deal, deal_changed, new_circular_deal, and
--   types added later) except digests themselves; known types get a plural
--   label, others their name with spaces.
-- * alert_id is md5('daily_digest|' || the window's end date in UTC), so a
--   second digest for the same day raises nothing (the loader inserts an
--   alert only if its id is new).
-- * An empty window still yields one row ("no new or changed deals"), so
--   users can tell the digest ran.
-- * The summary lists at most $max_lines alerts per type ("... and N more");
--   the payload carries every one of them.
with window_end as (
    select cast($window_end as timestamptz) as window_end
),

bounds as (
    -- The *_utc columns are wall-clock UTC, whatever the session's time zone.
    select
        window_end - interval 24 hour                              as window_start,
        window_end,
        timezone('UTC', window_end - interval 24 hour)             as window_start_utc,
        timezone('UTC', window_end)                                as window_end_utc,
        strftime(timezone('UTC', window_end), '%Y-%m-%d')          as digest_date
    from window_end
),

raised as (
    select a.alert_id, a.alert_type, a.deal_id, a.summary, a.created_at,
           strftime(timezone('UTC', a.created_at), '%Y-%m-%dT%H:%M:%SZ') as created_at_utc
    from alerts as a, bounds as b
    where a.created_at >= b.window_start
      and a.created_at < b.window_end
      and a.alert_type <> 'daily_digest'
),

by_type as (
    select
        alert_type,
        case alert_type when 'new_deal' then 0 when 'deal_changed' then 1 else 2 end as type_rank,
        case alert_type
            when 'new_deal' then 'new deals'
            when 'deal_changed' then 'deal changes'
            when 'new_circular_deal' then 'new circular deals'
            else replace(alert_type, '_', ' ')
        end as label,
        count(*) as alert_count,
        list(coalesce(summary, alert_id) order by created_at, alert_id) as lines,
        list(struct_pack(alert_id := alert_id, deal_id := deal_id, summary := summary,
                         created_at := created_at_utc) order by created_at, alert_id) as items
    from raised
    group by alert_type
),

sections as (
    select
        *,
        label || ' (' || alert_count || '):' || chr(10)
            || array_to_string(['- ' || line for line in lines[1:$max_lines]], chr(10))
            || case when alert_count > $max_lines
                    then chr(10) || '- ... and ' || (alert_count - $max_lines) || ' more'
                    else '' end as section_text
    from by_type
),

digest as (
    -- An aggregate without GROUP BY: exactly one row, even over no sections.
    select
        coalesce(sum(alert_count), 0) as alert_count,
        string_agg(label || ': ' || alert_count, ', ' order by type_rank, alert_type) as counts_text,
        string_agg(section_text, chr(10) || chr(10) order by type_rank, alert_type) as body,
        list(struct_pack(alert_type := alert_type, alert_count := alert_count, alerts := items)
             order by type_rank, alert_type) as groups
    from sections
)

select
    md5('daily_digest|' || b.digest_date)  as alert_id,
    'daily_digest'                         as alert_type,
    cast(null as varchar)                  as deal_id,
    cast(null as varchar)                  as field,
    cast(null as varchar)                  as old_value,
    cast(null as varchar)                  as new_value,
    case
        when d.alert_count = 0
            then 'Daily digest, 24 hours to ' || strftime(b.window_end_utc, '%Y-%m-%d %H:%M') || ' UTC: no new or changed deals.'
        else 'Daily digest, 24 hours to ' || strftime(b.window_end_utc, '%Y-%m-%d %H:%M') || ' UTC: ' || d.counts_text || '.'
             || chr(10) || chr(10) || d.body
    end                                    as summary,
    to_json(struct_pack(
        digest_date := b.digest_date, window_start := strftime(b.window_start_utc, '%Y-%m-%dT%H:%M:%SZ'),
        window_end := strftime(b.window_end_utc, '%Y-%m-%dT%H:%M:%SZ'),
        alert_count := d.alert_count, groups := coalesce(d.groups, [])
    ))                                     as payload
from digest as d, bounds as b
