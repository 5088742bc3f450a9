{#- A meeting set hands an SDR's account to an AE: the latest activity of a handoff type
    (settings.csv handoff_activity_types, e.g. Meeting) per account and the user who logged it,
    dated within working_sla_days before the run or any day after it (a meeting is booked ahead).
    The status model reads it for the SDR holding the account. Without handoff types only
    opportunities hand off, and this model is empty.

    Few rows: one activity type in a recent window (the warehouse skips most blocks of activities
    on the date column), logged by the reps of a role writing the SDR field. -#}
{#- The window is a constant in the SQL, so the warehouse can skip blocks of older activities. #}
{%- set types = handoff_activity_types() %}
{%- set window_days = setting_at_compile('working_sla_days', 30) | int %}
with

activities as (

    select * from {{ ref('stg_crm__activities') }}

),

sdr_reps as (

    select reps.rep_id
    from {{ ref('reps') }} as reps
    inner join {{ ref('roles') }} as roles
        on reps.role = roles.role
    where roles.owner_field = 'sdr'

),

touched as (

    select
        activities.account_id,
        activities.owner_id,
        max(activities.activity_at) as last_handoff_activity_at

    from activities
    {%- if types %}
    where activities.activity_type in ({{ types }})
        and activities.activity_at >= {{ day_starts(dbt.dateadd('day', -window_days, as_of())) }}
        and activities.account_id is not null
        and activities.owner_id in (select rep_id from sdr_reps)
    {%- else %}
    where 1 = 0
    {%- endif %}
    group by activities.account_id, activities.owner_id

)

select * from touched
