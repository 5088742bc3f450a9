create temp table picked as
select
    id as account_id,
    owner_id,
    row_number() over (order by id) as k,
    hash(id, $seed, $stamp, 'sig') % 3 = 0 as with_signal
from salesforce.account
where not coalesce(is_deleted, false) and owner_id is not null
    and (hash(id, $seed, $stamp, 'day') % 1000000) / 1000000.0 < $share
