{{ config(meta={
    'dagster': {'ref': {'name': 'ownership_changes'}},
    'description': 'One account, at most one change per owner field and run: never dealt twice, never dealt and released together (the CRM owner and the SDR field of one account may both change).'
}) }}
select account_id, crm_field, count(*) as changes
from {{ ref('ownership_changes') }}
group by account_id, crm_field
having count(*) > 1
