{{ config(meta={
    'dagster': {'ref': {'name': 'ownership_changes'}},
    'description': 'A retrieval takes only an account whose owner logged no meaningful activity within the SLA and whose grace period for a first touch is over (unless the owner left the company).'
}) }}
select changes.change_id, changes.account_id, account_status.last_activity_at, account_status.assigned_on
from {{ ref('ownership_changes') }} as changes
inner join {{ ref('account_status') }} as account_status
    on changes.account_id = account_status.account_id
cross join {{ ref('stg_rules__settings') }} as settings
left join {{ ref('stg_crm__users') }} as users
    on changes.from_owner_id = users.user_id
where changes.change_type = 'retrieve'
    and coalesce(users.is_active, false)
    and (
        account_status.is_pinned
        or {{ days_between('account_status.last_activity_at', 'changes.as_of') }} <= settings.working_sla_days
        or {{ days_between('account_status.assigned_on', 'changes.as_of') }} < settings.grace_days
    )
