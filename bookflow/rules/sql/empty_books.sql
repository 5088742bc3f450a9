-- Target books of the roster (role-segment-theater) with no live account in the raw accounts.
with

reps as (
    select distinct trim(role) as role, trim(segment) as segment, trim(theater) as theater
    from read_csv($reps, header = true, all_varchar = true)
),

segments as (
    select
        trim(segment) as segment,
        cast(min_employees as integer) as min_employees,
        cast(nullif(trim(max_employees), '') as integer) as max_employees
    from read_csv($segments, header = true, all_varchar = true)
),

theaters as (
    select upper(trim(billing_country)) as billing_country, trim(theater) as theater
    from read_csv($theaters, header = true, all_varchar = true)
),

found as (
    select distinct segments.segment, theaters.theater
    from salesforce.account as accounts
    inner join segments
        on accounts.number_of_employees >= segments.min_employees
        and (segments.max_employees is null or accounts.number_of_employees <= segments.max_employees)
    inner join theaters
        on upper(accounts.billing_country) = theaters.billing_country
    where not coalesce(accounts.is_deleted, false)
)

select reps.role || '-' || reps.segment || '-' || reps.theater as target_book
from reps
left join found
    on reps.segment = found.segment
    and reps.theater = found.theater
where found.segment is null
order by target_book
