{{ config(meta={
    'dagster': {'ref': {'name': 'ownership_changes'}},
    'description': 'A return moves an account only when its holder filed one, and its rest or review follows the reason: review reasons wait for RevOps, the others rest for the days the reason sets.'
}) }}
select changes.change_id, changes.account_id, account_status.status, account_status.rest_until
from {{ ref('ownership_changes') }} as changes
inner join {{ ref('account_status') }} as account_status
    on changes.account_id = account_status.account_id
    and changes.crm_field = account_status.crm_field
left join {{ ref('int_book_returns_pending') }} as pending
    on changes.account_id = pending.account_id
    and (case when changes.crm_field = 'owner_id' then 'owner' else 'sdr' end) = pending.owner_field
where changes.change_type = 'return'
    and (
        pending.account_id is null
        or pending.returned_by_id is distinct from changes.from_owner_id
        or (pending.goes_to_review and account_status.status <> 'review')
        or (
            not pending.goes_to_review
            and (
                account_status.status <> 'resting'
                or account_status.rest_until <> cast({{ dbt.dateadd('day', 'pending.rest_days', 'cast(pending.returned_at as date)') }} as date)
            )
        )
    )
