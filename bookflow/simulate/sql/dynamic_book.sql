-- The dynamic world's books: what the pipeline just synced to the CRM.
create or replace temp table book as
select distinct accounts.id as account_id, accounts.owner_id as rep_id
from crm.salesforce.account as accounts
inner join reps on reps.rep_id = accounts.owner_id
where not coalesce(accounts.is_deleted, false);
