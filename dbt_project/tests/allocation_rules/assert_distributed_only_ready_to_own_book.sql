{{ config(meta={
    'dagster': {'ref': {'name': 'ranked_assignments'}},
    'description': 'An account is dealt only when it is ready, and only to a rep of its own target book.'
}) }}
select
    assignments.account_id,
    assignments.rep_id,
    account_status.status,
    account_status.ready,
    account_status.target_book as account_book,
    rep_capacity.target_book as rep_book
from {{ ref('ranked_assignments') }} as assignments
left join {{ ref('account_status') }} as account_status
    on assignments.account_id = account_status.account_id
left join {{ ref('rep_capacity') }} as rep_capacity
    on assignments.rep_id = rep_capacity.rep_id
where not coalesce(account_status.ready, false)
    or account_status.target_book is distinct from assignments.target_book
    or rep_capacity.target_book is distinct from assignments.target_book
