create table salesforce.opportunity as
select
    id::varchar as id, account_id::varchar as account_id, owner_id::varchar as owner_id,
    stage_name::varchar as stage_name, is_closed::boolean as is_closed, is_won::boolean as is_won,
    created_date::timestamp as created_date, close_date::date as close_date,
    is_deleted::boolean as is_deleted
from opps
order by id
