-- A Salesforce org as the API sees it, from a demo CRM (Fivetran-shaped tables in catalog `demo`):
-- sObjects named as in Salesforce, fields by their API names, each record last modified when it
-- was created (users: a month before the load), as in an org whose records were not edited since.
create or replace table salesforce."User" as
select
    id as "Id", name as "Name", email as "Email", coalesce(is_active, false) as "IsActive",
    getvariable('now') - interval 30 day as "SystemModstamp"
from demo.salesforce."user";

create or replace table salesforce."Account" as
select
    id as "Id", name as "Name", owner_id as "OwnerId", type as "Type", industry as "Industry",
    number_of_employees as "NumberOfEmployees", annual_revenue as "AnnualRevenue",
    billing_country as "BillingCountry", billing_state as "BillingState",
    cast(created_date as timestamp) as "CreatedDate", coalesce(is_deleted, false) as "IsDeleted",
    cast(created_date as timestamp) as "SystemModstamp"
from demo.salesforce.account
-- An org holds one record per Id: of the demo's injected duplicate ids (bad input for a warehouse
-- loaded by hand) the org keeps the first.
qualify row_number() over (partition by id order by created_date, name) = 1;

create or replace table salesforce."Opportunity" as
select
    id as "Id", account_id as "AccountId", owner_id as "OwnerId", stage_name as "StageName",
    is_closed as "IsClosed", is_won as "IsWon", cast(created_date as timestamp) as "CreatedDate",
    cast(close_date as date) as "CloseDate", coalesce(is_deleted, false) as "IsDeleted",
    cast(created_date as timestamp) as "SystemModstamp"
from demo.salesforce.opportunity;

create or replace table salesforce."Task" as
select
    id as "Id", account_id as "AccountId", owner_id as "OwnerId", type as "Type",
    cast(activity_date as timestamp) as "ActivityDate", coalesce(is_deleted, false) as "IsDeleted",
    who_id as "WhoId",
    cast(activity_date as timestamp) as "SystemModstamp"
from demo.salesforce.task;

create or replace table salesforce."Event" as
select
    id as "Id", account_id as "AccountId", owner_id as "OwnerId", type as "Type",
    cast(activity_date as timestamp) as "ActivityDate", coalesce(is_deleted, false) as "IsDeleted",
    who_id as "WhoId",
    cast(activity_date as timestamp) as "SystemModstamp"
from demo.salesforce.event;

create or replace table salesforce."Book_Return__c" as
select
    id as "Id", account_c as "Account__c", returned_by_c as "Returned_By__c", reason_c as "Reason__c",
    cast(created_date as timestamp) as "CreatedDate", coalesce(is_deleted, false) as "IsDeleted",
    cast(created_date as timestamp) as "SystemModstamp"
from demo.salesforce.book_return_c;

-- Changes of the owner fields made through the API add rows here (field 'Owner', SDR_Owner__c),
-- as in a real org that tracks their history.
create or replace table salesforce."AccountHistory" (
    "Id" varchar, "AccountId" varchar, "Field" varchar, "OldValue" varchar, "NewValue" varchar,
    "CreatedDate" timestamp, "IsDeleted" boolean
);
