{#- What each target book deals this run, best first: accounts its SDRs converted first (handoffs,
    to the AE book of the account), then the ready pool, ranked by pool_rank_keys (settings.csv;
    by default priority, then fit). The account id breaks the last tie, so the order is total and
    a rerun deals exactly the same accounts. A book whose role receives only handoffs
    (roles.csv) has no ready pool.

    A view: ranked_assignments and the displacement read it once each, so the ranking runs inside
    their queries instead of writing every ready account to a table first. -#}
{{ config(materialized='view') }}

with

account_status as (

    select * from {{ ref('int_accounts_status_derived') }}

),

ranked as (

    select
        account_id,
        owner_field,
        crm_field,
        role,
        target_book,
        case when status = 'handoff' then 'handoff' else 'distribute' end as deal_kind,
        priority_score,
        fit_score,
        timing_score,
        tier,
        row_number() over (
            partition by target_book
            order by case when status = 'handoff' then 0 else 1 end, {{ pool_rank_order() }}
        ) as pool_rank

    from account_status
    where ready or status = 'handoff'

)

select * from ranked
