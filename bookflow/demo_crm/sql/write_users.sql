create table salesforce."user" as
with users as (
    select getvariable('pool_id') as id, ? as name, true as is_active
    union all
    select rep_id, rep_name, true from r_reps
    union all
    select unnest(?::varchar[]), unnest(?::varchar[]), true
    union all
    select getvariable('former_id'), ?, false
)
select
    id::varchar as id,
    name::varchar as name,
    (lower(regexp_replace(strip_accents(name), '[^A-Za-z]+', '.', 'g')) || '@' || ?)::varchar as email,
    is_active::boolean as is_active
from users
order by id
