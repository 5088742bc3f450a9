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
    join keyed to the account alone runs before the rows are split by field (the roster is joined
    there for both holders), so an account no second role works is read and joined once; after
    the split one join brings the facts keyed to (account, field), gathered first from small
    tables (bookflow's own changes, returns, releases, activity counts). Everything joined is
    either tiny (users, roster, rules) or keyed to the accounts that have such a fact.
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

{#- The facts keyed to (account, field), one row each: one join after the split instead of four. #}
field_facts as (

    select
        account_id,
        owner_field,
        max(assigned_on) as assigned_on,
        max(bookflow_assigned_on) as bookflow_assigned_on,
        max(book_return_id) as pending_return_id,
        max(return_reason) as pending_return_reason,
        {#- Booleans through 1/0: Postgres has no max(boolean). #}
        max(case when pending_return_goes_to_review then 1 when not pending_return_goes_to_review then 0 end) = 1
            as pending_return_goes_to_review,
        max(pending_return_rest_until) as pending_return_rest_until,
        max(released_rest_until) as released_rest_until,
        max(case when released_to_review then 1 when not released_to_review then 0 end) = 1 as released_to_review,
        max(rest_broken_on) as rest_broken_on,
        max(reintroduced_on) as reintroduced_on,
        max(period_days) as period_days,
        max(min_activities) as min_activities,
        max(min_contacts) as min_contacts,
        max(activities_in_period) as activities_in_period,
        max(contacts_in_period) as contacts_in_period,
        max(activities_since_held) as activities_since_held

    from (
        select
            account_id, owner_field, assigned_on, bookflow_assigned_on,
            cast(null as {{ dbt.type_string() }}) as book_return_id,
            cast(null as {{ dbt.type_string() }}) as return_reason,
            cast(null as {{ dbt.type_boolean() }}) as pending_return_goes_to_review,
            cast(null as date) as pending_return_rest_until,
            cast(null as date) as released_rest_until,
            cast(null as {{ dbt.type_boolean() }}) as released_to_review,
            cast(null as date) as rest_broken_on,
            cast(null as date) as reintroduced_on,
            cast(null as {{ dbt.type_int() }}) as period_days,
            cast(null as {{ dbt.type_int() }}) as min_activities,
            cast(null as {{ dbt.type_int() }}) as min_contacts,
            cast(null as {{ dbt.type_int() }}) as activities_in_period,
            cast(null as {{ dbt.type_int() }}) as contacts_in_period,
            cast(null as {{ dbt.type_int() }}) as activities_since_held
        from assigned

        union all

        select
            account_id, owner_field, null, null, book_return_id, return_reason, goes_to_review,
            cast({{ dbt.dateadd('day', 'rest_days', 'cast(returned_at as date)') }} as date),
            null, null, null, null, null, null, null, null, null, null
        from pending_returns

        union all

        select
            account_id, owner_field, null, null, null, null, null, null,
            rest_until, goes_to_review, rest_broken_on, reintroduced_on, null, null, null, null, null, null
        from released

        union all

        select
            account_id, owner_field, null, null, null, null, null, null, null, null, null, null,
            period_days, min_activities, min_contacts, activities_in_period, contacts_in_period, activities_since_held
        from activity_counted
    ) as facts
    group by account_id, owner_field

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
        overrides.reason as override_reason,
        {#- Each holder's place in the roster, picked per field after the split. #}
        owner_reps.role as owner_rep_role,
        owner_reps.rep_name as owner_rep_name,
        owner_reps.end_date as owner_rep_end_date,
        owner_reps.time_off_end as owner_rep_time_off_end,
        owner_reps.is_leaving as owner_rep_is_leaving,
        owner_reps.is_on_long_time_off as owner_rep_is_on_long_time_off,
        sdr_reps.role as sdr_rep_role,
        sdr_reps.rep_name as sdr_rep_name,
        sdr_reps.end_date as sdr_rep_end_date,
        sdr_reps.time_off_end as sdr_rep_time_off_end,
        sdr_reps.is_leaving as sdr_rep_is_leaving,
        sdr_reps.is_on_long_time_off as sdr_rep_is_on_long_time_off

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
        case owner_fields.owner_field
            when 'owner' then account_facts.owner_receives else account_facts.sdr_receives
        end as receives,
        {#- The holder's roster facts, only where the holder is a rep of this field's role. #}
        case
            when owner_fields.owner_field = 'owner' and account_facts.crm_owner_kind = 'rep' then account_facts.owner_rep_role
            when owner_fields.owner_field = 'sdr' and account_facts.sdr_owner_kind = 'rep' then account_facts.sdr_rep_role
        end as holder_role,
        case owner_fields.owner_field when 'owner' then account_facts.owner_rep_name else account_facts.sdr_rep_name end
            as holder_name,
        case owner_fields.owner_field when 'owner' then account_facts.owner_rep_end_date else account_facts.sdr_rep_end_date end
            as holder_end_date,
        case owner_fields.owner_field
            when 'owner' then account_facts.owner_rep_time_off_end else account_facts.sdr_rep_time_off_end
        end as holder_time_off_end,
        case
            when owner_fields.owner_field = 'owner' and account_facts.crm_owner_kind = 'rep' then account_facts.owner_rep_is_leaving
            when owner_fields.owner_field = 'sdr' and account_facts.sdr_owner_kind = 'rep' then account_facts.sdr_rep_is_leaving
            else false
        end as is_holder_leaving,
        case
            when owner_fields.owner_field = 'owner' and account_facts.crm_owner_kind = 'rep'
                then account_facts.owner_rep_is_on_long_time_off
            when owner_fields.owner_field = 'sdr' and account_facts.sdr_owner_kind = 'rep'
                then account_facts.sdr_rep_is_on_long_time_off
            else false
        end as is_holder_on_long_time_off,
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
        coalesce(split.holder_role, split.book_role) as row_role,
        coalesce(field_facts.assigned_on, cast(split.created_at as date)) as assigned_on,
        field_facts.bookflow_assigned_on is not null as was_assigned_by_bookflow,
        {{ held_since('field_facts.bookflow_assigned_on', 'split.created_at', 'first_change.first_change_on') }} as held_since,
        field_facts.pending_return_id,
        field_facts.pending_return_reason,
        field_facts.pending_return_goes_to_review,
        field_facts.pending_return_rest_until,
        field_facts.released_rest_until,
        field_facts.released_to_review,
        field_facts.rest_broken_on,
        field_facts.reintroduced_on,
        field_facts.period_days,
        field_facts.min_activities,
        field_facts.min_contacts,
        field_facts.activities_in_period,
        field_facts.contacts_in_period,
        field_facts.activities_since_held,
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
    left join field_facts
        on split.account_id = field_facts.account_id
        and split.owner_field = field_facts.owner_field

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
        {#- The fit points, for marts.account_explanations: a view that reads them here, as the
            run built them, never from the raw accounts landed since. -#}
        industry,
        industry_points,
        employee_count,
        employee_points,
        annual_revenue,
        revenue_points,
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
