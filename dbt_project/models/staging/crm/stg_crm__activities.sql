{#- The activities of the CRM in use (macros/crm.sql), in one shape whichever it is. -#}
{%- set salesforce = ref('stg_salesforce__activities') -%}
{%- set hubspot = ref('stg_hubspot__activities') -%}
select * from {{ hubspot if crm() == 'hubspot' else salesforce }}
