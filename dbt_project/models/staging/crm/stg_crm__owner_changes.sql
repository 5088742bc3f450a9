{#- When each account took each of its owners, from the CRM's own history (Salesforce
    AccountHistory, HubSpot's hubspot_owner_id history); the pool spelled as the pool's owner id. -#}
{%- set salesforce = ref('stg_salesforce__owner_changes') -%}
{%- set hubspot = ref('stg_hubspot__owner_changes') -%}
with

changes as (

    select * from {{ hubspot if crm() == 'hubspot' else salesforce }}

),

settings as (

    select pool_owner_id from {{ ref('stg_rules__settings') }}

)

select
    changes.account_id,
    {% if crm() == 'hubspot' -%}
    -- no value before (the first) and an empty one are both unowned
    coalesce(changes.previous_owner_id, settings.pool_owner_id) as previous_owner_id,
    {%- else -%}
    changes.previous_owner_id,
    {%- endif %}
    coalesce(changes.owner_id, settings.pool_owner_id) as owner_id,
    changes.changed_at
from changes
cross join settings
