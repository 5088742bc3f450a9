{#- A view: a projection of int_accounts_status_derived (which carries the scores of
    int_accounts_scored on, one row per clean account and owner field) with the run date added. As a table it
    wrote every account a second time each run (5 s at 10M accounts); readers, the published
    copy included, get the same rows. -#}
{{ config(materialized='view') }}

with

scored as (

    select * from {{ ref('int_accounts_status_derived') }}
    {#- One row per account: the CRM owner's row (the SDR field's row carries the same scores). #}
    where owner_field = 'owner'

),

final as (

    select
        {{ as_of() }} as as_of,
        account_id,
        fit_score,
        timing_score,
        priority_score,
        tier,
        signal_count,
        last_signal_at

    from scored

)

select * from final
