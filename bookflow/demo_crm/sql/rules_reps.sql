create temp table r_reps as
select
    trim(rep_id) as rep_id, trim(rep_name) as rep_name, trim(segment) as segment,
    trim(theater) as theater, cast(capacity as integer) as capacity,
    cast(nullif(trim(start_date), '') as date) as start_date,
    cast(nullif(trim(ramp_days), '') as integer) as ramp_days
from read_csv(?, header = true, all_varchar = true)
