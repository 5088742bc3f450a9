{{ config(meta={
    'dagster': {'ref': {'name': 'ownership_changes'}},
    'description': 'One account, at most one change per run: never dealt twice, never dealt and retrieved together.'
}) }}
select account_id, count(*) as changes
from {{ ref('ownership_changes') }}
group by account_id
having count(*) > 1
