{#- Timing: how in-market an account is now. Each signal counts weight x strength, halved every
    half-life; the sum is squashed onto 0-100 (1 - e^-x) so many weak signals never outrank
    certainty and one strong fresh signal (a demo request) is close to the top. -#}
with

signals as (

    select * from {{ ref('int_account_signals_checked') }}
    where quarantine_reason is null

),

settings as (

    select * from {{ ref('stg_rules__settings') }}

),

decayed as (

    select
        signals.account_id,
        signals.occurred_at,
        {{ decayed_signal_weight('signals') }} as decayed_weight

    from signals
    cross join settings
    where {{ signal_counts_today('signals', 'settings') }}

),

summed as (

    select
        account_id,
        count(*) as signal_count,
        max(occurred_at) as last_signal_at,
        sum(decayed_weight) as decayed_signal_weight

    from decayed
    group by account_id

),

scored as (

    select
        account_id,
        signal_count,
        last_signal_at,
        decayed_signal_weight,
        {{ round_number('100 * (1 - exp(-decayed_signal_weight))', 2) }} as timing_score

    from summed

)

select * from scored
