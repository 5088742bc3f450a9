{{ config(meta={
    'dagster': {'ref': {'name': 'ownership_changes'}},
    'description': 'A handoff moves the CRM owner of a pool account whose SDR converted it (an open opportunity or a meeting they set, and the SDR still holds it) to an AE of the account\'s own book.'
}) }}
with

handoffs as (

    select change_id, account_id, to_owner_id
    from {{ ref('ownership_changes') }}
    where change_type = 'handoff'

),

sdr_rows as (

    select account_id, owner_id, status
    from {{ ref('account_status') }}
    where crm_field <> 'owner_id'

)

select handoffs.change_id, handoffs.account_id, sdr_rows.status as sdr_status, owner_rows.status as owner_status
from handoffs
left join sdr_rows
    on handoffs.account_id = sdr_rows.account_id
left join {{ ref('account_status') }} as owner_rows
    on handoffs.account_id = owner_rows.account_id
    and owner_rows.crm_field = 'owner_id'
left join {{ ref('rep_capacity') }} as rep_capacity
    on handoffs.to_owner_id = rep_capacity.rep_id
where sdr_rows.owner_id is null
    or sdr_rows.status <> 'converted'
    or owner_rows.owner_id is not null
    or rep_capacity.target_book is distinct from owner_rows.target_book
