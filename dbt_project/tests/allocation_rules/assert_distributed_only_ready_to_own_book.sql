{{ config(meta={
    'dagster': {'ref': {'name': 'ranked_assignments'}},
    'description': 'An account is dealt only when it is ready (or, as a handoff, waiting for an AE after its SDR converted it), only in the owner field of its book, and only to a rep of its own target book.'
}) }}
select
    assignments.account_id,
    assignments.rep_id,
    assignments.deal_kind,
    account_status.status,
    account_status.ready,
    account_status.target_book as account_book,
    rep_capacity.target_book as rep_book
from {{ ref('ranked_assignments') }} as assignments
left join {{ ref('account_status') }} as account_status
    on assignments.account_id = account_status.account_id
    and assignments.crm_field = account_status.crm_field
left join {{ ref('rep_capacity') }} as rep_capacity
    on assignments.rep_id = rep_capacity.rep_id
where (assignments.deal_kind = 'distribute' and not coalesce(account_status.ready, false))
    or (assignments.deal_kind = 'handoff' and account_status.status is distinct from 'handoff')
    or account_status.target_book is distinct from assignments.target_book
    or rep_capacity.target_book is distinct from assignments.target_book
    or rep_capacity.crm_field is distinct from assignments.crm_field
