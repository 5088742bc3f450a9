create temp table r_activity_types as
select trim(activity_type) as activity_type, lower(trim(is_meaningful)) = 'true' as is_meaningful
from read_csv(?, header = true, all_varchar = true)
