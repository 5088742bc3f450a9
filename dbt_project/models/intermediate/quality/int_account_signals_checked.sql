{#- Signals of an unknown type or with a strength outside 0..1 would skew timing scores silently,
    so they are held back with a reason instead. A table, although checking is only a join with a
    few rule rows (writing every signal costs 2-3 s at 5M signals): marts.account_explanations, a
    view, lists these signals, and a view here would read the raw signals landed since the current
    slot was built, a failed run's too. Listing them for every account instead cost more. -#}
{{ config(materialized='table') }}
with

account_signals as (

    select * from {{ ref('stg_signals__account_signals') }}

),

signal_weights as (

    select * from {{ ref('signal_weights') }}

),

checked as (

    select
        account_signals.*,
        signal_weights.weight,
        signal_weights.half_life_days,
        coalesce(signal_weights.is_hand_raise, false) as is_hand_raise,
        case
            when account_signals.account_id is null then 'null account_id'
            when account_signals.occurred_at is null then 'null occurred_at'
            when signal_weights.signal_type is null then 'unknown signal_type ' || coalesce(account_signals.signal_type, 'null')
            when account_signals.strength is null
                or account_signals.strength < 0
                or account_signals.strength > 1 then 'strength outside 0..1'
        end as quarantine_reason

    from account_signals
    left join signal_weights
        on account_signals.signal_type = lower(signal_weights.signal_type)

)

select * from checked
