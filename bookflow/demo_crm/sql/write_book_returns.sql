create table salesforce.book_return_c as
select
    id::varchar as id, account_c::varchar as account_c, returned_by_c::varchar as returned_by_c,
    reason_c::varchar as reason_c, created_date::timestamp as created_date,
    is_deleted::boolean as is_deleted
from book_returns
order by id
