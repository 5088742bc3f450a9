-- Hand raises routing has not settled: new in the inbox, or queued earlier (a full book, nobody
-- at work) and worth another look now.
create or replace temp table pending as
select inbox.*, outcomes.outcome as previous_outcome
from inbound.hand_raise_inbox as inbox
left join inbound.hand_raises as outcomes
    on inbox.hand_raise_id = outcomes.hand_raise_id
where outcomes.hand_raise_id is null or outcomes.outcome = 'queued'
