-- Every NBTAM account of a book with reps belongs for good to one rep of its book: billing
-- country and state units dealt round-robin over the book's reps (`geography`), or the CRM's
-- owner before the first day with the unowned carved by geography (`crm`).
create table static_territories as
with units as (
    select target_book, geography,
        row_number() over (partition by target_book order by geography) - 1 as unit_number
    from (select distinct target_book, geography from truth where is_nbtam)
),
book_reps as (
    select target_book, rep_id,
        row_number() over (partition by target_book order by rep_id) - 1 as rep_number,
        count(*) over (partition by target_book) as rep_count
    from reps
),
by_geography as (
    select truth.account_id, book_reps.rep_id
    from truth
    inner join units using (target_book, geography)
    inner join book_reps
        on book_reps.target_book = truth.target_book
        and book_reps.rep_number = units.unit_number % book_reps.rep_count
    where truth.is_nbtam
),
in_crm as (
    select owners.account_id, owners.owner_id as rep_id
    from initial_owners as owners
    inner join truth using (account_id)
    inner join reps on reps.rep_id = owners.owner_id
    where truth.is_nbtam
)
select by_geography.account_id,
    case when getvariable('static_territories') = 'crm'
        then coalesce(in_crm.rep_id, by_geography.rep_id)
        else by_geography.rep_id
    end as rep_id
from by_geography
left join in_crm using (account_id)
union all
-- NBTAM accounts a rep owns outside the roster's target books stay with that rep in the crm mode.
select in_crm.account_id, in_crm.rep_id
from in_crm
anti join by_geography using (account_id)
where getvariable('static_territories') = 'crm';
