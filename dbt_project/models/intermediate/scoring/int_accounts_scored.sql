{#- Priority blends fit and timing with the weights RevOps set; the tier cuts it into bands.
    One row per clean account, with what the account row says (owner, type, book), so the status
    model reads one table of accounts instead of joining several by id. A view, row by row like
    int_accounts_fit_scored: the warehouse computes it inside the pass that builds
    int_accounts_status_derived, which carries every score on, so the accounts are written once
    per run instead of twice (a table here cost 4-5 s of writing at 10M accounts). -#}
{{ config(materialized='view') }}
with

fit as (

    select * from {{ ref('int_accounts_fit_scored') }}

),

timing as (

    select * from {{ ref('int_accounts_timing_scored') }}

),

settings as (

    select * from {{ ref('stg_rules__settings') }}

),

combined as (

    select
        fit.*,
        coalesce(timing.timing_score, 0) as timing_score,
        coalesce(timing.signal_count, 0) as signal_count,
        timing.last_signal_at,
        {{ round_number('settings.fit_weight * fit.fit_score + settings.timing_weight * coalesce(timing.timing_score, 0)', 2) }}
            as priority_score,
        settings.tier_1_min_priority,
        settings.tier_2_min_priority

    from fit
    cross join settings
    left join timing
        on fit.account_id = timing.account_id

),

tiered as (

    select
        account_id,
        owner_id,
        sdr_owner_id,
        account_type,
        created_at,
        segment,
        role,
        sdr_role,
        owner_receives,
        sdr_receives,
        target_book,
        sdr_target_book,
        fit_score,
        industry,
        industry_points,
        employee_count,
        employee_points,
        annual_revenue,
        revenue_points,
        timing_score,
        signal_count,
        last_signal_at,
        priority_score,
        case
            when priority_score >= tier_1_min_priority then 1
            when priority_score >= tier_2_min_priority then 2
            else 3
        end as tier

    from combined

)

select * from tiered
