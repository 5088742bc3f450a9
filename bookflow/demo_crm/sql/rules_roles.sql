create temp table r_roles as
select trim(role) as role, trim(owner_field) as owner_field
from read_csv(?, header = true, all_varchar = true)
