{#- How hard each held account is being worked: per account and owner field held by a rep, the
    holder's meaningful activities and distinct contacts in the period of its working threshold
    (activity_thresholds.csv: the row for the holder's role and the account's segment, else the
    role's row without a segment), and the holder's meaningful activities since the account came
    to them (for completion_activities). The status model grades and completes from these.

    Only accounts a rep holds are counted (a small share of all accounts), and only activities of
    the last `activity_count_window_days()` days are read, a constant the warehouse skips older
    blocks with. Without thresholds or completion_activities nothing is read at all. -#}
{%- set window_days = activity_count_window_days() | int %}
{#- Contacts are counted only where the CRM keeps who an activity was with (Salesforce's WhoId on
    tasks and events; HubSpot's engagement_contact associations); elsewhere null, and the contact
    part of a threshold is not applied. An activity is one row per contact on HubSpot (an
    engagement with two contacts touched both): each activity is counted once. #}
{%- set contact_columns = {
    'salesforce': [(source('salesforce', 'task'), 'who_id'), (source('salesforce', 'event'), 'who_id')],
    'hubspot': [(source('hubspot', 'engagement_contact'), 'contact_id')],
} %}
{%- set found = namespace(contacts=false) %}
{%- for relation, column in contact_columns[crm()] %}
{%- set found.contacts = found.contacts or relation_has_column(relation, column) %}
{%- endfor %}
{%- set has_contacts = found.contacts %}
with

accounts as (

    select account_id, owner_id, sdr_owner_id, employee_count, created_at from {{ ref('int_accounts_checked') }}

),

reps as (

    select * from {{ ref('reps') }}

),

segments as (

    select * from {{ ref('segments') }}

),

thresholds as (

    select * from {{ ref('activity_thresholds') }}

),

assigned as (

    select * from {{ ref('int_accounts_assigned') }}

),

first_change as (

    select min(effective_on) as first_change_on from {{ ref('stg_reverse_etl__applied_changes') }}

),

holders as (

    select accounts.account_id, 'owner' as owner_field, accounts.owner_id as holder_id, accounts.employee_count, accounts.created_at
    from accounts
    inner join reps
        on accounts.owner_id = reps.rep_id

    union all

    select accounts.account_id, 'sdr' as owner_field, accounts.sdr_owner_id as holder_id, accounts.employee_count, accounts.created_at
    from accounts
    inner join reps
        on accounts.sdr_owner_id = reps.rep_id

),

{#- The threshold of the holder's role in the account's segment, else the role's general one. #}
measured as (

    select
        holders.account_id,
        holders.owner_field,
        holders.holder_id,
        reps.role,
        coalesce(in_segment.period_days, for_role.period_days) as period_days,
        coalesce(in_segment.min_activities, for_role.min_activities) as min_activities,
        case when in_segment.role is not null then in_segment.min_contacts else for_role.min_contacts end as min_contacts,
        {{ held_since('assigned.bookflow_assigned_on', 'holders.created_at', 'first_change.first_change_on') }} as held_since

    from holders
    cross join first_change
    inner join reps
        on holders.holder_id = reps.rep_id
    left join segments
        on reps.role = segments.role
        and holders.employee_count >= segments.min_employees
        and (segments.max_employees is null or holders.employee_count <= segments.max_employees)
    left join thresholds as in_segment
        on reps.role = in_segment.role
        and segments.segment = in_segment.segment
    left join thresholds as for_role
        on reps.role = for_role.role
        and coalesce(for_role.segment, '') = ''
    left join assigned
        on holders.account_id = assigned.account_id
        and holders.owner_field = assigned.owner_field

),

recent as (

    {{ meaningful_activities() }}
        and activities.activity_at >= {{ day_starts(dbt.dateadd('day', -window_days, as_of())) }}
        {#- Only reps hold accounts here: other users' activities are never counted. #}
        and activities.owner_id in (select rep_id from reps)

),

{#- HubSpot gives one row per engagement and contact: each activity's first row carries it for the
    counts, so only the contacts need a distinct count (one distinct aggregate per query keeps every
    warehouse on its plain plan). Salesforce's activities are one row each: nothing to rank. #}
recent_rows as (

    select
        recent.*,
        {%- if crm() == 'hubspot' %}
        row_number() over (partition by recent.account_id, recent.activity_id order by recent.who_id) as contact_rank
        {%- else %}
        1 as contact_rank
        {%- endif %}
    from recent

),

counted as (

    select
        measured.account_id,
        measured.owner_field,
        measured.holder_id,
        measured.role,
        measured.period_days,
        measured.min_activities,
        measured.min_contacts,
        measured.held_since,
        cast(count(case when {{ days_between('recent.activity_at', as_of()) }} <= measured.period_days
            and recent.contact_rank = 1 then 1 end) as {{ dbt.type_int() }}) as activities_in_period,
        {%- if has_contacts %}
        cast(count(distinct case when {{ days_between('recent.activity_at', as_of()) }} <= measured.period_days
            then recent.who_id end) as {{ dbt.type_int() }}) as contacts_in_period,
        {%- else %}
        cast(null as {{ dbt.type_int() }}) as contacts_in_period,
        {%- endif %}
        cast(count(case when cast(recent.activity_at as date) >= measured.held_since
            and recent.contact_rank = 1 then 1 end) as {{ dbt.type_int() }}) as activities_since_held

    from measured
    left join recent_rows as recent
        on measured.account_id = recent.account_id
        and measured.holder_id = recent.owner_id
    {%- if window_days <= 0 %}
    where 1 = 0
    {%- endif %}
    group by
        measured.account_id,
        measured.owner_field,
        measured.holder_id,
        measured.role,
        measured.period_days,
        measured.min_activities,
        measured.min_contacts,
        measured.held_since

)

select * from counted
