-- The bundled rules in HubSpot's ids (catalog `portal` is the demo portal, its id_map): reps (and
-- their working hours) are HubSpot owners, overrides name companies. Run once per file with
-- `source`, `target` and `sdr_property` (the portal's SDR owner property) set. The BDRs work
-- through that property as they work through SDR_Owner__c in the Salesforce demo.
copy (
    select owners.hubspot_id as rep_id, reps.* exclude (rep_id)
    from read_csv(getvariable('source') || '/reps.csv', header = true, all_varchar = true) as reps
    inner join portal.hubspot.id_map as owners
        on owners.kind = 'owner' and owners.salesforce_id = reps.rep_id
) to (getvariable('target') || '/reps.csv') (header true);

copy (
    select owners.hubspot_id as rep_id, hours.* exclude (rep_id)
    from read_csv(getvariable('source') || '/rep_availability.csv', header = true, all_varchar = true) as hours
    inner join portal.hubspot.id_map as owners
        on owners.kind = 'owner' and owners.salesforce_id = hours.rep_id
) to (getvariable('target') || '/rep_availability.csv') (header true);

copy (
    select companies.hubspot_id as account_id, overrides.* exclude (account_id)
    from read_csv(getvariable('source') || '/account_overrides.csv', header = true, all_varchar = true) as overrides
    inner join portal.hubspot.id_map as companies
        on companies.kind = 'company' and companies.salesforce_id = overrides.account_id
) to (getvariable('target') || '/account_overrides.csv') (header true);

-- No pool user: in HubSpot the pool is the unowned companies. The SDR field is the portal's
-- property, landing in column property_<name> as Fivetran lands company properties.
copy (
    select
        setting,
        case setting
            when 'sdr_owner_column' then 'property_' || getvariable('sdr_property')
            when 'sdr_owner_crm_field' then getvariable('sdr_property')
            else value
        end as value,
        case setting
            when 'sdr_owner_column' then 'Raw column of hubspot.company holding the BDR (the company property '
                || getvariable('sdr_property') || ')'
            when 'sdr_owner_crm_field' then 'The SDR owner property of HubSpot companies (type owner), which the '
                || 'extract reads and the write-back writes'
            else description
        end as description
    from read_csv(getvariable('source') || '/settings.csv', header = true, all_varchar = true)
    where setting <> 'pool_owner_id'
) to (getvariable('target') || '/settings.csv') (header true);

-- HubSpot's engagement types: a task logged by the rep counts, a note does not.
copy (
    select * from read_csv(getvariable('source') || '/activity_types.csv', header = true, all_varchar = true)
    union all
    select 'Task', 'true', 'A task the rep completed on the company'
    union all
    select 'Note', 'false', 'A note: no contact with the company'
) to (getvariable('target') || '/activity_types.csv') (header true);

-- The data team's timing signals, keyed by company.
create or replace table portal.signals.account_signal as
select cast(companies.hubspot_id as varchar) as account_id, signals.* exclude (account_id)
from demo.signals.account_signal as signals
inner join portal.hubspot.id_map as companies
    on companies.kind = 'company' and companies.salesforce_id = signals.account_id;
