-- Each book's candidates are ranked once per owner field (account 7 first, then the customers
-- reps keep, then hash order), and each rep in the book takes the next `quota` of them, so books
-- of a field never overlap and a book with too few accounts caps its reps. The SDR field ranks
-- prospects (never customers) by another draw, so BDR books overlap AE books by chance: some
-- accounts have both, some only a BDR with the pool as CRM owner. Only the front of each queue
-- can be dealt, so the rest is cut by its hash before the sort: ranking ten million rows in a
-- handful of partitions is single-threaded and slow.
create temp table rep_owned as
with fields as (
    select distinct owner_field from rep_quota
),
eligible as (
    select
        a.i, a.segment, a.theater, a.is_customer, f.owner_field,
        case f.owner_field when 'owner' then u(a.i, 'rank') else u(a.i, 'rank_sdr') end as rank_draw
    from acc_base a
    cross join fields f
    where a.segment is not null and a.theater is not null
        and not a.is_deleted and a.dirty_kind is null and a.i <> 11
        and (
            (f.owner_field = 'owner' and (not a.is_customer or u(a.i, 'static') >= 0.6))
            or (f.owner_field = 'sdr' and not a.is_customer and a.i <> 7)
        )
),
wanted as (
    select owner_field, segment, theater, sum(quota) as wanted
    from rep_quota
    group by owner_field, segment, theater
),
queue_front as (
    select e.owner_field, e.segment, e.theater, least(1.0, (2 * any_value(w.wanted) + 200) / count(*)) as cutoff
    from eligible e
    join wanted w on w.owner_field = e.owner_field and w.segment = e.segment and w.theater = e.theater
    group by e.owner_field, e.segment, e.theater
),
candidates as (
    select
        e.i, e.owner_field, e.segment, e.theater,
        row_number() over (
            partition by e.owner_field, e.segment, e.theater
            order by e.i = 7 desc, e.is_customer desc, e.rank_draw, e.i
        ) as rank_in_book
    from eligible e
    join queue_front f on f.owner_field = e.owner_field and f.segment = e.segment and f.theater = e.theater
    where e.i = 7 or e.is_customer or e.rank_draw < f.cutoff
),
ranges as (
    select
        rep_id, owner_field, segment, theater, quota,
        sum(quota) over (partition by owner_field, segment, theater order by rep_id) as upto
    from rep_quota
)
select c.i, r.rep_id, r.owner_field
from candidates c
join ranges r
    on c.owner_field = r.owner_field and c.segment = r.segment and c.theater = r.theater
    and c.rank_in_book > r.upto - r.quota and c.rank_in_book <= r.upto
