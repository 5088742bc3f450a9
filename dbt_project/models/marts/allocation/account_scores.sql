with

scored as (

    select * from {{ ref('int_accounts_scored') }}

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
