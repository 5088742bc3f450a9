{#- The accounts of the CRM in use (macros/crm.sql), in one shape whichever it is. In HubSpot an
    unowned company is in the pool: it takes the pool's owner id (stg_rules__settings), so every
    model downstream sees the pool as it does in Salesforce. -#}
{%- set salesforce = ref('stg_salesforce__accounts') -%}
{%- set hubspot = ref('stg_hubspot__accounts') -%}
with

accounts as (

    select * from {{ hubspot if crm() == 'hubspot' else salesforce }}

),

settings as (

    select pool_owner_id from {{ ref('stg_rules__settings') }}

),

final as (

    select
        accounts.account_id,
        accounts.account_name,
        {% if crm() == 'hubspot' -%}
        coalesce(accounts.owner_id, settings.pool_owner_id) as owner_id,
        {%- else -%}
        accounts.owner_id,
        {%- endif %}
        accounts.sdr_owner_id,
        accounts.account_type,
        accounts.industry,
        accounts.employee_count,
        accounts.annual_revenue,
        accounts.billing_country,
        accounts.billing_state,
        accounts.created_at,
        accounts.website

    from accounts
    cross join settings

)

select * from final
