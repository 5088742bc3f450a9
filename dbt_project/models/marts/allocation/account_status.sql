{#- A view: a projection of int_accounts_status_derived with the run date added. As a table it
    wrote every account a second time each run (8 s at 10M accounts); readers, the published
    copy included, get the same rows. -#}
{{ config(materialized='view') }}

with

derived as (

    select * from {{ ref('int_accounts_status_derived') }}

),

final as (

    select
        {{ as_of() }} as as_of,
        account_id,
        owner_id,
        target_book,
        status,
        ready,
        last_activity_at,
        rest_until,
        excluded_reason,
        is_pinned,
        is_retrieved,
        is_returned,
        pending_return_reason as return_reason,
        assigned_on,
        tier,
        priority_score

    from derived

)

select * from final
