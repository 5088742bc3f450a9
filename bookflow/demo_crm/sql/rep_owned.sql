-- Each book's candidates are ranked once (account 7 first, then the customers reps keep, then
-- hash order), and each rep in the book takes the next `quota` of them, so books never overlap
-- and a book with too few accounts caps its reps. Only the front of each queue can be dealt,
-- so the rest is cut by its hash before the sort: ranking ten million rows in a handful of
-- partitions is single-threaded and slow.
create temp table rep_owned as
with eligible as (
    select i, segment, theater, is_customer, u(i, 'rank') as rank_draw
    from acc_base
    where segment is not null and theater is not null
        and not is_deleted and dirty_kind is null and i <> 11
        and (not is_customer or u(i, 'static') >= 0.6)
),
wanted as (
    select segment, theater, sum(quota) as wanted
    from rep_quota
    group by segment, theater
),
queue_front as (
    select e.segment, e.theater, least(1.0, (2 * any_value(w.wanted) + 200) / count(*)) as cutoff
    from eligible e
    join wanted w on w.segment = e.segment and w.theater = e.theater
    group by e.segment, e.theater
),
candidates as (
    select
        e.i, e.segment, e.theater,
        row_number() over (
            partition by e.segment, e.theater
            order by e.i = 7 desc, e.is_customer desc, e.rank_draw, e.i
        ) as rank_in_book
    from eligible e
    join queue_front f on f.segment = e.segment and f.theater = e.theater
    where e.i = 7 or e.is_customer or e.rank_draw < f.cutoff
),
ranges as (
    select
        rep_id, segment, theater, quota,
        sum(quota) over (partition by segment, theater order by rep_id) as upto
    from rep_quota
)
select c.i, r.rep_id
from candidates c
join ranges r
    on c.segment = r.segment and c.theater = r.theater
    and c.rank_in_book > r.upto - r.quota and c.rank_in_book <= r.upto
