create temp table opps as
with open_opps as (
    -- A rep converted ~6% of their book: an open opportunity keeps the account with them.
    select
        i, 1 as kind, id, owner_id, pick('open_stages', i, 'stage') as stage_name,
        false as is_closed, false as is_won,
        1 + floor(u(i, 'opp_created') * least(60, age_days))::integer as created_days_ago,
        getvariable('as_of') + (10 + floor(u(i, 'opp_close') * 80))::integer as close_date,
        false as is_deleted
    from acc
    where owner_kind = 'rep' and u(i, 'opp_open') < 0.06
),
closed as (
    select
        i, kind, id, owner_id, stage_name, true as is_closed, is_won, created_days_ago,
        least(
            getvariable('as_of') - 1,
            getvariable('as_of') - created_days_ago + (7 + floor(u(i, 'opp_cycle') * 113))::integer
        ) as close_date,
        is_deleted
    from (
        select
            i, 2 as kind, id, owner_id, 'Closed Won' as stage_name, true as is_won,
            1 + floor(u(i, 'opp_created') * age_days)::integer as created_days_ago,
            false as is_deleted
        from acc
        where is_customer and owner_kind in ('rep', 'static')
        union all
        select
            i, 3, id, pick('previous_owners', i, 'opp_owner'), 'Closed Lost', false,
            1 + floor(u(i, 'opp_created') * age_days)::integer,
            u(i, 'opp_deleted') < 0.02
        from acc
        where owner_kind = 'pool' and not is_deleted and u(i, 'opp_lost') < 0.04
    )
)
select
    salesforce_id('006', row_number() over (order by i, kind)) as id,
    id as account_id, owner_id, stage_name, is_closed, is_won,
    days_before(created_days_ago, i * 4 + kind, 'opp_time') as created_date,
    close_date, is_deleted
from (select * from open_opps union all select * from closed)
