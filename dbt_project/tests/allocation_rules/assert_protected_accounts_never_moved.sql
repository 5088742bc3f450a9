{{ config(meta={
    'dagster': {'ref': {'name': 'ownership_changes'}},
    'description': 'Converted accounts, customers and excluded accounts are never retrieved or distributed; resting and review accounts are not distributed.'
}) }}
select changes.change_id, changes.account_id, changes.change_type, account_status.status
from {{ ref('ownership_changes') }} as changes
inner join {{ ref('account_status') }} as account_status
    on changes.account_id = account_status.account_id
where changes.change_type <> 'inbound'  -- routed between cycles, on the facts of that moment
    and (
        account_status.status in ('converted', 'customer', 'excluded')
        or (changes.change_type in ('distribute') and account_status.status in ('resting', 'review'))
    )
