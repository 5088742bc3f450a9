{#- One row per account: where it stands and why (the words avoid apostrophes, which warehouses escape
    differently), its scores with their parts, its place in the
    deal, this run's change and the rule behind it, and its owner history. `bookflow explain`
    reads it; so can BI tools.

    A view: every part is read from the tables the run built (the rules are not restated here),
    and a reader asking for one account makes the warehouse look at that account only, where a
    table would be one more full copy of every account per run. It reads no view over the raw
    tables: those hold what the last extract landed, a failed run's too, and would show it beside
    the last good run's scores. The owner history alone is read live, from the sync ledger: what
    the CRM received. -#}
{{ config(materialized='view') }}

with

account_status as (

    {#- The CRM owner's row: one per account (an SDR field's row is in marts.account_status). #}
    select * from {{ ref('int_accounts_status_derived') }}
    where owner_field = 'owner'

),

settings as (

    select * from {{ ref('stg_rules__settings') }}

),

signals as (

    select * from {{ ref('int_account_signals_checked') }}
    where quarantine_reason is null

),

pool_ranked as (

    select * from {{ ref('int_pool_ranked') }}
    where owner_field = 'owner'

),

assignments as (

    select * from {{ ref('ranked_assignments') }}
    where crm_field = 'owner_id'

),

changes as (

    select * from {{ ref('ownership_changes') }}
    where crm_field = 'owner_id'

),

applied_changes as (

    select * from {{ ref('stg_reverse_etl__applied_changes') }}

),

timing_parts as (

    select
        signals.account_id,
        {{ ordered_listagg(
            dbt.concat([
                "signals.signal_type", "' on '", "cast(cast(signals.occurred_at as date) as " ~ dbt.type_string() ~ ")",
                "': '", "cast(" ~ round_number(decayed_signal_weight('signals'), 3) ~ " as " ~ dbt.type_string() ~ ")",
            ]),
            "signals.occurred_at",
            descending=true,
        ) }} as timing_parts

    from signals
    cross join settings
    where {{ signal_counts_today('signals', 'settings') }}
    group by signals.account_id

),

owner_history as (

    select
        account_id,
        cast(count(*) as {{ dbt.type_int() }}) as owner_changes,
        {{ ordered_listagg(
            dbt.concat([
                "cast(effective_on as " ~ dbt.type_string() ~ ")", "' '", "change_type", "' '",
                "coalesce(from_owner_id, 'pool')", "' -> '", "coalesce(to_owner_id, 'pool')",
            ]),
            "applied_at",
        ) }} as owner_history

    from applied_changes
    where owner_field = 'owner'
    group by account_id

),

explained as (

    select
        {{ as_of() }} as as_of,
        account_status.account_id,
        account_status.owner_id,
        account_status.owner_kind,
        account_status.target_book,
        account_status.status,
        account_status.ready,
        case account_status.status
            when 'excluded' then {{ dbt.concat(["'excluded from dynamic books: '", "account_status.excluded_reason"]) }}
            when 'customer' then 'a customer: dynamic books never move it'
            when 'converted' then 'converted: an open opportunity keeps it with its owner'
            when 'review' then 'returned for a reason RevOps reviews: waits to be reintroduced or retired'
            when 'resting' then {{ dbt.concat([
                "'resting in the pool until '", "cast(account_status.rest_until as " ~ dbt.type_string() ~ ")",
                "coalesce(" ~ dbt.concat(["' after a return: '", "account_status.pending_return_reason"]) ~ ", '')",
            ]) }}
            when 'new' then {{ dbt.concat([
                "'new in a book: the owner has '", "cast(settings.grace_days as " ~ dbt.type_string() ~ ")",
                "' days of grace from '", "cast(account_status.assigned_on as " ~ dbt.type_string() ~ ")",
                "' for a first meaningful touch'",
            ]) }}
            when 'working' then {{ dbt.concat([
                "'worked: last meaningful activity by the owner on '",
                "cast(cast(account_status.last_touched_at as date) as " ~ dbt.type_string() ~ ")",
                "', within the '", "cast(settings.working_sla_days as " ~ dbt.type_string() ~ ")", "'-day SLA'",
            ]) }}
            when 'unworked' then {{ dbt.concat([
                "'unworked: '", "coalesce(account_status.release_reason, 'no meaningful activity by the owner within the SLA')",
                "case when account_status.is_pinned then '; pinned by RevOps, so never retrieved' else '' end",
            ]) }}
            else case
                when account_status.ready then {{ dbt.concat([
                    "'in the pool and ready: fit '", "cast(account_status.fit_score as " ~ dbt.type_string() ~ ")",
                    "' against a threshold of '", "cast(settings.fit_threshold as " ~ dbt.type_string() ~ ")",
                    "', timing '", "cast(account_status.timing_score as " ~ dbt.type_string() ~ ")",
                    "' against '", "cast(settings.timing_threshold as " ~ dbt.type_string() ~ ")",
                    "' (either is enough)'",
                ]) }}
                else {{ dbt.concat([
                    "'in the pool, not ready: fit '", "cast(account_status.fit_score as " ~ dbt.type_string() ~ ")",
                    "' is below '", "cast(settings.fit_threshold as " ~ dbt.type_string() ~ ")",
                    "' and timing '", "cast(account_status.timing_score as " ~ dbt.type_string() ~ ")",
                    "' below '", "cast(settings.timing_threshold as " ~ dbt.type_string() ~ ")",
                ]) }}
            end
        end as status_reason,
        account_status.is_pinned,
        account_status.fit_score,
        account_status.industry,
        account_status.industry_points,
        account_status.employee_count,
        account_status.employee_points,
        account_status.annual_revenue,
        account_status.revenue_points,
        account_status.timing_score,
        account_status.signal_count,
        account_status.last_signal_at,
        timing_parts.timing_parts,
        account_status.priority_score,
        account_status.tier,
        pool_ranked.pool_rank,
        assignments.deal_round,
        assignments.rep_id as dealt_to_rep_id,
        changes.change_type,
        changes.reason as change_reason,
        changes.to_owner_id as change_to_owner_id,
        coalesce(owner_history.owner_changes, 0) as owner_changes,
        owner_history.owner_history

    from account_status
    cross join settings
    left join timing_parts
        on account_status.account_id = timing_parts.account_id
    left join pool_ranked
        on account_status.account_id = pool_ranked.account_id
    left join assignments
        on account_status.account_id = assignments.account_id
    left join changes
        on account_status.account_id = changes.account_id
    left join owner_history
        on account_status.account_id = owner_history.account_id

)

select * from explained
