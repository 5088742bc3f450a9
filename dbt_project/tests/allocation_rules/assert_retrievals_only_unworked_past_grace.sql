{{ config(meta={
    'dagster': {'ref': {'name': 'ownership_changes'}},
    'description': 'A retrieval takes only an account whose holder logged no meaningful activity within the SLA, or whose working grade retrieve_grades names, once its grace period for a first touch is over; or the book of a holder who left the company, is leaving (end_date) or is on long time off. Never a pinned account.'
}) }}
-- Checked from the marts and the rules, not from the model's own flags.
with

retrievals as (

    select changes.change_id, changes.account_id, changes.crm_field, changes.from_owner_id, changes.as_of
    from {{ ref('ownership_changes') }} as changes
    where changes.change_type = 'retrieve'

),

holders as (

    select
        rep_capacity.rep_id,
        rep_capacity.capacity_state in ('leaving', 'left') as is_leaving,
        rep_capacity.capacity_state = 'time off' as is_away

    from {{ ref('rep_capacity') }} as rep_capacity

)

select retrievals.change_id, retrievals.account_id, account_status.last_activity_at, account_status.assigned_on
from retrievals
inner join {{ ref('account_status') }} as account_status
    on retrievals.account_id = account_status.account_id
    and retrievals.crm_field = account_status.crm_field
cross join {{ ref('stg_rules__settings') }} as settings
left join {{ ref('stg_crm__users') }} as users
    on retrievals.from_owner_id = users.user_id
left join holders
    on retrievals.from_owner_id = holders.rep_id
where account_status.is_pinned
    or (
        coalesce(users.is_active, false)
        and not coalesce(holders.is_leaving, false)
        and not (coalesce(holders.is_away, false) and settings.retrieve_during_time_off_days is not null)
        and (
            {{ days_between('account_status.assigned_on', 'retrievals.as_of') }} < settings.grace_days
            or (
                {{ days_between('account_status.last_activity_at', 'retrievals.as_of') }} <= settings.working_sla_days
                and not coalesce(
                    settings.retrieve_grades like {{ dbt.concat(["'%,'", "account_status.working_grade", "',%'"]) }},
                    false
                )
            )
        )
    )
