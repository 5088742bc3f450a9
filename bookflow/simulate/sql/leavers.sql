-- Leavers are deactivated in the CRM on their day, before the pipeline runs: it then gives them
-- no capacity and retrieves their book.
update crm.salesforce."user" set is_active = false
where id in (select leaver_id from successions where leaves_on = getvariable('day'));
