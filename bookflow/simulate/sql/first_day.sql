-- The roster as the first day's pipeline run measured it. Static territories are carved among the
-- reps already at work: a rep who has not started yet, or a hire, gets a territory only by
-- taking over a leaver's.
insert into reps
select
    capacity.rep_id,
    capacity.rep_name,
    capacity.target_book,
    capacity.capacity_state <> 'not started'
        and capacity.rep_id not in (select hire_id from successions) as is_carved
from warehouse.marts.rep_capacity as capacity
-- The simulation plays the CRM owner's books; an SDR field's books are not in it.
where capacity.crm_field = 'owner_id';
