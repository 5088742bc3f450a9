-- The roster with the owner field each rep's role writes (r_roles: roles.csv, empty without it).
create temp table r_reps as
select
    trim(reps.rep_id) as rep_id, trim(reps.rep_name) as rep_name, trim(reps.role) as role,
    coalesce(r_roles.owner_field, 'owner') as owner_field, trim(reps.segment) as segment,
    trim(reps.theater) as theater, cast(reps.capacity as integer) as capacity,
    cast(nullif(trim(reps.start_date), '') as date) as start_date,
    cast(nullif(trim(reps.ramp_days), '') as integer) as ramp_days,
    cast(nullif(trim(reps.end_date), '') as date) as end_date
from r_reps_raw as reps
left join r_roles
    on trim(reps.role) = r_roles.role
