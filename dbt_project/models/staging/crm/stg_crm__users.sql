{#- The users of the CRM in use. In HubSpot the pool has no user: a stand-in user holds the
    pool's owner id (active, on no roster), as a Salesforce org's pool user would. -#}
{%- set salesforce = ref('stg_salesforce__users') -%}
{%- set hubspot = ref('stg_hubspot__users') -%}
with

users as (

    select * from {{ hubspot if crm() == 'hubspot' else salesforce }}

),

settings as (

    select * from {{ ref('stg_rules__settings') }}

)

select user_id, user_name, email, is_active from users
{% if crm() == 'hubspot' -%}
union all
select
    settings.pool_owner_id as user_id,
    'Unowned (the pool)' as user_name,
    cast(null as {{ dbt.type_string() }}) as email,
    true as is_active
from settings
where settings.crm_pool_owner_id is null
{%- endif %}
