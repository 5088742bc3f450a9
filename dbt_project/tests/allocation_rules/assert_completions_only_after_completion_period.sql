{{ config(meta={
    'dagster': {'ref': {'name': 'ownership_changes'}},
    'description': 'An account is completed only when its holder has had it completion_days days since the later of getting it and the last progress (an opportunity), or logged completion_activities meaningful activities on it without progress since getting it; never a pinned one.'
}) }}
select changes.change_id, changes.account_id, derived.held_since, flags.last_progress_on
from {{ ref('ownership_changes') }} as changes
inner join {{ ref('int_accounts_status_derived') }} as derived
    on changes.account_id = derived.account_id
    and changes.crm_field = derived.crm_field
cross join {{ ref('stg_rules__settings') }} as settings
left join {{ ref('int_accounts_opportunity_flags') }} as flags
    on changes.account_id = flags.account_id
left join {{ ref('int_accounts_activity_counted') }} as counted
    on derived.account_id = counted.account_id
    and derived.owner_field = counted.owner_field
where changes.change_type = 'complete'
    and (
        derived.is_pinned
        or not (
            coalesce(
                {{ days_between(later_of('derived.held_since', 'flags.last_progress_on'), 'changes.as_of') }}
                    >= settings.completion_days,
                false
            )
            or coalesce(
                counted.activities_since_held >= settings.completion_activities
                    and coalesce(flags.last_progress_on, derived.held_since) <= derived.held_since,
                false
            )
        )
    )
