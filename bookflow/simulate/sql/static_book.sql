-- The static world's books: the territories, a leaver's passing to their hire on the hire's first day.
create or replace temp table book as
select territories.account_id, coalesce(successions.hire_id, territories.rep_id) as rep_id
from territories
left join successions
    on successions.leaver_id = territories.rep_id
    and successions.starts_on <= getvariable('day');
