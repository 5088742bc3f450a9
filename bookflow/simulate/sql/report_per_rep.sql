-- Each rep over the whole run: distinct accounts touched and opportunities opened, in each world.
select
    reps.rep_name,
    (select count(distinct account_id) from touches where world = 'static' and rep_id = reps.rep_id),
    (select count(*) from opportunities where world = 'static' and rep_id = reps.rep_id),
    (select count(distinct account_id) from touches where world = 'dynamic' and rep_id = reps.rep_id),
    (select count(*) from opportunities where world = 'dynamic' and rep_id = reps.rep_id)
from reps
order by reps.rep_name
