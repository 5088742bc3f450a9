{{ config(meta={
    'dagster': {'ref': {'name': 'ranked_assignments'}},
    'description': 'A displacement releases a held account only for a waiting account of a better tier, which this run deals in the same book; never a pinned account.'
}) }}
select displaced.account_id, displaced.displaced_by_account_id, displaced.tier, assignments.tier as waiting_tier
from {{ ref('int_accounts_displaced') }} as displaced
left join {{ ref('ranked_assignments') }} as assignments
    on displaced.displaced_by_account_id = assignments.account_id
    and displaced.owner_field = assignments.owner_field
left join {{ ref('account_status') }} as account_status
    on displaced.account_id = account_status.account_id
    and displaced.crm_field = account_status.crm_field
where assignments.account_id is null
    or assignments.target_book <> displaced.target_book
    or assignments.tier >= displaced.tier
    or account_status.is_pinned
