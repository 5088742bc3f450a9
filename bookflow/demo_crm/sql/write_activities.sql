-- Tasks or events (a table macro: salesforce.task and salesforce.event are its two calls), each
-- with the contact it was with (one of the account's three; a tenth have none, as automated
-- logging often leaves WhoId empty). Unsorted on purpose: sorting tens of millions of
-- activities costs more than the rest of the write, and the rows are the same either way.
create temp macro activities_out(prefix, as_tasks) as table
select
    salesforce_id(prefix, num)::varchar as id,
    salesforce_id('001', i)::varchar as account_id,
    owner_id::varchar as owner_id,
    type::varchar as type,
    days_before(days_ago, num, 'act_time')::timestamp as activity_date,
    is_deleted::boolean as is_deleted,
    case
        when u(num, 'who') < 0.9
            then salesforce_id('003', i * 4 + hash(num, getvariable('seed'), 'who_pick') % 3)
    end::varchar as who_id
from (select * from act_owned union all select * from act_background union all select * from act_sdr)
where type is not null and (u(num, 'act_source') < 0.7) = as_tasks
