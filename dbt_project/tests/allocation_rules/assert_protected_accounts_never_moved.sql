{{ config(meta={
    'dagster': {'ref': {'name': 'ownership_changes'}},
    'description': 'Converted accounts, customers and excluded accounts are never released or dealt, in any owner field; resting and review accounts are not dealt. A handoff moves only an account waiting for it.'
}) }}
select changes.change_id, changes.account_id, changes.crm_field, changes.change_type, account_status.status
from {{ ref('ownership_changes') }} as changes
inner join {{ ref('account_status') }} as account_status
    on changes.account_id = account_status.account_id
    and changes.crm_field = account_status.crm_field
where changes.change_type <> 'inbound'  -- routed between cycles, on the facts of that moment
    and (
        account_status.status in ('converted', 'customer', 'excluded')
        or (changes.change_type = 'distribute' and account_status.status in ('resting', 'review', 'handoff'))
        or (changes.change_type = 'handoff' and account_status.status <> 'handoff')
    )
