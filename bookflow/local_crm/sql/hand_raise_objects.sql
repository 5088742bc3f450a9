-- Where hand raises start in a CRM: Salesforce Leads and HubSpot contacts, empty until created
-- through the API (POST /sobjects/Lead, POST /crm/v3/objects/contacts) or loaded by a test.
create table if not exists salesforce."Lead" (
    "Id" varchar primary key,
    "FirstName" varchar,
    "LastName" varchar not null,
    "Email" varchar,
    "Company" varchar not null,
    "Website" varchar,
    "Country" varchar,
    "NumberOfEmployees" integer,
    "LeadSource" varchar,
    "Status" varchar,
    "IsConverted" boolean not null default false,
    "IsDeleted" boolean not null default false,
    "CreatedDate" timestamp not null,
    "SystemModstamp" timestamp not null
);

create table if not exists hubspot.contacts (
    id bigint primary key,
    email varchar,
    firstname varchar,
    lastname varchar,
    company varchar,
    website varchar,
    country varchar,
    lifecyclestage varchar,
    hs_lead_status varchar,
    createdate timestamp not null,
    lastmodifieddate timestamp not null,
    hs_lastmodifieddate timestamp not null,
    archived boolean not null default false,
    archived_at timestamp
);
