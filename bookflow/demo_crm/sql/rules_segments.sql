-- One row per segment: every role working a segment shares its band.
create temp table r_segments as
select distinct
    trim(segment) as segment,
    cast(min_employees as integer) as min_employees,
    cast(nullif(trim(max_employees), '') as integer) as max_employees
from read_csv(?, header = true, all_varchar = true)
