-- The accounts the rep who left still owns: a few, never customers.
create temp table former_owned as
select a.i
from acc_base a
anti join (select i from rep_owned where owner_field = 'owner') r on a.i = r.i
where not a.is_customer and not a.is_deleted and a.dirty_kind is null and a.i > 20
order by u(a.i, 'former'), a.i
limit ?
