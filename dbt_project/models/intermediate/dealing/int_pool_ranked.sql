{#- The ready pool of each target book, best first. Ties fall to fit, then to the account id, so
    the order is total and a rerun deals exactly the same accounts.

    A view: ranked_assignments is its only reader, so the ranking runs inside that query instead of
    writing every ready account to a table first. -#}
{{ config(materialized='view') }}

with

account_status as (

    select * from {{ ref('int_accounts_status_derived') }}

),

ranked as (

    select
        account_id,
        target_book,
        priority_score,
        fit_score,
        timing_score,
        tier,
        row_number() over (
            partition by target_book
            order by priority_score desc, fit_score desc, account_id
        ) as pool_rank

    from account_status
    where ready

)

select * from ranked
