-- materialized: table
-- key: cycle_id
-- Every loop of money among companies: a simple cycle of 2 to 5 companies in
-- the payer -> payee graph of deals (Amazon invests in OpenAI, OpenAI buys
-- compute from Amazon), listed once.
--
-- * The graph has one edge per (payer, payee) pair, whatever the deal types:
--   deal_ids lists every deal on the loop's edges, in flow order.
-- * A cycle is listed from its alphabetically first company, and each company
--   after that must sort after it: that is how each loop is found exactly once
--   and not once per rotation. companies is in flow order and does not repeat
--   the first company at the end; path spells the loop out.
-- * cycle_id is the md5 of that canonical company list, so it is stable
--   across runs and new_circular_deal alerts fire once per loop.
-- * total_amount_usd sums the known amounts (null when none is known).
with recursive edges as (
    select
        payer,
        payee,
        list(deal_id order by deal_type, deal_id)  as deal_ids,
        sum(amount_usd)                            as amount_usd,
        count(amount_usd)                          as amounts_known
    from deals
    where payer <> payee
    group by payer, payee
),

open_paths(first_company, last_company, companies, deal_ids, amount_usd, amounts_known) as (
    select payer, payee, [payer, payee], deal_ids, amount_usd, amounts_known
    from edges
    where payee > payer
    union all
    select
        p.first_company,
        e.payee,
        list_append(p.companies, e.payee),
        list_concat(p.deal_ids, e.deal_ids),
        coalesce(p.amount_usd, 0) + coalesce(e.amount_usd, 0),
        p.amounts_known + e.amounts_known
    from open_paths as p
    join edges as e on e.payer = p.last_company
    where len(p.companies) < 5
      and e.payee > p.first_company
      and not list_contains(p.companies, e.payee)
),

closed_cycles as (
    select
        p.companies,
        list_concat(p.deal_ids, e.deal_ids)                      as deal_ids,
        coalesce(p.amount_usd, 0) + coalesce(e.amount_usd, 0)     as amount_usd,
        p.amounts_known + e.amounts_known                        as amounts_known
    from open_paths as p
    join edges as e on e.payer = p.last_company and e.payee = p.first_company
)

select
    md5(array_to_string(companies, '|'))                        as cycle_id,
    companies,
    deal_ids,
    len(companies)                                              as length,
    case when amounts_known > 0 then amount_usd end             as total_amount_usd,
    array_to_string(list_append(companies, companies[1]), ' -> ') as path
from closed_cycles
order by length, path
