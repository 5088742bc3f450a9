create table signals.account_signal as
select
    account_id::varchar as account_id, signal_type::varchar as signal_type,
    occurred_at::timestamp as occurred_at, strength::double as strength
from account_signals
order by account_id, occurred_at, signal_type, strength
