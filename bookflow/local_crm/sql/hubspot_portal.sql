-- A HubSpot portal as the API sees it, from a demo CRM (Fivetran Salesforce-shaped tables in
-- catalog `demo`): numeric ids, property names as HubSpot's, unowned companies for the pool
-- user's accounts, records last modified when created, engagements typed calls/emails/meetings/notes/tasks
-- with company associations, and contact associations from the activities' WhoId (the contacts
-- themselves are not records of the portal: the extract reads only the associations).
create or replace table hubspot.id_map as
select id as salesforce_id, 'company' as kind, 10000000000 + row_number() over (order by id) as hubspot_id
from (select distinct id from demo.salesforce.account)
union all
select id, 'owner', 70000000 + row_number() over (order by id) from demo.salesforce."user"
union all
select id, 'deal', 20000000000 + row_number() over (order by id) from demo.salesforce.opportunity
union all
select id, 'engagement', 30000000000 + row_number() over (order by kind, id)
from (select id, 1 as kind from demo.salesforce.task union all select id, 2 from demo.salesforce.event)
union all
select id, 'contact', 40000000000 + row_number() over (order by id)
from (select who_id as id from demo.salesforce.task union select who_id from demo.salesforce.event)
where id is not null;

create or replace table hubspot.owners as
select
    owners.hubspot_id as id,
    users.email,
    split_part(users.name, ' ', 1) as "firstName",
    nullif(substr(users.name, length(split_part(users.name, ' ', 1)) + 2), '') as "lastName",
    owners.hubspot_id + 1000000 as "userId",
    getvariable('now') as "createdAt",
    getvariable('now') as "updatedAt",
    not coalesce(users.is_active, false) as archived
from demo.salesforce."user" as users
inner join hubspot.id_map as owners
    on owners.kind = 'owner' and owners.salesforce_id = users.id
where users.id is distinct from getvariable('pool_user');

create or replace table hubspot.companies as
select
    companies.hubspot_id as id,
    accounts.name,
    case
        when accounts.owner_id = getvariable('pool_user') or accounts.owner_id is null then null
        -- an owner HubSpot does not know, as a deleted owner's id would be
        else coalesce(cast(owners.hubspot_id as varchar), '69999999')
    end as hubspot_owner_id,
    case when lower(accounts.type) like 'customer%' then 'customer' else 'lead' end as lifecyclestage,
    accounts.industry,
    accounts.number_of_employees as numberofemployees,
    accounts.annual_revenue as annualrevenue,
    accounts.billing_country as country,
    accounts.billing_state as state,
    cast(accounts.created_date as timestamp) as createdate,
    cast(accounts.created_date as timestamp) as hs_lastmodifieddate,
    coalesce(accounts.is_deleted, false) as archived,
    case when accounts.is_deleted then getvariable('now') end as archived_at
from demo.salesforce.account as accounts
inner join hubspot.id_map as companies
    on companies.kind = 'company' and companies.salesforce_id = accounts.id
left join hubspot.id_map as owners
    on owners.kind = 'owner' and owners.salesforce_id = accounts.owner_id
-- A portal holds one company per id: of the demo's injected duplicate ids it keeps the first.
qualify row_number() over (partition by accounts.id order by accounts.created_date, accounts.name) = 1;

create or replace table hubspot.deals as
select
    deals.hubspot_id as id,
    opportunities.stage_name as dealname,
    cast(owners.hubspot_id as varchar) as hubspot_owner_id,
    lower(replace(opportunities.stage_name, ' ', '')) as dealstage,
    'default' as pipeline,
    cast(opportunities.created_date as timestamp) as createdate,
    cast(opportunities.close_date as timestamp) as closedate,
    coalesce(opportunities.is_closed, false) as hs_is_closed,
    coalesce(opportunities.is_won, false) as hs_is_closed_won,
    cast(opportunities.created_date as timestamp) as hs_lastmodifieddate,
    coalesce(opportunities.is_deleted, false) as archived,
    case when opportunities.is_deleted then getvariable('now') end as archived_at
from demo.salesforce.opportunity as opportunities
inner join hubspot.id_map as deals
    on deals.kind = 'deal' and deals.salesforce_id = opportunities.id
left join hubspot.id_map as owners
    on owners.kind = 'owner' and owners.salesforce_id = opportunities.owner_id;

create or replace table hubspot.engagements as
select
    engagements.hubspot_id as id,
    case activities.type
        when 'Call' then 'calls'
        when 'Email' then 'emails'
        when 'Meeting' then 'meetings'
        when 'LinkedIn' then 'tasks'
        else 'notes'
    end as object_type,
    cast(owners.hubspot_id as varchar) as hubspot_owner_id,
    cast(activities.activity_date as timestamp) as hs_timestamp,
    cast(activities.activity_date as timestamp) as createdate,
    cast(activities.activity_date as timestamp) as hs_lastmodifieddate,
    coalesce(activities.is_deleted, false) as archived,
    case when activities.is_deleted then getvariable('now') end as archived_at
from (
    select id, owner_id, type, activity_date, is_deleted from demo.salesforce.task
    union all
    select id, owner_id, type, activity_date, is_deleted from demo.salesforce.event
) as activities
inner join hubspot.id_map as engagements
    on engagements.kind = 'engagement' and engagements.salesforce_id = activities.id
left join hubspot.id_map as owners
    on owners.kind = 'owner' and owners.salesforce_id = activities.owner_id;

create or replace table hubspot.associations as
select 'deals' as from_type, deals.hubspot_id as from_id, 'companies' as to_type, companies.hubspot_id as to_id
from demo.salesforce.opportunity as opportunities
inner join hubspot.id_map as deals on deals.kind = 'deal' and deals.salesforce_id = opportunities.id
inner join hubspot.id_map as companies on companies.kind = 'company' and companies.salesforce_id = opportunities.account_id
union all
-- An engagement's company is its activity's account; its contact, the activity's WhoId.
select engagements_typed.object_type, engagements.hubspot_id, linked.to_type, targets.hubspot_id
from (
    select id, 'companies' as to_type, 'company' as kind, account_id as salesforce_id from demo.salesforce.task
    union all
    select id, 'companies', 'company', account_id from demo.salesforce.event
    union all
    select id, 'contacts', 'contact', who_id from demo.salesforce.task
    union all
    select id, 'contacts', 'contact', who_id from demo.salesforce.event
) as linked
inner join hubspot.id_map as engagements on engagements.kind = 'engagement' and engagements.salesforce_id = linked.id
inner join hubspot.engagements as engagements_typed on engagements_typed.id = engagements.hubspot_id
inner join hubspot.id_map as targets on targets.kind = linked.kind and targets.salesforce_id = linked.salesforce_id;

-- HubSpot keeps every value a property has had; the demo's companies got their owner when created.
create or replace table hubspot.property_history as
select
    'companies' as object_type,
    id as object_id,
    'hubspot_owner_id' as property,
    hubspot_owner_id as value,
    createdate as timestamp,
    'CRM_UI' as source_type,
    cast(null as varchar) as source_id
from hubspot.companies
where hubspot_owner_id is not null;
