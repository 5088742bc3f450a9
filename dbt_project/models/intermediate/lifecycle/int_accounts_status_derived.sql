{#- The state of every account before this run's changes, by the rules of engagement, once per
    owner field it has: the CRM owner for every account, and the SDR field for accounts in a
    segment an SDR/BDR role works (or whose SDR field someone holds). In order of precedence:
    locks and static owners first, then customers, handoffs and conversions (which stay put),
    then the lifecycle of a held account (returned, unworked, completed, working, new) or of a
    pool account (review, resting, pool).

    What may leave a book this run is marked (release_candidate) with its reason; how many
    actually leave, under the per-run caps and a leaver's pace, is int_book_releases_planned's.

    int_accounts_scored is the spine (one row per clean account with its owner, books and scores,
    a view computed in this pass; marts.account_scores reads the scores back from here). Every
    join keyed to the account alone runs before the rows are split by field, so an account no
    second role works is read and joined once; after the split only small tables keyed to
    (account, field) are joined (bookflow's own changes, returns, activity counts). Everything
    joined is either tiny (users, roster, rules) or keyed to the accounts that have such a fact.
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

roles as (

    select * from {{ ref('roles') }}

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

handoff_touched as (

    select * from {{ ref('int_accounts_handoff_touched') }}

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

activity_counted as (

    select * from {{ ref('int_accounts_activity_counted') }}

),

first_change as (

    select min(effective_on) as first_change_on from {{ ref('stg_reverse_etl__applied_changes') }}

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

{#- The roster with what each rep's role writes, and where the rep stands today. #}
roster as (

    select
        reps.rep_id,
        reps.rep_name,
        reps.role,
        coalesce(roles.owner_field, 'owner') as owner_field,
        reps.end_date,
        reps.time_off_end,
        reps.end_date is not null
            and {{ days_between(as_of(), 'reps.end_date') }} <= settings.leaver_release_days as is_leaving,
        settings.retrieve_during_time_off_days is not null
            and reps.time_off_start <= {{ as_of() }}
            and coalesce(reps.time_off_end, {{ as_of() }}) >= {{ as_of() }}
            and (
                reps.time_off_end is null
                or {{ days_between('reps.time_off_start', 'reps.time_off_end') }} + 1 >= settings.retrieve_during_time_off_days
            ) as is_on_long_time_off

    from reps
    cross join settings
    left join roles
        on reps.role = roles.role

),

owner_fields as (

    select 'owner' as owner_field
    union all
    select 'sdr' as owner_field

),

{#- Account-level facts, one row per account: the joins every account pays run here, once. #}
account_facts as (

    select
        accounts.*,
        case
            when accounts.owner_id = settings.pool_owner_id then 'pool'
            when not owners.is_active then 'inactive'
            when owner_reps.owner_field = 'owner' then 'rep'
            else 'static'
        end as crm_owner_kind,
        case
            when accounts.sdr_owner_id is null then 'pool'
            when sdr_users.user_id is null then 'unknown'
            when not sdr_users.is_active then 'inactive'
            when sdr_reps.owner_field = 'sdr' then 'rep'
            else 'static'
        end as sdr_owner_kind,
        last_touched.last_touched_by_owner_at,
        last_touched.last_touched_by_sdr_at,
        last_touched.last_touched_at,
        coalesce(opportunity_flags.has_open_opportunity, false) as has_open_opportunity,
        lower(coalesce(accounts.account_type, '')) like 'customer%'
            or coalesce(opportunity_flags.has_won_opportunity, false) as is_customer,
        opportunity_flags.last_progress_on,
        handoff_touched.last_handoff_activity_at as sdr_handoff_activity_at,
        overrides.action as override_action,
        overrides.reason as override_reason

    from accounts
    cross join settings
    inner join users as owners
        on accounts.owner_id = owners.user_id
    left join roster as owner_reps
        on accounts.owner_id = owner_reps.rep_id
    left join last_touched
        on accounts.account_id = last_touched.account_id
    left join opportunity_flags
        on accounts.account_id = opportunity_flags.account_id
    left join overrides
        on accounts.account_id = overrides.account_id
        and overrides.recency = 1
    left join users as sdr_users
        on accounts.sdr_owner_id = sdr_users.user_id
    left join roster as sdr_reps
        on accounts.sdr_owner_id = sdr_reps.rep_id
    left join handoff_touched
        on accounts.account_id = handoff_touched.account_id
        and accounts.sdr_owner_id = handoff_touched.owner_id

),

{#- One row per account and owner field: the SDR field only where a role works it or someone holds it. #}
split as (

    select
        account_facts.*,
        owner_fields.owner_field,
        case owner_fields.owner_field when 'owner' then account_facts.owner_id else account_facts.sdr_owner_id end
            as holder_id,
        case owner_fields.owner_field when 'owner' then account_facts.crm_owner_kind else account_facts.sdr_owner_kind end
            as owner_kind,
        case owner_fields.owner_field when 'owner' then account_facts.role else account_facts.sdr_role end as book_role,
        case owner_fields.owner_field when 'owner' then account_facts.target_book else account_facts.sdr_target_book end
            as book,
        case owner_fields.owner_field
            when 'owner' then account_facts.last_touched_by_owner_at
            else account_facts.last_touched_by_sdr_at
        end as last_touched_by_holder_at,
        {#- The SDR holding the account converted it: an open opportunity, or a meeting they set. #}
        account_facts.sdr_owner_kind = 'rep'
            and (account_facts.has_open_opportunity or account_facts.sdr_handoff_activity_at is not null)
            as is_converted_by_sdr

    from account_facts
    cross join owner_fields
    where owner_fields.owner_field = 'owner'
        or account_facts.sdr_target_book is not null
        or account_facts.sdr_owner_id is not null

),

joined as (

    select
        split.*,
        coalesce(holder_reps.role, split.book_role) as row_role,
        book_roles.receives,
        holder_reps.rep_name as holder_name,
        holder_reps.end_date as holder_end_date,
        holder_reps.time_off_end as holder_time_off_end,
        coalesce(holder_reps.is_leaving, false) as is_holder_leaving,
        coalesce(holder_reps.is_on_long_time_off, false) as is_holder_on_long_time_off,
        coalesce(assigned.assigned_on, cast(split.created_at as date)) as assigned_on,
        assigned.bookflow_assigned_on is not null as was_assigned_by_bookflow,
        {{ held_since('assigned.assigned_on', 'split.created_at', 'first_change.first_change_on') }} as held_since,
        pending_returns.book_return_id as pending_return_id,
        pending_returns.return_reason as pending_return_reason,
        pending_returns.goes_to_review as pending_return_goes_to_review,
        cast({{ dbt.dateadd('day', 'pending_returns.rest_days', 'cast(pending_returns.returned_at as date)') }} as date)
            as pending_return_rest_until,
        released.rest_until as released_rest_until,
        released.goes_to_review as released_to_review,
        released.rest_broken_on,
        released.reintroduced_on,
        activity_counted.period_days,
        activity_counted.min_activities,
        activity_counted.min_contacts,
        activity_counted.activities_in_period,
        activity_counted.contacts_in_period,
        activity_counted.activities_since_held,
        settings.sdr_owner_column,
        settings.working_sla_days,
        settings.grace_days,
        settings.fit_threshold,
        settings.timing_threshold,
        settings.retrieve_grades,
        settings.leaver_release_days,
        settings.completion_days,
        settings.completion_activities

    from split
    cross join settings
    cross join first_change
    left join roster as holder_reps
        on split.holder_id = holder_reps.rep_id
        and split.owner_field = holder_reps.owner_field
    left join roles as book_roles
        on split.book_role = book_roles.role
    left join assigned
        on split.account_id = assigned.account_id
        and split.owner_field = assigned.owner_field
    left join pending_returns
        on split.account_id = pending_returns.account_id
        and split.owner_field = pending_returns.owner_field
    left join released
        on split.account_id = released.account_id
        and split.owner_field = released.owner_field
    left join activity_counted
        on split.account_id = activity_counted.account_id
        and split.owner_field = activity_counted.owner_field
        and split.holder_id = activity_counted.holder_id

),

graded as (

    select
        *,
        case
            when owner_kind <> 'rep' or period_days is null then null
            when activities_in_period >= min_activities
                and (min_contacts is null or contacts_in_period is null or contacts_in_period >= min_contacts) then 'green'
            when activities_in_period > 0 then 'yellow'
            else 'red'
        end as working_grade,
        {#- The completion clock restarts with progress (an opportunity, or one at a listed stage). #}
        {{ later_of('held_since', 'last_progress_on') }} as completion_clock_from

    from joined

),

excluded as (

    select
        *,
        case
            when override_action in ('exclude', 'retire') then 'override: ' || coalesce(override_reason, override_action)
            when crm_owner_kind = 'static' then 'owned outside dynamic books (static territory)'
            when owner_kind = 'unknown' then 'SDR field holds ' || holder_id || ', who is not a CRM user'
            when owner_kind = 'static' then 'SDR field held outside dynamic books'
            when owner_kind = 'pool' and book is null and not is_customer and not has_open_opportunity
                then 'no target book for its segment or country'
        end as excluded_reason

    from graded

),

derived as (

    select
        *,
        case
            when excluded_reason is not null then 'excluded'
            when is_customer then 'customer'
            {#- A pool account an SDR converted waits for an AE of its book (released for review: no). #}
            when owner_field = 'owner' and owner_kind = 'pool' and is_converted_by_sdr and book is not null
                and not (coalesce(released_to_review, false) and reintroduced_on is null) then 'handoff'
            when has_open_opportunity then 'converted'
            {#- A meeting the SDR set converts the account for its AE too: it stays, never retrieved. #}
            when is_converted_by_sdr and owner_kind <> 'pool' then 'converted'
            when owner_kind in ('rep', 'inactive') then
                case
                    when pending_return_id is not null then
                        case when pending_return_goes_to_review then 'review' else 'resting' end
                    when owner_kind = 'inactive' then 'unworked'
                    when {{ days_between('last_touched_by_holder_at', as_of()) }} <= working_sla_days then
                        case
                            when {{ days_between('assigned_on', as_of()) }} >= grace_days
                                and retrieve_grades like {{ dbt.concat(["'%,'", "working_grade", "',%'"]) }}
                                then 'unworked'
                            when completion_days is not null
                                and {{ days_between('completion_clock_from', as_of()) }} >= completion_days
                                then 'completed'
                            when completion_activities is not null
                                and coalesce(last_progress_on, held_since) <= held_since
                                and activities_since_held >= completion_activities
                                then 'completed'
                            else 'working'
                        end
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

{#- What may leave a book this run, and why in words a rep understands. #}
candidates as (

    select
        *,
        case
            when owner_kind not in ('rep', 'inactive') then null
            when pending_return_id is not null and status in ('resting', 'review') then 'return'
            when is_pinned then null
            when owner_kind = 'inactive' and leaver_release_days > 0 and status = 'unworked' then 'leaver'
            when (is_holder_leaving or is_holder_on_long_time_off)
                and status in ('new', 'working', 'unworked', 'completed') then 'leaver'
            when status = 'unworked' then 'retrieve'
            when status = 'completed' then 'complete'
        end as release_candidate

    from derived

),

{#- Only what later models read: every column is written for every row. -#}
final as (

    select
        account_id,
        owner_field,
        case owner_field when 'owner' then 'owner_id' else sdr_owner_column end as crm_field,
        row_role as role,
        case when owner_kind = 'pool' then null else holder_id end as owner_id,
        owner_kind,
        book as target_book,
        status,
        excluded_reason,
        status = 'pool'
            and coalesce(receives, 'pool') <> 'handoffs'
            and (fit_score >= fit_threshold or timing_score >= timing_threshold) as ready,
        is_pinned,
        release_candidate,
        {#- Only on candidates: a reason built for every account was 10M strings nobody reads. -#}
        case
            when release_candidate is null then null
            when release_candidate = 'return' then 'returned: ' || pending_return_reason
            when release_candidate = 'leaver' and owner_kind = 'inactive'
                then 'owner is inactive in the CRM: book returned over '
                    || cast(leaver_release_days as {{ dbt.type_string() }}) || ' days, oldest untouched first'
            when release_candidate = 'leaver' and is_holder_leaving
                then coalesce(holder_name, holder_id) || ' leaves on ' || cast(holder_end_date as {{ dbt.type_string() }})
                    || ': book returned over ' || cast(leaver_release_days as {{ dbt.type_string() }})
                    || ' days, oldest untouched first'
            when release_candidate = 'leaver'
                then coalesce(holder_name, holder_id) || ' is on long time off'
                    || coalesce(' until ' || cast(holder_time_off_end as {{ dbt.type_string() }}), '')
                    || ': book returned, oldest untouched first'
            when owner_kind = 'inactive' then 'owner is inactive in the CRM'
            when release_candidate = 'complete' and completion_days is not null
                and {{ days_between('completion_clock_from', as_of()) }} >= completion_days
                then 'completed: held ' || cast({{ days_between('completion_clock_from', as_of()) }} as {{ dbt.type_string() }})
                    || ' days without progress'
            when release_candidate = 'complete'
                then 'completed: ' || cast(activities_since_held as {{ dbt.type_string() }})
                    || ' meaningful activities without progress'
            when {{ days_between('last_touched_by_holder_at', as_of()) }} <= working_sla_days
                then 'working grade ' || working_grade || ': ' || cast(activities_in_period as {{ dbt.type_string() }})
                    || ' meaningful activities in ' || cast(period_days as {{ dbt.type_string() }})
                    || ' days, at least ' || cast(min_activities as {{ dbt.type_string() }}) || ' wanted'
            else 'no meaningful activity by the ' || case owner_field when 'owner' then 'owner' else 'SDR' end
                || ' in ' || cast(working_sla_days as {{ dbt.type_string() }}) || ' days'
        end as release_reason,
        {#- A leaver's book leaves evenly over the days left (0: all of it now). -#}
        case
            when release_candidate <> 'leaver' then null
            when is_holder_leaving and owner_kind = 'rep'
                then greatest({{ days_between(as_of(), 'holder_end_date') }}, 0)
            else greatest(leaver_release_days - 1, 0)
        end as release_days_left,
        pending_return_reason,
        fit_score,
        timing_score,
        priority_score,
        tier,
        signal_count,
        last_signal_at,
        last_touched_by_holder_at as last_activity_at,
        last_touched_at,
        assigned_on,
        held_since,
        created_at,
        was_assigned_by_bookflow,
        has_open_opportunity,
        is_customer,
        working_grade,
        activities_in_period,
        contacts_in_period,
        case
            when status = 'resting' and pending_return_id is not null then pending_return_rest_until
            when status = 'resting' then released_rest_until
        end as rest_until

    from candidates

)

select * from final
