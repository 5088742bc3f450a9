-- The first day's scores and NBTAM and the roster, as the pipeline measured them, for both worlds.
create table truth as
select
    scores.account_id,
    scores.tier,
    scores.priority_score,
    status.target_book,
    status.target_book is not null
        and status.status not in ('customer', 'excluded', 'converted') as is_nbtam,
    coalesce(owners.billing_country, '') || '-' || coalesce(owners.billing_state, '') as geography
from warehouse.marts.account_scores as scores
inner join warehouse.marts.account_status as status using (account_id)
left join initial_owners as owners using (account_id);

create table reps as
select rep_id, rep_name, target_book from warehouse.marts.rep_capacity order by rep_id;
