-- Owners: rep books, static account managers, a former rep, the pool; and how the owner works
-- a rep-owned account.
create temp table acc as
with owned as (
    select
        a.*,
        case
            when a.dirty_kind = 'null_owner' then 'dirty'
            when a.dirty_kind = 'unknown_owner' then 'dirty'
            when r.rep_id is not null then 'rep'
            when a.is_customer then 'static'
            when f.i is not null then 'former'
            else 'pool'
        end as owner_kind,
        case
            when a.dirty_kind = 'null_owner' then null
            when a.dirty_kind = 'unknown_owner' then getvariable('unknown_owner_id')
            when r.rep_id is not null then r.rep_id
            when a.is_customer then pick('static_users', a.i, 'static_owner')
            when f.i is not null then getvariable('former_id')
            else getvariable('pool_id')
        end as owner_id
    from acc_base a
    left join rep_owned r on a.i = r.i
    left join former_owned f on a.i = f.i
),
worked as (
    -- How the owner works a rep-owned account: ~70% working, ~25% stale, the rest new
    -- and untouched. Stale needs an account old enough to have gone stale.
    select
        *,
        case
            when owner_kind <> 'rep' then null
            when age_days <= 14 then case when u(i, 'status') < 0.6 then 'new' else 'working' end
            when u(i, 'status') < 0.70 then 'working'
            when u(i, 'status') < 0.95 then
                case when age_days >= 90 and u(i, 'stale_kind') < 0.5 then 'stale_old' else 'stale_auto' end
            else 'new'
        end as status
    from owned
)
select
    * exclude (age_days),
    -- An untouched account is a recently created one, still inside its grace period.
    case when status = 'new' and age_days > 13 then 1 + floor(u(i, 'new_age') * 13)::integer
         else age_days end as age_days,
    salesforce_id('001', i) as id
from worked
