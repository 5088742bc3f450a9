{#- Deals as opportunities. A deal may be associated with several companies; its first company
    stands for the account, as a Salesforce opportunity has one. Deals with a value that does not
    convert are left out (int_raw_rows_rejected lists them). -#}
{%- set raw = raw_columns('hubspot', 'deal') -%}
with

deals as (

    select
        deal_id,
        owner_id,
        deal_pipeline_stage_id,
        {{ typed(raw, 'property_hs_is_closed') }} as is_closed,
        {{ typed(raw, 'property_hs_is_closed_won') }} as is_won,
        {{ typed(raw, 'property_createdate') }} as created_at,
        {{ typed(raw, 'property_closedate') }} as closed_at

    from {{ crm_source('hubspot', 'deal') }}
    where not coalesce({{ typed(raw, 'is_deleted') }}, false)
        and {{ untyped_reason(raw) }} is null

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
        coalesce(deals.is_closed, false) as is_closed,
        coalesce(deals.is_won, false) as is_won,
        deals.created_at,
        cast(deals.closed_at as date) as close_date

    from deals
    left join deal_companies
        on deals.deal_id = deal_companies.deal_id

)

select * from renamed
