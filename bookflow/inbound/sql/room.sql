-- Open capacity per rep: the last cycle's, minus what inbound routing moved since that cycle.
create or replace temp table room as
with

snapshot as (
    select * from inbound.rep_capacity where capacity > 0
),

moves as (
    select to_owner_id as rep_id, 1 as delta, routed_at
    from inbound.ownership_changes
    where as_of > $snapshot_as_of and to_owner_id is not null and to_owner_id is distinct from from_owner_id
    union all
    select from_owner_id, -1, routed_at
    from inbound.ownership_changes
    where as_of > $snapshot_as_of and from_owner_id is not null and to_owner_id is distinct from from_owner_id
),

net as (
    select rep_id, sum(delta) as routed_in from moves group by rep_id
),

last_received as (
    select to_owner_id as rep_id, max(routed_at) as last_inbound_at
    from inbound.ownership_changes
    where to_owner_id is distinct from from_owner_id
    group by to_owner_id
)

select
    snapshot.rep_id,
    snapshot.target_book,
    snapshot.capacity - snapshot.book_size_after - coalesce(net.routed_in, 0) as open_capacity,
    last_received.last_inbound_at
from snapshot
left join net on snapshot.rep_id = net.rep_id
left join last_received on snapshot.rep_id = last_received.rep_id
