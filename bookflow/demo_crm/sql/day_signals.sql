insert into signals.account_signal
select
    account_id,
    $types[1 + (hash(account_id, $seed, $stamp, 'stype') % len($types))::bigint],
    $day::timestamp + to_seconds((hash(account_id, $seed, $stamp, 'stime') % 86400)::bigint),
    round(0.05 + 0.95 * (hash(account_id, $seed, $stamp, 'strength') % 1000) / 1000.0, 3)
from picked
where with_signal
