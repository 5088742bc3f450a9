-- Owners: rep books, static account managers, a former rep, the pool; the BDR holding the SDR
-- field, where one does; and how the owner and the BDR work the account.
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
        end as owner_id,
        s.rep_id as sdr_owner_id
    from acc_base a
    left join rep_owned r on a.i = r.i and r.owner_field = 'owner'
    left join rep_owned s on a.i = s.i and s.owner_field = 'sdr'
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
        end as status,
        -- How the BDR works it: ~80% working, ~8% slowing (last touched 15-29 days ago: red on a
        -- two-week threshold), ~7% stale (31-60 days ago), ~5% converted (a meeting set in the last
        -- days: handed to an AE).
        case
            when sdr_owner_id is null then null
            when u(i, 'sdr_status') < 0.80 then 'working'
            when u(i, 'sdr_status') < 0.88 then 'slowing'
            when u(i, 'sdr_status') < 0.95 then 'stale'
            else 'converted'
        end as sdr_status
    from owned
)
select
    * exclude (age_days),
    -- An untouched account is a recently created one, still inside its grace period.
    case when status = 'new' and age_days > 13 then 1 + floor(u(i, 'new_age') * 13)::integer
         else age_days end as age_days,
    salesforce_id('001', i) as id
from worked
