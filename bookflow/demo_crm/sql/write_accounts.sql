create table salesforce.account as
with rows as (
    select i, 0 as copy, id, name, owner_id, sdr_owner_id, type, industry, employees, annual_revenue,
           country, billing_state, age_days, is_deleted
    from acc
    union all
    -- The same id loaded twice with a different name, as a broken sync would.
    select i, 1, id, name || ' (Duplicate)', owner_id, sdr_owner_id, type, industry, employees, annual_revenue,
           country, billing_state, age_days, is_deleted
    from acc
    where dirty_kind = 'duplicate_id'
)
select
    id::varchar as id,
    name::varchar as name,
    owner_id::varchar as owner_id,
    type::varchar as type,
    industry::varchar as industry,
    employees::integer as number_of_employees,
    annual_revenue::double as annual_revenue,
    country::varchar as billing_country,
    billing_state::varchar as billing_state,
    days_before(age_days, i, 'created_time')::timestamp as created_date,
    is_deleted::boolean as is_deleted,
    -- Renamed to the rules' sdr_owner_column, or dropped without one (generator.write_tables).
    sdr_owner_id::varchar as sdr_owner_id
from rows
order by i, copy
