{#- Deals as opportunities. A deal may be associated with several companies; its first company
    stands for the account, as a Salesforce opportunity has one. -#}
with

deals as (

    select * from {{ crm_source('hubspot', 'deal') }}

),

deal_companies as (

    select
        deal_id,
        min(company_id) as company_id

    from {{ crm_source('hubspot', 'deal_company') }}
    group by deal_id

),

renamed as (

    select
        cast(deals.deal_id as {{ dbt.type_string() }}) as opportunity_id,
        cast(deal_companies.company_id as {{ dbt.type_string() }}) as account_id,
        cast(deals.owner_id as {{ dbt.type_string() }}) as owner_id,
        cast(deals.deal_pipeline_stage_id as {{ dbt.type_string() }}) as stage_name,
        coalesce(deals.property_hs_is_closed, false) as is_closed,
        coalesce(deals.property_hs_is_closed_won, false) as is_won,
        cast(deals.property_createdate as {{ dbt.type_timestamp() }}) as created_at,
        cast(deals.property_closedate as date) as close_date

    from deals
    left join deal_companies
        on deals.deal_id = deal_companies.deal_id
    where not coalesce(deals.is_deleted, false)

)

select * from renamed
