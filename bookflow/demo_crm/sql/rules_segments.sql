create temp table r_segments as
select
    trim(segment) as segment,
    cast(min_employees as integer) as min_employees,
    cast(nullif(trim(max_employees), '') as integer) as max_employees
from read_csv(?, header = true, all_varchar = true)
