-- The demo portal's SDR owner property (bookflow.local_crm.hubspot.SDR_OWNER, a custom company
-- property of type owner): each company's BDR from the demo CRM (catalog `demo`, its
-- sdr_owner_c) in HubSpot owner ids, the first row of a duplicated id as for the company itself;
-- HubSpot keeps the value's history, set when the company was created.
alter table hubspot.companies add column sdr_owner varchar;

update hubspot.companies as companies
set sdr_owner = (
    select cast(bdrs.hubspot_id as varchar)
    from hubspot.id_map as ids
    inner join demo.salesforce.account as accounts
        on accounts.id = ids.salesforce_id
    inner join hubspot.id_map as bdrs
        on bdrs.kind = 'owner' and bdrs.salesforce_id = accounts.sdr_owner_c
    where ids.kind = 'company' and ids.hubspot_id = companies.id
    order by accounts.created_date, accounts.name
    limit 1
);

insert into hubspot.property_history
select 'companies', id, 'sdr_owner', sdr_owner, createdate, 'CRM_UI', null
from hubspot.companies
where sdr_owner is not null;
