-- Accounts a larger demo CRM of the same seed has beyond this one's: they arrive one by one.
insert into future_accounts
select
    row_number() over (order by id),
    id, name, industry, number_of_employees, annual_revenue, billing_country, billing_state
from future.salesforce.account
where not coalesce(is_deleted, false)
    and id not in (select id from crm.salesforce.account);
