-- Ids carry the day, so days never collide: record number yyyymmdd * 10^6 + k.
insert into salesforce.task (id, account_id, owner_id, type, activity_date, is_deleted)
select
    salesforce_id('00T', cast($stamp as bigint) * 1000000 + k),
    account_id,
    owner_id,
    $types[1 + (hash(account_id, $seed, $stamp, 'type') % len($types))::bigint],
    $day::timestamp + to_seconds((25200 + hash(account_id, $seed, $stamp, 'time') % 43200)::bigint),
    false
from picked
