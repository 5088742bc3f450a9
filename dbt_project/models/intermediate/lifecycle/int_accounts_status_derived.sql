{#- The state of every account before this run's changes, by the rules of engagement, in order
    of precedence: locks and static owners first, then customers and open opportunities (which
    stay put), then the lifecycle of an owned account (returned, working, new, unworked) or of a
    pool account (review, resting, pool).

    int_accounts_scored is the spine (one row per clean account with its owner, book and scores,
    a view computed in this pass; marts.account_scores reads the scores back from here);
    everything else joined here is either tiny (users, roster, rules) or keyed to the accounts that
    have such a fact (activities, opportunities, returns, bookflow's own changes, overrides).
    The hooks keep DuckDB from hashing the wide accounts side of the joins with the last touches
    and the timing scores (macros/join_build_side.sql). -#}
{{ config(pre_hook="{{ keep_join_build_sides() }}", post_hook="{{ reset_join_build_sides() }}") }}
with

accounts as (

    select * from {{ ref('int_accounts_scored') }}

),

users as (

    select * from {{ ref('stg_crm__users') }}

),

reps as (

    select * from {{ ref('reps') }}

),

settings as (

    select * from {{ ref('stg_rules__settings') }}

),

last_touched as (

    select * from {{ ref('int_accounts_last_touched') }}

),

opportunity_flags as (

    select * from {{ ref('int_accounts_opportunity_flags') }}

),

assigned as (

    select * from {{ ref('int_accounts_assigned') }}

),

pending_returns as (

    select * from {{ ref('int_book_returns_pending') }}

),

released as (

    select * from {{ ref('int_accounts_released') }}

),

overrides as (

    select
        account_id,
        action,
        reason,
        row_number() over (partition by account_id order by effective_date desc, action) as recency

    from {{ ref('account_overrides') }}
    where effective_date <= {{ as_of() }}
        and action in ('pin', 'exclude', 'retire')

),

joined as (

    select
        accounts.account_id,
        accounts.owner_id as crm_owner_id,
        accounts.account_type,
        case
            when accounts.owner_id = settings.pool_owner_id then 'pool'
            when not users.is_active then 'inactive'
            when reps.rep_id is not null then 'rep'
            else 'static'
        end as owner_kind,
        accounts.target_book,
        accounts.fit_score,
        accounts.timing_score,
        accounts.priority_score,
        accounts.tier,
        accounts.signal_count,
        accounts.last_signal_at,
        last_touched.last_touched_by_owner_at,
        last_touched.last_touched_at,
        coalesce(assigned.assigned_on, cast(accounts.created_at as date)) as assigned_on,
        assigned.bookflow_assigned_on is not null as was_assigned_by_bookflow,
        coalesce(opportunity_flags.has_open_opportunity, false) as has_open_opportunity,
        lower(coalesce(accounts.account_type, '')) like 'customer%'
            or coalesce(opportunity_flags.has_won_opportunity, false) as is_customer,
        pending_returns.book_return_id as pending_return_id,
        pending_returns.return_reason as pending_return_reason,
        pending_returns.goes_to_review as pending_return_goes_to_review,
        cast({{ dbt.dateadd('day', 'pending_returns.rest_days', 'cast(pending_returns.returned_at as date)') }} as date)
            as pending_return_rest_until,
        released.rest_until as released_rest_until,
        released.goes_to_review as released_to_review,
        released.rest_broken_on,
        released.reintroduced_on,
        overrides.action as override_action,
        overrides.reason as override_reason,
        settings.working_sla_days,
        settings.grace_days,
        settings.fit_threshold,
        settings.timing_threshold

    from accounts
    cross join settings
    inner join users
        on accounts.owner_id = users.user_id
    left join reps
        on accounts.owner_id = reps.rep_id
    left join last_touched
        on accounts.account_id = last_touched.account_id
    left join opportunity_flags
        on accounts.account_id = opportunity_flags.account_id
    left join assigned
        on accounts.account_id = assigned.account_id
    left join pending_returns
        on accounts.account_id = pending_returns.account_id
    left join released
        on accounts.account_id = released.account_id
    left join overrides
        on accounts.account_id = overrides.account_id
        and overrides.recency = 1

),

excluded as (

    select
        *,
        case
            when override_action in ('exclude', 'retire') then 'override: ' || coalesce(override_reason, override_action)
            when owner_kind = 'static' then 'owned outside dynamic books (static territory)'
            when owner_kind = 'pool' and target_book is null and not is_customer and not has_open_opportunity
                then 'no target book for its segment or country'
        end as excluded_reason

    from joined

),

derived as (

    select
        *,
        case
            when excluded_reason is not null then 'excluded'
            when is_customer then 'customer'
            when has_open_opportunity then 'converted'
            when owner_kind in ('rep', 'inactive') then
                case
                    when pending_return_id is not null then
                        case when pending_return_goes_to_review then 'review' else 'resting' end
                    when owner_kind = 'inactive' then 'unworked'
                    when {{ days_between('last_touched_by_owner_at', as_of()) }} <= working_sla_days then 'working'
                    when {{ days_between('assigned_on', as_of()) }} < grace_days then 'new'
                    else 'unworked'
                end
            when released_to_review and reintroduced_on is null then 'review'
            when released_rest_until > {{ as_of() }} and rest_broken_on is null then 'resting'
            else 'pool'
        end as status,
        coalesce(override_action = 'pin', false) as is_pinned

    from excluded

),

{#- Only what later models read: every column is written for every account. -#}
final as (

    select
        account_id,
        case when owner_kind = 'pool' then null else crm_owner_id end as owner_id,
        owner_kind,
        target_book,
        status,
        excluded_reason,
        status = 'pool'
            and (fit_score >= fit_threshold or timing_score >= timing_threshold) as ready,
        is_pinned,
        status = 'unworked' and not is_pinned as is_retrieved,
        pending_return_id is not null and status in ('resting', 'review') as is_returned,
        {#- Only on retrieved rows: a reason built for every account was 10M strings nobody reads. -#}
        case
            when status <> 'unworked' or is_pinned then null
            when owner_kind = 'inactive' then 'owner is inactive in the CRM'
            else 'no meaningful activity by the owner in ' || cast(working_sla_days as {{ dbt.type_string() }}) || ' days'
        end as retrieval_reason,
        pending_return_reason,
        fit_score,
        timing_score,
        priority_score,
        tier,
        signal_count,
        last_signal_at,
        last_touched_by_owner_at as last_activity_at,
        last_touched_at,
        assigned_on,
        was_assigned_by_bookflow,
        has_open_opportunity,
        is_customer,
        case
            when status = 'resting' and pending_return_id is not null then pending_return_rest_until
            when status = 'resting' then released_rest_until
        end as rest_until

    from derived

)

select * from final
