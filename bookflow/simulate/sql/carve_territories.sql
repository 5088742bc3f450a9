-- Static territories for the prospects that have none yet. Geography units (billing country and
-- state within a target book) are dealt round-robin to the book's reps on the first day; a unit
-- first seen later goes to the rep its hash picks. `crm` keeps the owner a rep had before the
-- first day (also outside the roster's target books).
insert into territory_units
with new_units as (
    select distinct target_book, geography from prospects
    anti join territory_units using (target_book, geography)
),
numbered as (
    select
        *,
        case
            when getvariable('day') = getvariable('start')
                then row_number() over (partition by target_book order by geography) - 1
            else hash(geography, getvariable('seed'))
        end as unit_number
    from new_units
),
book_reps as (
    select
        target_book,
        rep_id,
        row_number() over (partition by target_book order by rep_id) - 1 as rep_number,
        count(*) over (partition by target_book) as rep_count
    from reps
    where is_carved
)
select numbered.target_book, numbered.geography, book_reps.rep_id
from numbered
inner join book_reps
    on book_reps.target_book = numbered.target_book
    and book_reps.rep_number = numbered.unit_number % book_reps.rep_count;

insert into territories
with kept as (
    select initial_owners.account_id, initial_owners.owner_id as rep_id
    from initial_owners
    inner join reps on reps.rep_id = initial_owners.owner_id and reps.is_carved
    where getvariable('static_territories') = 'crm'
)
select prospects.account_id, coalesce(kept.rep_id, units.rep_id)
from prospects
left join territory_units as units using (target_book, geography)
left join kept using (account_id)
where prospects.account_id not in (select account_id from territories)
    and coalesce(kept.rep_id, units.rep_id) is not null;
