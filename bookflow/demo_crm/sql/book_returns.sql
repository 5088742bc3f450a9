create temp table book_returns as
with returns as (
    -- Pending: the current owner handed the account back in the last 5 days.
    select
        i, 1 as kind, id, owner_id as returned_by,
        1 + floor(u(i, 'ret_day') * least(5, age_days))::integer as days_ago,
        false as is_deleted
    from acc
    where owner_kind = 'rep' and u(i, 'ret_pending') < 0.03
    union all
    -- History: a rep returned a pool account 10-400 days ago.
    select
        i, 2, id, pick('previous_owners', i, 'ret_by'),
        10 + floor(u(i, 'ret_day') * least(391, age_days - 9))::integer,
        u(i, 'ret_deleted') < 0.02
    from acc
    where owner_kind = 'pool' and not is_deleted and age_days >= 10 and u(i, 'ret_old') < 0.05
)
select
    salesforce_id('a00', row_number() over (order by i, kind)) as id,
    id as account_c, returned_by as returned_by_c,
    pick('return_reasons', i * 2 + kind, 'ret_reason') as reason_c,
    days_before(days_ago, i * 2 + kind, 'ret_time') as created_date,
    is_deleted
from returns
